package org.conveyord.e2e;

import org.conveyord.config.ConfigLoader;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.sim.daemon.DaemonProcess;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.conveyord.sim.scenarios.Scorecard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon killed with SIGKILL in the middle of a rush and started again on the same state
 * directory (device-sim/scenarios/short/kill-restart.yaml). The daemon runs as its own process
 * ({@code java -jar daemon/target/conveyord.jar}, built by {@code package} before the ITs run), the
 * simulator and an embedded broker in this JVM. What must hold across the kill: no collision, no
 * unexpected motion, every bag in its order's lane or in exception with a reason, nothing lost.
 */
class KillAndRestartIT {

    /** The packaged daemon, as the tests that run it as a process need it. */
    static Path daemonJar(Path repo) {
        Path jar = repo.resolve("daemon/target/conveyord.jar");
        assertThat(jar).as("the daemon jar (mvn package)").exists();
        return jar;
    }

    @Test
    void aDaemonKilledMidRushComesBackAndEveryBagIsAccountedFor(@TempDir Path dir) throws Exception {
        Path repo = Path.of(System.getProperty("conveyord.repo", ".."));
        Path jar = daemonJar(repo);
        EmbeddedBroker broker = EmbeddedBroker.start("127.0.0.1", 0);
        try {
            Path config = demoConfigOnFreePorts(repo, dir, "it-" + UUID.randomUUID().toString().substring(0, 8));
            var loaded = ConfigLoader.load(config);
            assertThat(loaded.ok()).as(loaded.problems().toString()).isTrue();
            Path state = Files.createDirectories(dir.resolve("state"));
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
                    "--config", config.toString(), "--state-dir", state.toString(), "--mqtt-url", broker.url());
            Scenario scenario = Scenario.load(ScenariosIT.scenarioFile("kill-restart", true));
            try (DeviceSim sim = DeviceSim.start(loaded.config(), broker.url());
                 TestMqttClient op = new TestMqttClient(broker.url(), loaded.config().mqttBase());
                 DaemonProcess daemon = DaemonProcess.start(cmd, dir.resolve("daemon.log"))) {
                Scorecard card = ScenarioRunner.run(scenario, sim, broker.url(), System.out, daemon);
                String table = card.table(scenario.expect()) + "daemon log: " + daemon.logFile();

                assertThat(daemon.starts()).as("killed once and started again").isEqualTo(2);
                assertThat(op.on("status").stream().map(m -> m.json().path("bootId").asText()).filter(s -> !s.isEmpty()).distinct())
                        .as("two boots").hasSizeGreaterThanOrEqualTo(2);
                assertThat(card.collisions()).as(table).isZero();
                assertThat(card.unexpectedMotion()).as(table).isZero();
                assertThat(card.unexplained()).as("every bag in exception has a reason\n" + table).isZero();
                assertThat(card.misSorted()).as(table).isZero();
                assertThat(card.lost()).as("nothing silently lost\n" + table).isZero();
                assertThat(card.delivered() + card.exception()).as(table).isEqualTo(scenario.bags().size());
                assertThat(card.mismatches()).as(table).isEmpty();
            }
        } finally {
            broker.stop();
        }
    }

    /**
     * config/demo.yaml with a test site id and every simulated endpoint on a free port; a file,
     * because the daemon process reads it too.
     */
    static Path demoConfigOnFreePorts(Path repo, Path dir, String site) throws Exception {
        String yaml = Files.readString(repo.resolve("config/demo.yaml"));
        yaml = yaml.replaceFirst("(?m)^site: .*$", "site: " + site);
        yaml = yaml.replaceFirst("sim: \\{host: 127\\.0\\.0\\.1, port: \\d+}", "sim: {host: 127.0.0.1, port: " + LineHarness.freePort() + "}");
        var m = java.util.regex.Pattern.compile("tcp: \"127\\.0\\.0\\.1:\\d+\"").matcher(yaml);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, "tcp: \"127.0.0.1:" + LineHarness.freePort() + "\"");
        m.appendTail(out);
        Path f = dir.resolve("conveyord.yaml");
        Files.writeString(f, out.toString());
        return f;
    }
}
