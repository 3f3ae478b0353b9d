package org.conveyord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.ConfigLoader;
import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.sim.daemon.DaemonProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code systemctl reload} of a daemon whose line is running on device-sim: the daemon process gets
 * SIGHUP after its config file gained a check-weigh tolerance and a jam retry count. The next bag is
 * judged with the new tolerance, the next jam gets no automatic retry, and the line never stopped.
 */
class LiveReloadIT {

    private static final Duration BAG_TRIP = TestMqttClient.PATIENCE.multipliedBy(3);

    /**
     * A process started with SIGHUP ignored (under {@code nohup}, say) passes that on to its children, and
     * a JVM cannot handle a signal it inherited as ignored: the daemon then logs that a config change needs
     * a restart, and a test waiting for its reload could only time out. Says so instead.
     */
    static void requireSighupDeliverable() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                long ignored = Long.parseLong(line.substring("SigIgn:".length()).strip(), 16);
                assertThat(ignored & 1L).as("SIGHUP is ignored by this test process (started under nohup?), and so by the"
                        + " daemon it starts: the JVM cannot handle an inherited ignored signal; run the build without nohup").isZero();
            }
        }
    }

    @Test
    void aSighupAppliesTheNewToleranceAndJamRetriesToTheRunningLine(@TempDir Path dir) throws Exception {
        requireSighupDeliverable();
        Path repo = Path.of(System.getProperty("conveyord.repo", ".."));
        Path jar = KillAndRestartIT.daemonJar(repo);
        EmbeddedBroker broker = EmbeddedBroker.start("127.0.0.1", 0);
        try {
            Path config = KillAndRestartIT.demoConfigOnFreePorts(repo, dir, "reload-" + UUID.randomUUID().toString().substring(0, 8));
            String yaml = Files.readString(config);
            var loaded = ConfigLoader.load(config);
            assertThat(loaded.ok()).as(loaded.problems().toString()).isTrue();
            Path state = Files.createDirectories(dir.resolve("state"));
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
                    "--config", config.toString(), "--state-dir", state.toString(), "--mqtt-url", broker.url());
            try (DeviceSim sim = DeviceSim.start(loaded.config(), broker.url());
                 TestMqttClient op = new TestMqttClient(broker.url(), loaded.config().mqttBase());
                 DaemonProcess daemon = DaemonProcess.start(cmd, dir.resolve("daemon.log"))) {
                String log = "daemon log: " + daemon.logFile();
                await(log).atMost(BAG_TRIP).until(() -> op.on("status").stream()
                        .anyMatch(m -> m.json().path("state").asText().matches("online|degraded")));
                op.send("cmd/line-1/start", "{\"id\":\"r-start\"}");
                assertThat(op.awaitReply("reply/line-1/start", "r-start").path("ok").asBoolean()).as(log).isTrue();

                // 300 g over a 1000 g order: outside the default max(50 g, 10 %)
                JsonNode before = weighed(op, sim, "O-1", "B-1", log);
                assertThat(before.path("ok").asBoolean()).as(log).isFalse();

                Files.writeString(config, yaml.replace("    startWarningS: 2\n",
                        "    startWarningS: 2\n    jamRetries: 0\n    checkweighToleranceGrams: 400\n"));
                Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
                assertThat(kill.waitFor()).isZero();
                JsonNode reloaded = await(log).atMost(TestMqttClient.PATIENCE)
                        .until(() -> op.on("event/node/config-reloaded").stream().findFirst().orElse(null), m -> m != null).json();
                assertThat(reloaded.path("changed").toString())
                        .isEqualTo("[\"devices.line-1.checkweighToleranceGrams\",\"devices.line-1.jamRetries\"]");

                JsonNode after = weighed(op, sim, "O-2", "B-2", log);
                assertThat(after.path("ok").asBoolean()).as("the same 300 g is within the reloaded 400 g; " + log).isTrue();

                // the next jam: no automatic retry any more, a person must clear it
                sim.setJam("z1", true);
                sim.hangBag("B-3", "pick-1", 1000, 0.35, false);
                JsonNode jam = await(log).atMost(BAG_TRIP).until(() -> op.on("event/line-1/jam").stream()
                        .filter(m -> !m.json().path("cleared").asBoolean()).findFirst().orElse(null), m -> m != null).json();
                assertThat(jam.path("zone").asText()).isEqualTo("z1");
                assertThat(jam.path("autoRetry").asBoolean()).as(log).isFalse();

                assertThat(op.on("event/line-1/stopped")).as("the reload did not stop the line").isEmpty();
                assertThat(sim.report().unexpectedMotion()).isZero();
                assertThat(sim.report().collisions()).isZero();
                assertThat(daemon.starts()).isEqualTo(1);
            }
        } finally {
            broker.stop();
        }
    }

    /** An order of one 1000 g bag, the bag hung on weighing 1300 g: its checkweigh event. */
    private static JsonNode weighed(TestMqttClient op, DeviceSim sim, String order, String bag, String log) throws Exception {
        op.send("cmd/line-1/order", "{\"id\":\"r-" + order + "\",\"order\":\"" + order + "\",\"bags\":[{\"bag\":\"" + bag
                + "\",\"grams\":1000}]}");
        assertThat(op.awaitReply("reply/line-1/order", "r-" + order).path("ok").asBoolean()).as(log).isTrue();
        sim.hangBag(bag, "pick-1", 1300, 0.35, false);
        return await(log).atMost(BAG_TRIP).until(() -> op.on("event/scale-1/checkweigh").stream()
                .filter(m -> m.json().path("bag").asText().equals(bag)).findFirst().orElse(null), m -> m != null).json();
    }
}
