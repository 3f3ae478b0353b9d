package org.conveyord.bench.delivery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Mosquitto the benchmark starts on a free loopback port, with persistence in a temporary
 * directory so a consumer's persistent session survives {@link #stop()} / {@link #start()} (the
 * outage). Not thread-safe: the benchmark's main thread drives it.
 */
public final class LocalMosquitto implements AutoCloseable {

    private final Path binary;
    private final Path dir;
    private final int port;
    private Process process;

    public LocalMosquitto() throws IOException {
        Path b = Path.of("/usr/sbin/mosquitto");
        if (!Files.isExecutable(b)) b = Path.of("/usr/bin/mosquitto");
        if (!Files.isExecutable(b)) {
            throw new IllegalStateException("mosquitto is not installed (apt-get install mosquitto), or set MQTT_BENCH_URL");
        }
        binary = b;
        dir = Files.createTempDirectory("bench-mosquitto");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    public String url() { return "tcp://127.0.0.1:" + port; }

    /** CPU time the running broker used so far (user + system), in nanoseconds; -1 when unknown. */
    long cpuNanos() {
        Process p = process;
        return p == null ? -1 : p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    public void start() throws IOException, InterruptedException {
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
                + "user " + System.getProperty("user.name") + "\n"
                + "persistence true\npersistence_location " + dir + "/\n"
                + "max_queued_messages 0\nmax_inflight_messages 0\nset_tcp_nodelay true\n"
                + "log_dest file " + dir.resolve("mosquitto.log") + "\n");
        process = new ProcessBuilder(binary.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) throw new IllegalStateException("mosquitto exited at start; see " + dir);
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port + " within 10 s");
    }

    public void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        process = null;
    }

    @Override
    public void close() throws InterruptedException { stop(); }
}
