package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.HealthConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.node.BuildInfo;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Box health through the gateway: a threshold the box is over (free disk below 100.1 %, which every
 * file system is) makes the node degraded, raises a {@code box-health} event, and telemetry reports it
 * (once per crossing: BoxHealthTest).
 */
class BoxHealthIT {

    @TempDir
    Path stateDir;
    private EmbeddedBroker broker;
    private ScheduledExecutorService scheduler;
    private MqttGateway gw;
    private TestMqttClient op;

    @AfterEach
    void down() throws Exception {
        if (gw != null) gw.stop();
        if (op != null) op.close();
        if (broker != null) broker.stop();
        if (scheduler != null) scheduler.shutdownNow();
    }

    @Test
    void aThresholdCrossedMakesStatusDegradedWithOneBoxHealthEvent() throws Exception {
        broker = EmbeddedBroker.start("127.0.0.1", 0);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        op = new TestMqttClient(broker.url(), GatewayFixture.BASE);
        ConveyordConfig cfg = new ConveyordConfig("t", "edge-1", new MqttConfig(broker.url(), "conveyord", 1, null, null, 30),
                stateDir.toString(), null, new LinkedHashMap<>(), null, null, new HealthConfig(null, 100.1, null), null);
        gw = new MqttGateway(cfg, GatewayFixture.SHA, new BuildInfo("9.9.9-test", "abc1234"), scheduler,
                Clock.systemUTC(), PahoMqttTransport::new, () -> true);
        gw.start();

        JsonNode status = op.awaitMessage("status", m -> m.json().path("state").asText().equals("degraded")).json();
        assertThat(status.path("box").path("problems").toString()).isEqualTo("[\"disk-low\"]");

        JsonNode event = op.awaitMessage("event/node/box-health", m -> true).json();
        assertThat(event.path("reason").asText()).isEqualTo("disk-low");
        assertThat(event.path("value").asDouble()).isBetween(0.0, 100.0);
        assertThat(event.has("cleared")).isFalse();

        JsonNode telemetry = op.awaitMessage("telemetry", m -> m.json().has("box")).json();
        assertThat(telemetry.path("box").path("diskFreePct").asDouble())
                .isCloseTo(event.path("value").asDouble(), org.assertj.core.data.Offset.offset(1.0));
    }
}
