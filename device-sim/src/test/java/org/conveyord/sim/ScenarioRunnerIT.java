package org.conveyord.sim;

import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.conveyord.sim.scenarios.Scorecard;
import org.conveyord.config.ConveyordConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A scenario end to end over a real broker. The "daemon" here is the test: it publishes a retained
 * online status and runs every motor through the GPIO bridge, never diverting, so every bag runs off
 * into the exception lane, which the scorecard must judge from the scenario's own orders and the
 * reasons the "daemon" gave. It answers {@code start} but never the {@code order}, which the runner
 * must therefore send again with the same id.
 */
class ScenarioRunnerIT {

    @Test
    void runsStepsSendsDaemonCommandsAndJudgesWhereBagsEnded(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker()) {
            ConveyordConfig cfg = DeviceSimIT.loadItConfig(dir, broker.port());
            Path file = dir.resolve("runner.yaml");
            Files.writeString(file, """
                    name: runner-it
                    line: line-1
                    waitForDaemonS: 10
                    steps:
                      - {at: 0, daemon: {action: start}}
                      - {at: 0.1, order: {order: O-1, bags: [B-1]}}
                      - {at: 0.2, bag: {bag: B-1, station: pick-1, grams: 1200}}
                      - {at: 0.8, bag: {bag: X-9, station: pick-2, noread: true}}
                    until: {settled: true, timeoutS: 30}
                    expect: {delivered: 0, exception: 2, misSorted: 0, unexplained: 1, lost: 0, collisions: 0}
                    """);
            Scenario scenario = Scenario.load(file);
            try (DeviceSim sim = DeviceSim.start(cfg, broker.url());
                 TestMqttClient daemon = new TestMqttClient(broker.url(), "fake-daemon");
                 LineClient gpio = new LineClient(sim.gpioPort())) {
                String base = cfg.mqttBase();
                daemon.subscribe(base + "/cmd/#");
                daemon.publishRetained(base + "/status", "{\"state\":\"online\",\"contract\":1}");
                await().atMost(Duration.ofSeconds(5)).until(() -> gpio.lines.size() >= 12);
                gpio.send("OUT 100 1\nOUT 102 1\nOUT 108 1\nOUT 110 1\n");
                // the daemon's side of the conversation: a reply to start, a reason for the no-read only
                Thread.ofVirtual().start(() -> {
                    try {
                        await().atMost(Duration.ofSeconds(10)).until(() -> !daemon.on(base + "/cmd/line-1/start").isEmpty());
                        daemon.publish(base + "/reply/line-1/start", "{\"id\":\"scn-1\",\"ok\":true,\"result\":{}}");
                        await().atMost(Duration.ofSeconds(10)).until(() -> "exception".equals(sim.report().at("X-9")));
                        daemon.publish(base + "/event/line-1/bag-diverted",
                                "{\"bag\":\"noread-pick-2-1\",\"dest\":\"exception\",\"reason\":\"noread\"}");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                ByteArrayOutputStream table = new ByteArrayOutputStream();
                Scorecard card = ScenarioRunner.run(scenario, sim, broker.url(), new PrintStream(table, true, StandardCharsets.UTF_8));

                assertThat(card.mismatches()).isEmpty();
                assertThat(card.settled()).isTrue();
                assertThat(card.exception()).isEqualTo(2);
                assertThat(card.unexplained()).as("B-1 had an order and a good read, and no reason").isEqualTo(1);
                assertThat(table.toString(StandardCharsets.UTF_8)).contains("scenario runner-it: PASSED", "exception",
                        "no reply from the daemon to 1 command(s)");
                assertThat(daemon.on(base + "/cmd/line-1/start")).singleElement().asString().contains("\"id\":\"scn-1\"");
                await().atMost(Duration.ofSeconds(15)).until(() -> daemon.on(base + "/cmd/line-1/order").size() >= 2);
                assertThat(daemon.on(base + "/cmd/line-1/order")).allSatisfy(o -> assertThat(o)
                        .contains("\"id\":\"scn-2\"", "\"order\":\"O-1\"", "\"bags\":[\"B-1\"]"));
                assertThat(sim.report().at("B-1")).isEqualTo("exception");
            }
        }
    }
}
