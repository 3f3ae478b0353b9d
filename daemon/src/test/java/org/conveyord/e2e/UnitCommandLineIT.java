package org.conveyord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.ConfigLoader;
import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.systemd.FakeNotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The daemon started the way {@code systemd/conveyord.service} starts it: the unit's {@code ExecStart}
 * (through the package's {@code /usr/bin/conveyord} wrapper), its {@code Environment=} (JAVA_OPTS with
 * the memory limits and {@code java.io.tmpdir} under the state directory), its working and state
 * directories (made as the package's tmpfiles.d says), {@code LoadCredential=} as
 * {@code $CREDENTIALS_DIRECTORY/mqtt}, and systemd's own variables ({@code NOTIFY_SOCKET},
 * {@code STATE_DIRECTORY}, a bare PATH). The unit's absolute paths live under a temporary root. It must
 * tell systemd READY, come online on the broker and answer ping, with the line on device-sim, and take
 * {@code systemctl reload} (the unit's ExecReload: SIGHUP) as a live reload, refusing a key that needs a restart.
 * <p>
 * Two things are the test machine's, not the unit's: {@code JAVA_HOME} (this machine's Java 21+ is not
 * under /usr/lib/jvm, where the wrapper looks first on a box) and {@code CONVEYORD_JAR} (the jar is in
 * daemon/target, not /usr/share/conveyord). The unit's sandbox directives need systemd as PID 1; where
 * it is, {@code systemd-run} could run this as a transient unit; this test does not (it says so).
 */
class UnitCommandLineIT {

    private static final Path REPO = Path.of(System.getProperty("conveyord.repo", ".."));
    /** What systemd gives a system service as PATH. */
    private static final String SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The [Service] section's directives, each with every value it is given (in file order). */
    static Map<String, List<String>> serviceDirectives(Path unit) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String section = "";
        for (String raw : Files.readAllLines(unit)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if (!section.equals("[Service]") || eq < 0) continue;
            out.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
        }
        return out;
    }

    /** {@code Environment=} values: space-separated assignments, each optionally in double quotes. */
    static Map<String, String> environment(List<String> values) {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher("");
        for (String v : values) {
            m.reset(v);
            while (m.find()) {
                String a = m.group(1) != null ? m.group(1) : m.group(2);
                int eq = a.indexOf('=');
                env.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        return env;
    }

    @Test
    void theUnitsCommandLineAndEnvironmentBringTheDaemonOnlineAndItAnswersPing(@TempDir Path dir) throws Exception {
        LiveReloadIT.requireSighupDeliverable();   // the test ends with systemctl reload (SIGHUP)
        Path root = Files.createDirectories(dir.resolve("root"));
        Path wrapper = REPO.resolve("packaging/src/deb/bin/conveyord");
        Path jar = REPO.resolve("daemon/target/conveyord.jar");
        assertThat(jar).as("the daemon jar (mvn package)").exists();
        Map<String, List<String>> unit = serviceDirectives(REPO.resolve("systemd/conveyord.service"));

        // the package's tmpfiles.d, then systemd's StateDirectory= and LoadCredential=
        for (Path conf : Files.newDirectoryStream(REPO.resolve("packaging/src/deb/tmpfiles.d"))) {
            for (String l : Files.readAllLines(conf)) {
                if (l.startsWith("d ")) Files.createDirectories(under(root, l.split("\\s+")[1]));
            }
        }
        Path stateDir = Files.createDirectories(root.resolve("var/lib").resolve(unit.get("StateDirectory").getFirst()));
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        EmbeddedBroker broker = EmbeddedBroker.start("127.0.0.1", 0);
        try {
            String site = "unit-" + UUID.randomUUID().toString().substring(0, 8);
            Path demo = KillAndRestartIT.demoConfigOnFreePorts(REPO, dir, site);
            String yaml = Files.readString(demo)
                    .replaceFirst("url: tcp://127\\.0\\.0\\.1:1883", "url: " + broker.url()
                            + "\n  credentialsFile: \\${CREDENTIALS_DIRECTORY}/mqtt")
                    .replaceFirst("(?m)^stateDir: .*$", "stateDir: " + stateDir);
            for (String credential : unit.get("LoadCredential")) {
                String[] idAndPath = credential.split(":", 2);
                Path source = under(root, idAndPath[1]);
                Files.createDirectories(source.getParent());
                Files.writeString(source, "conveyord\nsecret-from-the-credential\n");
                Files.copy(source, credentials.resolve(idAndPath[0]));
            }

            List<String> command = new ArrayList<>();
            for (String token : unit.get("ExecStart").getFirst().split("\\s+")) {
                command.add(token.equals("/usr/bin/conveyord") ? wrapper.toString()
                        : token.startsWith("/") ? under(root, token).toString() : token);
            }
            Path config = Path.of(command.get(command.indexOf("--config") + 1));
            Files.createDirectories(config.getParent());
            Files.writeString(config, yaml);
            var loaded = ConfigLoader.load(config);
            assertThat(loaded.ok()).as(loaded.problems().toString()).isTrue();

            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", SYSTEMD_PATH);
            environment(unit.get("Environment")).forEach((k, v) -> env.put(k, v.replace("/var/lib/", root + "/var/lib/")));
            env.put("STATE_DIRECTORY", stateDir.toString());
            env.put("CREDENTIALS_DIRECTORY", credentials.toString());
            Path notify = dir.resolve("notify.sock");
            env.put("NOTIFY_SOCKET", notify.toString());
            env.put("JAVA_HOME", Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString());
            env.put("CONVEYORD_JAR", jar.toString());
            assertThat(env.get("JAVA_OPTS")).contains("-Djava.io.tmpdir=" + stateDir.resolve("tmp"));
            Path workDir = under(root, unit.get("WorkingDirectory").getFirst());

            String pid1 = Files.readString(Path.of("/proc/1/comm")).strip();
            System.out.println(pid1.equals("systemd")
                    ? "UnitCommandLineIT: PID 1 is systemd, but the run as a transient unit (systemd-run) is not part of this test"
                    : "UnitCommandLineIT: PID 1 is " + pid1 + ", not systemd: the run as a transient unit is skipped");

            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("daemon.log").toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            try (FakeNotifySocket systemd = new FakeNotifySocket(notify);
                 DeviceSim sim = DeviceSim.start(loaded.config(), broker.url());
                 TestMqttClient op = new TestMqttClient(broker.url(), loaded.config().mqttBase())) {
                Process daemon = pb.start();
                try {
                    String log = "daemon log: " + dir.resolve("daemon.log");
                    await(log).atMost(TestMqttClient.PATIENCE.multipliedBy(3))
                            .until(() -> systemd.count("READY=1") == 1 || !daemon.isAlive());
                    assertThat(daemon.isAlive()).as(log).isTrue();
                    op.awaitMessage("status", m -> m.json().path("state").asText().matches("online|degraded"));
                    op.send("cmd/node/ping", "{\"id\":\"unit-ping\"}");
                    JsonNode reply = op.awaitReply("reply/node/ping", "unit-ping");
                    assertThat(reply.path("ok").asBoolean()).as(log).isTrue();
                    assertThat(reply.path("result").path("uptimeS").isNumber()).isTrue();
                    assertThat(Files.readString(dir.resolve("daemon.log"))).as("the credential was read, not printed")
                            .doesNotContain("secret-from-the-credential");

                    // systemctl reload (the unit's ExecReload): a live key applies, the status carries the new hash
                    assertThat(unit.get("ExecReload")).containsExactly("/bin/kill -HUP $MAINPID");
                    Files.writeString(config, yaml.replace("telemetryIntervalS: 10", "telemetryIntervalS: 2"));
                    String newSha = ConfigLoader.load(config).sha256();
                    hangUp(daemon);
                    JsonNode reloaded = op.awaitMessage("event/node/config-reloaded", m -> true).json();
                    assertThat(reloaded.path("hash").asText()).as(log).isEqualTo(newSha);
                    assertThat(reloaded.path("changed").toString()).isEqualTo("[\"mqtt.telemetryIntervalS\"]");
                    op.awaitMessage("status", m -> m.json().path("configHash").asText().equals(newSha));

                    // a key that needs a restart: refused, the daemon keeps running on the old config
                    Files.writeString(config, yaml.replace("node: edge-1", "node: edge-2"));
                    hangUp(daemon);
                    JsonNode rejected = op.awaitMessage("event/node/config-rejected", m -> true).json();
                    assertThat(rejected.path("key").asText()).isEqualTo("node");
                    assertThat(rejected.path("file").asText()).isEqualTo(config.toString());
                    op.send("cmd/node/ping", "{\"id\":\"unit-ping-2\"}");
                    assertThat(op.awaitReply("reply/node/ping", "unit-ping-2").path("ok").asBoolean()).isTrue();
                    assertThat(daemon.isAlive()).isTrue();
                } finally {
                    daemon.destroy();
                    assertThat(daemon.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
                }
                assertThat(daemon.exitValue()).as("a SIGTERM stop is clean (143, the unit's SuccessExitStatus)")
                        .isIn(0, 143);
                assertThat(systemd.messages).contains("STOPPING=1");
            }
        } finally {
            broker.stop();
        }
    }

    /** What {@code /bin/kill -HUP $MAINPID} does. */
    private static void hangUp(Process daemon) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** An absolute path of the unit, under the test's root. */
    private static Path under(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }
}
