package org.conveyord.sim.broker;

import io.moquette.broker.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * An in-process MQTT 3.1.1 broker (Moquette 0.17) for the demo, the benchmarks and every MQTT test.
 * No persistence, no telemetry (it would phone home and write data/.moquette_uuid), anonymous clients
 * and empty client ids allowed as Mosquitto allows them (mosquitto_sub/pub send an empty id), no
 * files in the working directory (its data path is a temp dir removed on stop).
 * Not in the daemon's jar: the edge box talks to the store's broker.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final int PORTS_TO_TRY = 50;

    private final Server server;
    private final String host;
    private final int port;
    private final Path dataDir;

    private EmbeddedBroker(Server server, String host, int port, Path dataDir) {
        this.server = server;
        this.host = host;
        this.port = port;
        this.dataDir = dataDir;
    }

    /**
     * Starts on {@code preferredPort}, or the next free one above it; port 0 takes any free port.
     *
     * @throws UncheckedIOException when no port could be bound
     */
    public static EmbeddedBroker start(String host, int preferredPort) {
        IOException last = null;
        // port 0: a few fresh free ports, since the bind can lose a race or time out on a busy machine
        int tries = preferredPort == 0 ? 3 : PORTS_TO_TRY;
        for (int i = 0; i < tries; i++) {
            int port = preferredPort == 0 ? freePort(host) : preferredPort + i;
            if (port > 65535) break;
            if (!canBind(host, port)) continue;
            try {
                return startOn(host, port);
            } catch (IOException e) {
                last = e; // someone took the port between the check and the bind: try the next
            }
        }
        throw new UncheckedIOException("cannot start the embedded MQTT broker on " + host
                + (preferredPort == 0 ? " (" + tries + " free ports tried)" : " ports " + preferredPort + "-" + (preferredPort + tries - 1) + ": all in use"),
                last == null ? new IOException("no free port") : last);
    }

    private static EmbeddedBroker startOn(String host, int port) throws IOException {
        Path data = Files.createTempDirectory("conveyord-broker-");
        Properties p = new Properties();
        p.setProperty("host", host);
        p.setProperty("port", Integer.toString(port));
        p.setProperty("websocket_port", "disabled");
        p.setProperty("allow_anonymous", "true");
        // the broker then assigns an id, as Mosquitto does for MQTT 3.1.1 clean sessions
        p.setProperty("allow_zero_byte_client_id", "true");
        p.setProperty("telemetry_enabled", "false");
        p.setProperty("persistence_enabled", "false");
        p.setProperty("data_path", data.toString());
        p.setProperty("netty.mqtt.message_size", Integer.toString(1024 * 1024));
        // without this Moquette batches writes and every reply waits for its flush timer
        p.setProperty("immediate_buffer_flush", "true");
        Server server = new Server();
        try {
            server.startServer(p);
        } catch (IOException | RuntimeException e) {
            server.stopServer();
            deleteTree(data);
            throw e instanceof IOException io ? io : new IOException(e);
        }
        // the acceptor binds asynchronously: getPort() reads 0 for a moment, and Moquette 0.17 reads
        // its port map unsynchronised, so a read racing the bind can throw; both mean "ask again"
        long deadline = System.nanoTime() + 5_000_000_000L;
        int bound = portOf(server);
        while (bound <= 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            bound = portOf(server);
        }
        if (bound <= 0 || !isListening(host, bound)) {
            server.stopServer();
            deleteTree(data);
            throw new IOException("the broker did not bind " + host + ":" + port);
        }
        log.info("Embedded MQTT broker listening on tcp://{}:{}", host, bound);
        return new EmbeddedBroker(server, host, bound, data);
    }

    private static int portOf(Server server) {
        try {
            return server.getPort();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    public int port() { return port; }

    /** {@code tcp://127.0.0.1:NNNN} (the loopback address when bound to 0.0.0.0). */
    public String url() {
        String h = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        return "tcp://" + h + ":" + port;
    }

    /** Safe to call twice. */
    public synchronized void stop() {
        if (stopped) return;
        stopped = true;
        server.stopServer();
        deleteTree(dataDir);
        log.info("Embedded MQTT broker on port {} stopped", port);
    }

    private boolean stopped;

    @Override
    public void close() { stop(); }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + host, e);
        }
    }

    private static boolean canBind(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isListening(String host, int port) {
        String h = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        try (var s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(h, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("Could not remove broker temp dir {}: {}", dir, e.toString());
        }
    }
}
