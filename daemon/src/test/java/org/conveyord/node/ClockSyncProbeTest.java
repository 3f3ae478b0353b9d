package org.conveyord.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClockSyncProbeTest {

    /** A fallback that would say "synchronised" if it ran, so a false answer proves it did not. */
    private static final List<String> SAYS_YES = List.of("/bin/sh", "-c", "echo yes");
    private static final Map<String, String> PLAIN_ENV = Map.of("PATH", "/usr/bin:/bin");

    @TempDir
    Path root;

    @Test
    void timesyncdFlagFilePresentMeansSynchronised() throws Exception {
        Path dir = Files.createDirectories(root.resolve("run/systemd/timesync"));
        Files.createFile(dir.resolve("synchronized"));
        ClockSyncProbe probe = new ClockSyncProbe(root, PLAIN_ENV, List.of("/bin/false"));

        assertThat(probe.check()).isTrue();
    }

    @Test
    void timesyncdRunningWithoutTheFlagMeansNotSynchronisedAndNoChildRuns() throws Exception {
        Files.createDirectories(root.resolve("run/systemd/timesync"));
        ClockSyncProbe probe = new ClockSyncProbe(root, PLAIN_ENV, SAYS_YES);

        assertThat(probe.check()).isFalse();
    }

    @Test
    void withoutTimesyncdTheFallbackChildIsAsked() {
        assertThat(new ClockSyncProbe(root, PLAIN_ENV, SAYS_YES).check()).isTrue();
        assertThat(new ClockSyncProbe(root, PLAIN_ENV, List.of("/bin/sh", "-c", "echo no")).check()).isFalse();
    }

    @Test
    void aMissingFallbackBinaryMeansNotSynchronised() {
        ClockSyncProbe probe = new ClockSyncProbe(root, PLAIN_ENV, List.of(root.resolve("no-such-timedatectl").toString()));

        assertThat(probe.check()).isFalse();
    }

    @Test
    void theChildGetsNoneOfTheServicesSocketsOrSecrets() throws Exception {
        Map<String, String> serviceEnv = Map.of(
                "PATH", "/usr/bin:/bin",
                "LANG", "C.UTF-8",
                "NOTIFY_SOCKET", "/run/systemd/notify",
                "WATCHDOG_USEC", "10000000",
                "WATCHDOG_PID", "4242",
                "CREDENTIALS_DIRECTORY", "/run/credentials/conveyord.service",
                "LISTEN_FDS", "1",
                "LISTEN_PID", "4242",
                "LISTEN_FDNAMES", "mqtt",
                "MQTT_PASSWORD", "hunter2");

        Process env = ClockSyncProbe.childProcess(serviceEnv, List.of("/usr/bin/env")).start();
        String out = new String(env.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(env.waitFor()).isZero();

        List<String> names = out.lines().map(l -> l.substring(0, l.indexOf('='))).toList();
        assertThat(names).containsExactlyInAnyOrder("PATH", "LANG");
        assertThat(out).doesNotContain("NOTIFY_SOCKET", "WATCHDOG_", "CREDENTIALS_DIRECTORY", "LISTEN_", "hunter2");
    }
}
