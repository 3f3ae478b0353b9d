package org.conveyord.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Whether the system clock is NTP-synchronised: {@code /run/systemd/timesync/synchronized} exists, or
 * {@code timedatectl show -p NTPSynchronized --value} says yes. {@link #check()} may take up to ~2 s
 * (it runs a process): call it from a thread that may block, never from the control loop or a Paho
 * callback.
 */
public final class ClockSyncProbe {

    private static final Logger log = LoggerFactory.getLogger(ClockSyncProbe.class);
    private static final Path TIMESYNC_FLAG = Path.of("/run/systemd/timesync/synchronized");

    private boolean warnedNoTimedatectl;

    public synchronized boolean check() {
        if (Files.exists(TIMESYNC_FLAG)) return true;
        try {
            Process p = new ProcessBuilder("timedatectl", "show", "-p", "NTPSynchronized", "--value")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && "yes".equalsIgnoreCase(out);
        } catch (IOException e) {
            if (!warnedNoTimedatectl) {
                warnedNoTimedatectl = true;
                log.info("timedatectl is not available ({}); the clock counts as not synchronised, so command ttl is not checked",
                        e.getMessage());
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
