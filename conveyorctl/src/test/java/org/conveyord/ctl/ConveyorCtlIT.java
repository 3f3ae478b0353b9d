package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** conveyorctl against the real daemon, device-sim and a real broker: what an operator types and sees. */
class ConveyorCtlIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private CtlLine line;

    @BeforeEach
    void up() throws Exception {
        line = new CtlLine();
    }

    @AfterEach
    void down() {
        line.close();
    }

    @Test
    void pingPrintsTheDaemonsVersionAndJsonGivesTheRawReply() throws Exception {
        CtlRun ping = line.ctl("ping");
        assertThat(ping.code()).as(ping.err()).isZero();
        assertThat(ping.out()).containsPattern("(?m)^version\\s+\\S+").containsPattern("(?m)^uptimeS\\s+\\d+");

        CtlRun json = line.ctl("--json", "ping");
        assertThat(json.code()).isZero();
        JsonNode reply = JSON.readTree(json.out());
        assertThat(reply.path("ok").asBoolean()).isTrue();
        assertThat(reply.path("id").asText()).startsWith("ctl-");
        assertThat(reply.path("result").path("version").asText()).isNotBlank();
        assertThat(ping.out()).contains(reply.path("result").path("version").asText());
    }

    @Test
    void describeAndStateShowTheLineFromAConfigFile() throws Exception {
        // the config path the box uses: broker and topic root from the daemon's own file
        Path config = Files.createTempFile("conveyorctl-it", ".yaml");
        Files.writeString(config, "site: " + line.cfg.site() + "\nnode: " + line.cfg.node() + "\nmqtt: {url: \"" + line.url + "\"}\n"
                + "devices:\n  line-1: {kind: line}\n");
        CtlRun describe = CtlRun.of("--config", config.toString(), "describe");
        assertThat(describe.code()).as(describe.err()).isZero();
        assertThat(describe.out()).containsPattern("(?m)^\\s+line-1\\s+line\\s+")
                .contains("printer-1").contains("scale-1").contains("scanner-2");

        CtlRun state = CtlRun.of("--config", config.toString(), "state");
        assertThat(state.code()).as(state.err()).isZero();
        assertThat(state.out()).containsPattern("(?m)^running\\s+false").containsPattern("(?m)^estop\\s+false")
                .contains("zones:").containsPattern("(?m)^\\s+p1\\s");

        CtlRun printer = CtlRun.of("--config", config.toString(), "--json", "state", "printer-1");
        assertThat(printer.code()).as(printer.err()).isZero();
        assertThat(JSON.readTree(printer.out()).has("queued")).isTrue();

        CtlRun unknown = CtlRun.of("--config", config.toString(), "--timeout", "1", "state", "no-such-device");
        assertThat(unknown.code()).isEqualTo(3);
        assertThat(unknown.err()).contains("no retained state/no-such-device");
    }

    @Test
    void startUnderAnEstopIsRefusedWithExitOneAndTheErrorCode() {
        line.sim.setEstop(true);
        // describe answers with the daemon's live state (the retained state/line-1 is checked elsewhere)
        await().atMost(PATIENCE).untilAsserted(() -> {
            CtlRun describe = line.ctl("--json", "describe");
            assertThat(describe.out()).as(describe.err()).contains("\"estop\":true");
        });
        CtlRun start = line.ctl("--by", "it-operator", "start");
        assertThat(start.code()).isEqualTo(1);
        assertThat(start.err()).contains("line-1 start refused: INVALID_STATE").contains("emergency stop is active");
        assertThat(start.out()).isEmpty();

        CtlRun maintenance = line.ctl("maintenance", "on");
        assertThat(maintenance.code()).as("maintenance mode is refused while the e-stop is latched").isEqualTo(1);
        assertThat(maintenance.err()).contains("line-1 maintenance refused: INVALID_STATE").contains("emergency stop");
    }

    @Test
    void anOrderThenWatchSeesTheBagInductedWhenItIsHungOnInTheSimulator() throws Exception {
        ByteArrayOutputStream watchOut = new ByteArrayOutputStream();
        ByteArrayOutputStream watchErr = new ByteArrayOutputStream();
        CompletableFuture<CtlRun> watch = CompletableFuture.supplyAsync(
                () -> CtlRun.of(watchOut, watchErr, line.withTarget("watch", "bag-inducted", "--count", "1")));
        await().atMost(PATIENCE).until(() -> watchErr.toString(StandardCharsets.UTF_8).contains("watching"));

        CtlRun order = line.ctl("--json", "order", "O-1", "B-1", "B-2=1200");
        assertThat(order.code()).as(order.err()).isZero();
        assertThat(JSON.readTree(order.out()).path("ok").asBoolean()).isTrue();
        CtlRun start = line.ctl("start");
        assertThat(start.code()).as(start.err()).isZero();
        assertThat(start.out()).contains("line-1 start: accepted");

        line.sim.hangBag("B-1", "pick-1", false);
        CtlRun watched = watch.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(watched.code()).as(watched.err()).isZero();
        assertThat(watched.out().lines().toList()).singleElement().satisfies(l -> assertThat(l)
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  line-1\\s+bag-inducted\\s+.*")
                .contains("bag=B-1").contains("order=O-1").contains("station=pick-1"));
        line.ctl("stop");
    }

    @Test
    void maintenanceIoShowsThePinsAndJogHoldsAZoneWhileItRuns() throws Exception {
        var p1 = ((org.conveyord.config.LineConfig) line.cfg.devicesOrEmpty().get("line-1")).zonesOrEmpty().stream()
                .filter(z -> z.id().equals("p1")).findFirst().orElseThrow().motor();
        CtlRun outside = line.ctl("jog", "p1", "--seconds", "1");
        assertThat(outside.code()).isEqualTo(1);
        assertThat(outside.err()).contains("line-1 jog refused: INVALID_STATE").contains("outside maintenance mode");
        assertThat(line.ctl("io", "light.blue").code()).as("io OUTPUT without --on").isEqualTo(2);

        CtlRun on = line.ctl("--by", "tech-tom", "maintenance", "on");
        assertThat(on.code()).as(on.err()).isZero();
        await().atMost(PATIENCE).untilAsserted(() -> {
            CtlRun io = line.ctl("io", "--once");
            assertThat(io.code()).as(io.err()).isZero();
            assertThat(io.out()).contains("estop=off").contains("p1.eye=off").contains("p1.motor=off").contains("horn=");
        });

        CompletableFuture<CtlRun> jog = CompletableFuture.supplyAsync(() -> line.ctl("--by", "tech-tom", "jog", "p1", "--seconds", "4"));
        await().atMost(PATIENCE).until(() -> line.sim.output(p1.pin()) == p1.activeLevel());
        CtlRun done = jog.get(30, TimeUnit.SECONDS);
        assertThat(done.code()).as(done.err()).isZero();
        assertThat(done.out()).contains("line-1 jog: held").contains("horn").contains("line-1 jog: released");
        await().atMost(PATIENCE).until(() -> line.sim.output(p1.pin()) != p1.activeLevel());
        assertThat(line.sim.report().unexpectedMotion()).isZero();
    }

    @Test
    void theShadedJarRunsWithJavaDashJar() throws Exception {
        Path jar = Path.of(System.getProperty("conveyorctl.jar", "target/conveyorctl.jar"));
        assertThat(jar).exists();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "--broker", line.url,
                "--site", line.cfg.site(), "ping").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).containsPattern("(?m)^version\\s+\\S+").doesNotContain("SLF4J");
    }
}
