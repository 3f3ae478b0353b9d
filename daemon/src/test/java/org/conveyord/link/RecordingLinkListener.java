package org.conveyord.link;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what a link reports, for tests; thread-safe. */
final class RecordingLinkListener implements ByteLink.Listener {

    final AtomicInteger connects = new AtomicInteger();
    final List<String> disconnects = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    @Override
    public void connected() {
        connects.incrementAndGet();
    }

    @Override
    public synchronized void received(byte[] data, int offset, int length) {
        received.write(data, offset, length);
    }

    @Override
    public void disconnected(String reason) {
        disconnects.add(reason);
    }

    synchronized String receivedText() {
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
