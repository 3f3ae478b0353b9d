package org.conveyord.mqtt;

import org.conveyord.sim.broker.EmbeddedBroker;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.conveyord.mqtt.TestMqttClient.PATIENCE;

/** The command rate limit over the wire, with the default limits: a burst goes through, a flood gets BUSY. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandRateLimitIT {

    private EmbeddedBroker broker;
    private ScheduledExecutorService scheduler;
    private MqttGateway gw;
    private FakeDevice printer;
    private TestMqttClient op;

    @BeforeAll
    void broker() throws Exception {
        broker = EmbeddedBroker.start("127.0.0.1", 0);
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    /** A fresh gateway (and so fresh buckets) for each test. */
    @BeforeEach
    void up(@TempDir Path stateDir) throws Exception {
        op = new TestMqttClient(broker.url(), GatewayFixture.BASE);
        gw = GatewayFixture.gateway(broker.url(), stateDir, scheduler);
        printer = new FakeDevice("printer-1");
        gw.register(printer);
        gw.start();
        await().atMost(PATIENCE).until(gw::isConnected);
    }

    @AfterEach
    void down() throws Exception {
        gw.stop();
        op.close();
    }

    @AfterAll
    void stopBroker() {
        broker.stop();
        scheduler.shutdownNow();
    }

    private List<JsonNode> sendAtOnce(String prefix, int n, String by) throws Exception {
        for (int i = 0; i < n; i++) {
            op.send("cmd/printer-1/print", "{\"id\":\"" + prefix + i + "\",\"by\":\"" + by + "\"}");
        }
        await().atMost(PATIENCE).until(() -> op.count("reply/printer-1/print",
                m -> m.json().path("id").asText().startsWith(prefix)) == n);
        return op.on("reply/printer-1/print").stream().map(TestMqttClient.Msg::json)
                .filter(j -> j.path("id").asText().startsWith(prefix)).toList();
    }

    @Test
    void twelveLabelsSentAtOnceByOneSenderAreAllPrinted() throws Exception {
        List<JsonNode> replies = sendAtOnce("label-", 12, "wms");
        assertThat(replies).allMatch(r -> r.path("ok").asBoolean(), "every reply is ok");
        assertThat(printer.seen).hasSize(12);
    }

    @Test
    void aFloodFromOneSenderStillGetsBusy() throws Exception {
        List<JsonNode> replies = sendAtOnce("flood-", 200, "flooder");
        List<JsonNode> busy = replies.stream().filter(r -> r.path("error").path("code").asText().equals("BUSY")).toList();
        assertThat(busy).isNotEmpty();
        assertThat(busy).allMatch(r -> r.path("error").path("retryable").asBoolean(), "BUSY is retryable");
        assertThat(busy.getFirst().path("error").path("message").asText()).contains("flooder");
        assertThat(printer.seen).hasSize(200 - busy.size());
        // the burst of 50, plus what the rate of 10/s refilled while the flood was being answered
        assertThat(printer.seen.size()).isBetween(50, 50 + 10 * (int) PATIENCE.toSeconds());
    }
}
