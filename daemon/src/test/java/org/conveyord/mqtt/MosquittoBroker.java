package org.conveyord.mqtt;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real Mosquitto for tests, on a free loopback port with its own config and persistence file in a
 * test directory. {@link #stop()} (SIGTERM: it saves its persistence file, so persistent sessions
 * and their queues survive) and {@link #start()} again on the same port simulate an outage.
 * Tests call {@link #assumeInstalled()} first: without mosquitto they are skipped with a message.
 */
public final class MosquittoBroker implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Path dir;
    private final int port;
    private final String extraConfig;
    private Process process;

    /** @param extraConfig more mosquitto.conf lines (listeners with TLS, password_file, acl_file ...) */
    public MosquittoBroker(Path dir, String extraConfig) throws IOException {
        this.dir = dir;
        this.port = freePort();
        this.extraConfig = extraConfig;
        Files.createDirectories(dir);
    }

    public static void assumeInstalled() {
        boolean there = Files.isExecutable(BINARY);
        if (!there) System.out.println("SKIPPED: " + BINARY + " is not installed (apt-get install mosquitto); Mosquitto tests did not run");
        Assumptions.assumeTrue(there, BINARY + " is not installed (apt-get install mosquitto)");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() { return port; }

    public String url() { return "tcp://127.0.0.1:" + port; }

    Path dir() { return dir; }

    public Path log() { return dir.resolve("mosquitto.log"); }

    /** Writes the config (plain listener on {@link #port()} unless the extra config has its own) and starts. */
    public MosquittoBroker start() throws IOException {
        Path conf = dir.resolve("mosquitto.conf");
        String listener = extraConfig.contains("listener ") ? "" : "listener " + port + " 127.0.0.1\nallow_anonymous true\n";
        Files.writeString(conf, listener
                // started as root, Mosquitto would switch to user "mosquitto", who cannot write the test directory
                + "user " + System.getProperty("user.name") + "\n"
                + "persistence true\n"
                + "persistence_location " + dir + "/\n"
                + "autosave_interval 1\n"
                + "max_queued_messages 0\n"
                + "max_inflight_messages 0\n"
                + "set_tcp_nodelay true\n"
                + "log_dest file " + log() + "\n"
                + "log_type error\nlog_type warning\nlog_type notice\n"
                + extraConfig.replace("${port}", Integer.toString(port)) + "\n");
        process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited at start: " + Files.readString(dir.resolve("mosquitto.out"))
                        + (Files.exists(log()) ? Files.readString(log()) : ""));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    /** SIGTERM and wait: Mosquitto writes its persistence file on the way out. */
    public void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        process = null;
    }

    @Override
    public void close() throws InterruptedException { stop(); }
}
