package org.conveyord.sim.endpoints;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Offers a simulated device on a pseudo-terminal, so the daemon's jssc serial path is exercised:
 * {@code socat pty,raw,echo=0,link=<path>,waitslave TCP:127.0.0.1:<port>} joins a pty (symlinked at the
 * path the config names) to the device's TCP endpoint. When the daemon closes the port socat ends; a
 * supervisor thread starts it again, so the port comes back as a replugged USB adapter does.
 * Needs socat on the PATH ({@link #socatAvailable()}).
 * <p>
 * Threading: one virtual supervisor thread per bridge; {@link #close} may be called from any thread.
 */
public final class PtyBridge implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PtyBridge.class);

    private final String deviceId;
    private final Path path;
    private final int tcpPort;
    private volatile Process socat;
    private volatile boolean closed;

    public PtyBridge(String deviceId, Path path, int tcpPort) {
        this.deviceId = deviceId;
        this.path = path;
        this.tcpPort = tcpPort;
    }

    public static boolean socatAvailable() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "socat"))) return true;
        }
        return false;
    }

    Path path() {
        return path;
    }

    public void start() {
        Thread.ofVirtual().name(deviceId + "-pty").start(this::supervise);
    }

    private void supervise() {
        while (!closed) {
            try {
                Process p = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + path + ",waitslave",
                        "TCP:127.0.0.1:" + tcpPort)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                socat = p;
                if (closed) p.destroy();
                log.info("{}: offered on pty {} (bridged to tcp port {})", deviceId, path, tcpPort);
                p.waitFor();
            } catch (IOException e) {
                log.warn("{}: cannot start socat for {}: {}; retrying", deviceId, path, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // the daemon closed the port (or socat failed): offer it again shortly, as a replug
            LockSupport.parkNanos(200_000_000L);
        }
    }

    @Override
    public void close() {
        closed = true;
        Process p = socat;
        if (p != null) p.destroy();
    }
}
