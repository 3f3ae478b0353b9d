package org.conveyord.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test-side TCP client that collects what the server sends, split into lines on LF (CR kept off),
 * plus the raw text, read on its own thread.
 */
final class LineClient implements AutoCloseable {
    private final Socket socket;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final StringBuilder raw = new StringBuilder();

    LineClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        Thread.ofVirtual().start(this::read);
    }

    private void read() {
        StringBuilder line = new StringBuilder();
        try (InputStream in = socket.getInputStream()) {
            int b;
            while ((b = in.read()) >= 0) {
                synchronized (raw) {
                    raw.append((char) b);
                }
                if (b == '\n') {
                    lines.add(line.toString().replace("\r", ""));
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        } catch (IOException e) {
            // socket closed: the test is done or the server dropped us
        }
        closedByPeer = true;
    }

    volatile boolean closedByPeer;

    String raw() {
        synchronized (raw) {
            return raw.toString();
        }
    }

    void send(String s) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
