package org.conveyord.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whether the system clock is NTP-synchronised.
 * <p>
 * Where systemd-timesyncd runs (its runtime directory {@code /run/systemd/timesync} exists), its flag
 * file {@code synchronized} in that directory is the answer and no process is started. Elsewhere
 * (chrony, ntpd, no systemd) {@code timedatectl show -p NTPSynchronized --value} is asked, as a child
 * with a clean environment: under systemd the service's {@code NOTIFY_SOCKET} would let the child's
 * own sd_notify datagrams pass as the daemon's (with {@code NotifyAccess=all}), and
 * {@code CREDENTIALS_DIRECTORY} points at the service's secrets.
 * <p>
 * {@link #check()} may take up to ~2 s when it runs the child: call it from a thread that may block,
 * never from the control loop or a Paho callback.
 */
public final class ClockSyncProbe {

    private static final Logger log = LoggerFactory.getLogger(ClockSyncProbe.class);
    private static final List<String> TIMEDATECTL = List.of("timedatectl", "show", "-p", "NTPSynchronized", "--value");
    /**
     * The only variables a child gets: what finds the binary, its language and time zone, and the
     * system bus timedatectl talks to. Everything else (sd_notify and socket-activation variables,
     * credentials, whatever the unit's Environment= carries) stays with the daemon.
     */
    private static final Set<String> CHILD_ENVIRONMENT = Set.of("PATH", "LANG", "LC_ALL", "TZ", "DBUS_SYSTEM_BUS_ADDRESS");

    private final Path timesyncDir;
    private final Map<String, String> environment;
    private final List<String> fallbackCommand;
    private boolean warnedNoFallback;

    public ClockSyncProbe() {
        this(Path.of("/"), System.getenv(), TIMEDATECTL);
    }

    /**
     * @param root            the file-system root the timesyncd flag is looked up under (a fake root in tests)
     * @param environment     the daemon's environment, which the child gets only a clean part of
     * @param fallbackCommand what is run where timesyncd is not; it prints {@code yes} when synchronised
     */
    ClockSyncProbe(Path root, Map<String, String> environment, List<String> fallbackCommand) {
        this.timesyncDir = root.resolve("run/systemd/timesync");
        this.environment = Map.copyOf(environment);
        this.fallbackCommand = List.copyOf(fallbackCommand);
    }

    public synchronized boolean check() {
        if (Files.isDirectory(timesyncDir)) return Files.exists(timesyncDir.resolve("synchronized"));
        try {
            Process p = childProcess(environment, fallbackCommand).redirectErrorStream(true).start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && "yes".equalsIgnoreCase(out);
        } catch (IOException e) {
            if (!warnedNoFallback) {
                warnedNoFallback = true;
                log.info("{} is not available ({}); the clock counts as not synchronised, so command ttl is not checked",
                        fallbackCommand.getFirst(), e.getMessage());
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A process builder for {@code command} whose environment holds only the clean part of {@code inherited}. */
    static ProcessBuilder childProcess(Map<String, String> inherited, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.clear();
        inherited.forEach((name, value) -> {
            if (CHILD_ENVIRONMENT.contains(name)) env.put(name, value);
        });
        return pb;
    }
}
