package org.conveyord.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A real loopback TCP server playing a device in conversation tests: each accepted connection gets
 * its own {@link Session} (so it can hold its own framer), fed from that connection's reader thread.
 * {@link #stopAccepting()} / {@link #resumeAccepting()} take the port away and give it back, to test
 * link loss.
 */
public final class LoopbackDeviceServer implements AutoCloseable {

    /** The device's side of one connection; called from that connection's reader thread. */
    public interface Session {
        void received(byte[] data, int length, Reply reply) throws IOException;
    }

    /** Bytes back to the daemon. */
    public interface Reply {
        void send(byte[] data) throws IOException;
    }

    private final Supplier<Session> sessions;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final int port;
    private volatile ServerSocket server;
    private volatile boolean closed;

    public LoopbackDeviceServer(Supplier<Session> sessions) {
        this.sessions = sessions;
        try {
            server = bind(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = server.getLocalPort();
        acceptLoop(server);
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public int connections() {
        return open.size();
    }

    /** Sends to every open connection (unsolicited output: scanner reads). */
    public void broadcast(byte[] data) throws IOException {
        for (Socket s : open) {
            synchronized (s) {
                s.getOutputStream().write(data);
                s.getOutputStream().flush();
            }
        }
    }

    /** Closes the listening socket and every connection: the device is gone. */
    public void stopAccepting() throws IOException {
        server.close();
        for (Socket s : open) s.close();
    }

    /** The device is back on the same port. */
    public void resumeAccepting() throws IOException {
        server = bind(port);
        acceptLoop(server);
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5);
        return ss;
    }

    private void acceptLoop(ServerSocket ss) {
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    s.setTcpNoDelay(true);
                    open.add(s);
                    serve(s);
                } catch (IOException e) {
                    return;
                }
            }
        }, "fake-device-accept");
        t.setDaemon(true);
        t.start();
    }

    private void serve(Socket s) {
        Session session = sessions.get();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            Reply reply = data -> {
                synchronized (s) {
                    OutputStream out = s.getOutputStream();
                    out.write(data);
                    out.flush();
                }
            };
            try (s) {
                InputStream in = s.getInputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    session.received(buf, n, reply);
                }
            } catch (SocketException e) {
                // closed by the test or by the daemon
            } catch (UncheckedIOException e) {
                // a session's reply written to a link the test or the daemon just closed: the same thing
                if (!(e.getCause() instanceof SocketException)) throw e;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                open.remove(s);
            }
        }, "fake-device-conn");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        stopAccepting();
    }

    public boolean isClosed() {
        return closed;
    }
}
