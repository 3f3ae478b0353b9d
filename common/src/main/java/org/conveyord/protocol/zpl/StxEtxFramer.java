package org.conveyord.protocol.zpl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Cuts a Zebra host reply stream into {@code STX … ETX} strings. Bytes outside a frame are ignored,
 * a new STX starts over (an unterminated frame before it was garbage), and a frame longer than
 * {@code maxFrameBytes} is dropped and counted. Not thread-safe: one feeding thread.
 */
final class StxEtxFramer {
    private final int maxFrameBytes;
    private final Consumer<String> frames;
    private final ByteArrayOutputStream frame = new ByteArrayOutputStream();
    private boolean inFrame;
    private long rejected;

    StxEtxFramer(int maxFrameBytes, Consumer<String> frames) {
        this.maxFrameBytes = maxFrameBytes;
        this.frames = frames;
    }

    void feed(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        for (int i = off; i < off + len; i++) {
            byte x = b[i];
            if (x == HostStatus.STX) {
                frame.reset();
                inFrame = true;
            } else if (!inFrame) {
                continue;
            } else if (x == HostStatus.ETX) {
                inFrame = false;
                frames.accept(frame.toString(StandardCharsets.ISO_8859_1));
                frame.reset();
            } else if (frame.size() >= maxFrameBytes) {
                inFrame = false;
                frame.reset();
                rejected++;
            } else {
                frame.write(x);
            }
        }
    }

    void reset() {
        frame.reset();
        inFrame = false;
    }

    long rejected() {
        return rejected;
    }
}
