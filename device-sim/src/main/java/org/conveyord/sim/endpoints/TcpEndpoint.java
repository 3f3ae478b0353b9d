package org.conveyord.sim.endpoints;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server for one simulated device: accepts clients, reads each on its own virtual thread and
 * hands the bytes to the subclass. It can go "offline" (every connection closed, new ones refused
 * because nothing listens) and come back on the same port, as a device that loses power does.
 *
 * <p>Threading: {@link #onBytes} runs on the connection's reader thread and may block it (a scale
 * waiting for stability); {@link Connection#send} is thread-safe.
 */
public abstract class TcpEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpEndpoint.class);

    protected final String name;
    private final String host;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private volatile int port;
    private volatile ServerSocket server;
    private volatile boolean closed;

    TcpEndpoint(String name, String host, int port) {
        this.name = name;
        this.host = host;
        this.port = port;
    }

    /** Binds and starts accepting; the port is fixed from then on (port 0 picks a free one once). */
    public synchronized void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(host, port));
        port = s.getLocalPort();
        server = s;
        Thread.ofVirtual().name(name + "-accept").start(() -> acceptLoop(s));
    }

    public int port() { return port; }

    public String name() { return name; }

    List<Connection> connections() { return connections; }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket sock = s.accept();
                sock.setTcpNoDelay(true);
                Connection c = new Connection(sock);
                connections.add(c);
                log.info("{}: client {} connected", name, sock.getRemoteSocketAddress());
                onConnect(c);
                Thread.ofVirtual().name(name + "-read").start(() -> readLoop(c));
            } catch (IOException e) {
                if (!s.isClosed()) log.warn("{}: accept failed: {}", name, e.toString());
            }
        }
    }

    private void readLoop(Connection c) {
        byte[] buf = new byte[4096];
        try (InputStream in = c.socket.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) onBytes(c, buf, n);
        } catch (IOException e) {
            if (!c.closed) log.info("{}: client {} read failed: {}", name, c.remote(), e.toString());
        } finally {
            c.close();
            connections.remove(c);
            log.info("{}: client {} disconnected", name, c.remote());
            onDisconnect(c);
        }
    }

    /**
     * Offline: close every connection and stop listening (clients get "connection refused");
     * online again: listen on the same port.
     */
    public synchronized void setOffline(boolean offline) throws IOException {
        if (offline) {
            ServerSocket s = server;
            server = null;
            if (s != null) s.close();
            connections.forEach(Connection::close);
        } else if (server == null && !closed) {
            start();
        }
    }

    synchronized boolean offline() { return server == null; }

    void broadcast(byte[] bytes) {
        for (Connection c : connections) c.send(bytes);
    }

    protected void onConnect(Connection c) {}

    protected abstract void onBytes(Connection c, byte[] buf, int len);

    protected void onDisconnect(Connection c) {}

    @Override
    public synchronized void close() {
        closed = true;
        try {
            setOffline(true);
        } catch (IOException e) {
            log.debug("{}: close: {}", name, e.toString());
        }
    }

    /** One client. */
    final class Connection {
        final Socket socket;
        private volatile boolean closed;
        private final Object writeLock = new Object();

        Connection(Socket socket) { this.socket = socket; }

        String remote() { return String.valueOf(socket.getRemoteSocketAddress()); }

        void send(byte[] bytes) {
            synchronized (writeLock) {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(bytes);
                    out.flush();
                } catch (IOException e) {
                    if (!closed) log.info("{}: write to {} failed: {}", name, remote(), e.toString());
                    close();
                }
            }
        }

        void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("{}: close {}: {}", name, remote(), e.toString());
            }
        }
    }
}
