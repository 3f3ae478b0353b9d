package org.conveyord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.conveyord.sim.scenarios.Scorecard;
import org.conveyord.sim.endpoints.SimLabel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * conveyord against device-sim through a real broker: the MQTT contract as an operator sees it.
 * Runs against embedded Moquette by default and against Mosquitto when MQTT_TEST_URL is set.
 */
class DaemonEndToEndIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private LineHarness h;
    private TestMqttClient op;
    private LineConfig line;

    @BeforeEach
    void up() throws Exception {
        h = new LineHarness();
        op = h.operator;
        line = h.cfg.devicesOfKind(LineConfig.class).get("line-1");
        op.awaitMessage("status", m -> m.json().path("state").asText().matches("online|degraded"));
    }

    @AfterEach
    void down() throws Exception {
        h.close();
    }

    private JsonNode command(String device, String action, String payload, String id) throws Exception {
        op.send("cmd/" + device + "/" + action, payload);
        return op.awaitReply("reply/" + device + "/" + action, id);
    }

    private List<PinConfig> motorPins() {
        List<PinConfig> pins = new ArrayList<>();
        line.zonesOrEmpty().forEach(z -> pins.add(z.motor()));
        pins.add(line.sorter().motor());
        return pins;
    }

    @Test
    void theDaemonLeavesThePinListForSafeOutputsInItsStateDir() throws Exception {
        var pins = org.conveyord.hal.OutputPinList.read(h.cfg.stateDirOrDefault());
        assertThat(pins.gpio().providerOrDefault()).isEqualTo("sim");
        assertThat(pins.gpio().sim().portOrDefault()).isEqualTo(h.cfg.gpioOrDefault().sim().portOrDefault());
        assertThat(pins.outputs()).containsKeys("line-1.p1.motor", "line-1.sorter.motor", "line-1.heartbeat")
                .containsEntry("line-1.p1.motor", line.zonesOrEmpty().get(0).motor());
    }

    @Test
    void pingAndDescribeAnswerThroughTheBroker() throws Exception {
        JsonNode ping = command("node", "ping", "{\"id\":\"p-1\",\"by\":\"it\"}", "p-1");
        assertThat(ping.path("ok").asBoolean()).isTrue();
        assertThat(ping.path("result").path("version").asText()).isNotBlank();
        assertThat(ping.path("result").path("uptimeS").isNumber()).isTrue();

        JsonNode describe = command("node", "describe", "{\"id\":\"d-1\"}", "d-1");
        assertThat(describe.path("ok").asBoolean()).isTrue();
        List<String> ids = new ArrayList<>();
        describe.path("result").path("devices").forEach(d -> ids.add(d.path("id").asText()));
        assertThat(ids).contains("node", "line-1", "scale-1", "printer-1", "scanner-1", "scanner-2");
        describe.path("result").path("devices").forEach(d -> {
            if (d.path("id").asText().equals("line-1")) {
                assertThat(d.path("kind").asText()).isEqualTo("line");
                List<String> actions = new ArrayList<>();
                d.path("actions").forEach(a -> actions.add(a.asText()));
                assertThat(actions).contains("start", "stop", "reset", "order", "collect");
            }
        });
        JsonNode status = op.awaitMessage("status", m -> true).json();
        assertThat(status.path("contract").asInt()).isEqualTo(1);
        assertThat(status.path("bootId").asText()).hasSize(36);
        assertThat(status.path("config").asText()).hasSize(64);
    }

    @Test
    void garbageAndUnknownNamesGetTheRightErrors() throws Exception {
        op.send("cmd/line-1/start", "this is not json");
        JsonNode bad = op.awaitReply("reply/line-1/start", null);
        assertThat(bad.path("ok").asBoolean()).isFalse();
        assertThat(bad.path("error").path("code").asText()).isEqualTo("BAD_REQUEST");
        assertThat(bad.path("error").path("message").asText()).isNotBlank();

        op.send("cmd/no-such-device/start", "{\"id\":\"u-1\"}");
        JsonNode routed = op.awaitReply("reply/node/unknown", "u-1");
        assertThat(routed.path("error").path("code").asText()).isEqualTo("UNKNOWN_DEVICE");

        JsonNode unknownAction = command("line-1", "fly", "{\"id\":\"a-1\"}", "a-1");
        assertThat(unknownAction.path("error").path("code").asText()).isEqualTo("UNKNOWN_ACTION");

        JsonNode badOrder = command("line-1", "order", "{\"id\":\"o-x\",\"order\":\"O-1\",\"bags\":42}", "o-x");
        assertThat(badOrder.path("error").path("code").asText()).isEqualTo("BAD_REQUEST");
        assertThat(badOrder.path("error").path("message").asText()).contains("bags");

        JsonNode badCollect = command("line-1", "collect", "{\"id\":\"k-x\",\"lane\":\"lane-1\",\"partial\":\"yes\"}", "k-x");
        assertThat(badCollect.path("error").path("code").asText()).isEqualTo("BAD_REQUEST");
        assertThat(badCollect.path("error").path("message").asText()).contains("partial");
        JsonNode partial = command("line-1", "collect", "{\"id\":\"k-1\",\"lane\":\"lane-1\",\"partial\":true}", "k-1");
        assertThat(partial.path("ok").asBoolean()).isTrue();
        assertThat(partial.path("result").path("released").asBoolean(true)).isFalse();

        // staff confirm a lane flagged check after a stranger's bag: an unknown lane is refused with the lanes named
        JsonNode badConfirm = command("line-1", "confirm", "{\"id\":\"f-x\",\"lane\":\"lane-99\"}", "f-x");
        assertThat(badConfirm.path("error").path("code").asText()).isEqualTo("BAD_REQUEST");
        assertThat(badConfirm.path("error").path("message").asText()).contains("lane-99");
        JsonNode confirm = command("line-1", "confirm", "{\"id\":\"f-1\",\"lane\":\"lane-1\"}", "f-1");
        assertThat(confirm.path("ok").asBoolean()).as(confirm.toString()).isTrue();
        assertThat(confirm.path("result").path("lane").asText()).isEqualTo("lane-1");
    }

    @Test
    void retainedStatusTurnsOfflineWhenTheDaemonsConnectionDies() throws Exception {
        h.daemon.gateway().killConnectionForTest();
        // the broker publishes the Will: the retained status a late subscriber reads says offline
        op.awaitMessage("status", m -> m.json().path("state").asText().equals("offline"));
        // and the daemon comes back by itself
        int seen = op.on("status").size();
        await().atMost(PATIENCE).until(() -> op.on("status").stream().skip(seen)
                .anyMatch(m -> m.json().path("state").asText().matches("online|degraded")));
    }

    @Test
    void estopStopsTheLineAndStartIsRefusedUntilReset() throws Exception {
        assertThat(command("line-1", "start", "{\"id\":\"s-1\",\"by\":\"it\"}", "s-1").path("ok").asBoolean()).isTrue();
        op.awaitMessage("event/line-1/started", m -> "s-1".equals(m.json().path("cmdId").asText()));
        await().atMost(PATIENCE).until(() -> motorPins().stream().anyMatch(h::simOutputOn));

        h.sim.setEstop(true);
        op.awaitMessage("event/line-1/estop", m -> m.json().path("active").asBoolean());
        await().atMost(PATIENCE).until(() -> motorPins().stream().noneMatch(h::simOutputOn));

        JsonNode refused = command("line-1", "start", "{\"id\":\"s-2\"}", "s-2");
        assertThat(refused.path("error").path("code").asText()).isEqualTo("INVALID_STATE");
        assertThat(refused.path("error").path("message").asText()).contains("emergency stop is active");

        h.sim.setEstop(false);
        op.awaitMessage("event/line-1/estop", m -> !m.json().path("active").asBoolean());
        JsonNode latched = command("line-1", "start", "{\"id\":\"s-3\"}", "s-3");
        assertThat(latched.path("error").path("code").asText()).isEqualTo("INVALID_STATE");
        // the demo line has a reset button: someone must press it, a remote reset is forbidden
        JsonNode remoteReset = command("line-1", "reset", "{\"id\":\"r-1\"}", "r-1");
        assertThat(remoteReset.path("error").path("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(motorPins().stream().noneMatch(h::simOutputOn)).as("nothing restarted by itself").isTrue();

        h.sim.pressButton("reset");
        java.util.concurrent.atomic.AtomicInteger attempt = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(PATIENCE).until(() -> {
            String id = "s-after-reset-" + attempt.incrementAndGet();
            return command("line-1", "start", "{\"id\":\"" + id + "\"}", id).path("ok").asBoolean();
        });
        await().atMost(PATIENCE).until(() -> op.on("event/line-1/started").size() >= 2);
        assertThat(h.sim.report().unexpectedMotion()).isZero();
    }

    @Test
    void theSmokeScenarioDeliversEveryBagToItsLaneAndPrintsTheLabels() throws Exception {
        Path scenario = Path.of(System.getProperty("conveyord.repo", ".."), "device-sim", "scenarios", "smoke.yaml");
        Scorecard card = ScenarioRunner.run(Scenario.load(scenario), h.sim, h.url, System.out);
        assertThat(card.mismatches()).isEmpty();
        assertThat(card.lost()).isZero();
        assertThat(card.collisions()).isZero();
        assertThat(card.misSorted()).isZero();
        // the labels really carry the bags' ids in their barcodes
        List<String> barcodes = h.sim.labels().stream().flatMap((SimLabel l) -> l.code128().stream()).toList();
        assertThat(barcodes).contains("B-1", "B-2", "B-3", "B-4");
        op.awaitMessage("event/line-1/order-complete", m -> m.json().path("order").asText().equals("O-1"));
        op.awaitMessage("event/line-1/order-complete", m -> m.json().path("order").asText().equals("O-2"));
        op.awaitMessage("event/line-1/bag-diverted", m -> m.json().path("dest").asText().equals("exception")
                && m.json().path("reason").asText().equals("noread"));
        // the weigh zone weighed B-1 (1200 g) on the way
        op.awaitMessage("event/scale-1/weight", m -> m.json().path("bag").asText().equals("B-1")
                && Math.abs(m.json().path("grams").asDouble() - 1200) < 5);
    }

    @Test
    void aScaleReadingArrivesInGrams() throws Exception {
        JsonNode read = command("scale-1", "read", "{\"id\":\"w-1\"}", "w-1");
        assertThat(read.path("ok").asBoolean()).as(read.toString()).isTrue();
        assertThat(read.path("result").path("grams").isNumber()).isTrue();
        assertThat(read.path("result").path("grams").asDouble()).isEqualTo(0.0);
        assertThat(read.path("result").has("stable")).isTrue();
        JsonNode state = op.awaitMessage("state/scale-1", m -> m.payload().contains("grams")).json();
        assertThat(state.path("asOfSeq").isNumber()).isTrue();
    }
}
