package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.conveyord.mqtt.TestMqttClient.PATIENCE;

/** Restarts, outages, the Will and clean shutdown, each against a real embedded broker. */
class MqttGatewayLifecycleIT {

    @TempDir
    Path stateDir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<MqttGateway> gateways = new ArrayList<>();
    private ScheduledExecutorService scheduler;

    @BeforeEach
    void up() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void down() throws Exception {
        gateways.forEach(MqttGateway::stop); // before the broker, so they leave cleanly
        for (AutoCloseable c : cleanup.reversed()) c.close();
        scheduler.shutdownNow();
    }

    private EmbeddedBroker broker(int port) {
        EmbeddedBroker b = EmbeddedBroker.start("127.0.0.1", port);
        cleanup.add(b);
        return b;
    }

    private MqttGateway gateway(String url, FakeDevice fake) {
        MqttGateway gw = GatewayFixture.gateway(url, stateDir, scheduler);
        gw.register(fake);
        gateways.add(gw);
        return gw;
    }

    private TestMqttClient operator(EmbeddedBroker b) throws Exception {
        TestMqttClient op = new TestMqttClient(b.url(), GatewayFixture.BASE);
        cleanup.add(op);
        return op;
    }

    @Test
    void idempotencyCacheAndSeqSurviveARestartOnTheSameStateDir() throws Exception {
        EmbeddedBroker b = broker(0);
        TestMqttClient op = operator(b);
        FakeDevice first = new FakeDevice("fake-1");
        MqttGateway gw1 = gateway(b.url(), first);
        gw1.start();
        await().atMost(PATIENCE).until(gw1::isConnected);
        long seqBefore = gw1.events().emit("fake-1", "thing", Map.of());
        op.send("cmd/fake-1/poke", "{\"id\":\"r-1\",\"n\":1}");
        JsonNode original = op.awaitReply("reply/fake-1/poke", "r-1");
        gw1.stop();

        FakeDevice second = new FakeDevice("fake-1");
        MqttGateway gw2 = gateway(b.url(), second);
        gw2.start();
        await().atMost(PATIENCE).until(gw2::isConnected);
        op.messages.clear();
        op.send("cmd/fake-1/poke", "{\"id\":\"r-1\",\"n\":1}");
        assertThat(op.awaitReply("reply/fake-1/poke", "r-1")).isEqualTo(original);
        assertThat(second.seen).isEmpty();
        op.send("cmd/fake-1/poke", "{\"id\":\"r-1\",\"n\":2}");
        op.awaitMessage("reply/fake-1/poke", m -> m.json().path("error").path("code").asText().equals("CONFLICT"));
        assertThat(gw2.events().emit("fake-1", "thing", Map.of())).isGreaterThan(seqBefore);
        assertThat(gw2.bootId()).isNotEqualTo(gw1.bootId());
    }

    @Test
    void eventsEmittedWhileTheBrokerIsDownAllArriveInOrderOnceItIsUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        MqttGateway gw = gateway("tcp://127.0.0.1:" + port, new FakeDevice("fake-1"));
        gw.start();
        List<Long> emitted = new ArrayList<>();
        for (int i = 0; i < 40; i++) emitted.add(gw.events().emit("fake-1", "thing", Map.of("i", i)));
        // wait until the back-off is long enough (>= 1.5 s) that our client subscribes before the gateway retries
        await().atMost(PATIENCE).until(() -> gw.connectFailures() >= 4);
        EmbeddedBroker b = broker(port);
        assertThat(b.port()).isEqualTo(port);
        TestMqttClient op = operator(b);
        await().atMost(PATIENCE).until(() -> op.on("event/fake-1/thing").size() >= 40);
        List<Long> seqs = op.on("event/fake-1/thing").stream().map(m -> m.json().path("seq").asLong()).toList();
        assertThat(seqs).startsWith(emitted.toArray(Long[]::new));
        assertThat(gw.isConnected()).isTrue();
    }

    @Test
    void droppingTheConnectionMakesTheBrokerPublishTheWillThenTheGatewayComesBack() throws Exception {
        EmbeddedBroker b = broker(0);
        TestMqttClient op = operator(b);
        MqttGateway gw = gateway(b.url(), new FakeDevice("fake-1"));
        gw.start();
        op.awaitMessage("status", m -> m.json().path("state").asText().equals("online"));
        int seen = op.on("status").size();
        gw.killConnectionForTest();
        JsonNode will = await().atMost(PATIENCE).until(() -> op.on("status").stream().skip(seen)
                .map(TestMqttClient.Msg::json).filter(j -> j.path("state").asText().equals("offline"))
                .findFirst().orElse(null), j -> j != null);
        assertThat(will.path("bootId").asText()).isEqualTo(gw.bootId());
        await().atMost(PATIENCE).until(() -> op.on("status").stream().skip(seen)
                .anyMatch(m -> m.json().path("state").asText().equals("online")));
        await().atMost(PATIENCE).until(gw::isConnected);
    }

    @Test
    void stopLeavesARetainedOfflineStatusAndSendsStopping() throws Exception {
        EmbeddedBroker b = broker(0);
        TestMqttClient op = operator(b);
        MqttGateway gw = gateway(b.url(), new FakeDevice("fake-1"));
        gw.start();
        op.awaitMessage("event/node/started", m -> true);
        gw.stop();
        gw.stop(); // idempotent
        op.awaitMessage("event/node/stopping", m -> true);
        assertThat(gw.isConnected()).isFalse();
        TestMqttClient late = operator(b); // sees only what is retained
        JsonNode status = late.awaitMessage("status", m -> true).json();
        assertThat(status.path("state").asText()).isEqualTo("offline");
        assertThat(status.path("bootId").asText()).isEqualTo(gw.bootId());
    }

    @Test
    void retainedStateOfDevicesNoLongerConfiguredIsClearedOnStart() throws Exception {
        EmbeddedBroker b = broker(0);
        TestMqttClient op = operator(b);
        MqttGateway old = gateway(b.url(), new FakeDevice("gone-1"));
        old.start();
        op.awaitMessage("state/gone-1", m -> !m.payload().isEmpty());
        old.stop();

        MqttGateway gw = gateway(b.url(), new FakeDevice("fake-1"));
        gw.start();
        op.awaitMessage("state/gone-1", m -> m.payload().isEmpty());
        TestMqttClient late = operator(b);
        late.awaitMessage("state/fake-1", m -> true);
        assertThat(late.on("state/gone-1")).isEmpty();
    }

    @Test
    void twoBoxesWithOneConfigAreReportedAsAnError() throws Exception {
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(MqttGateway.class);
        appender.start();
        logger.addAppender(appender);
        try {
            EmbeddedBroker b = broker(0);
            MqttGateway one = gateway(b.url(), new FakeDevice("fake-1"));
            // same site and node, so the same client id; its own state dir, as on a second box
            MqttGateway two = new MqttGateway(GatewayFixture.config(b.url(), stateDir.resolve("box-2")), GatewayFixture.SHA,
                    new org.conveyord.node.BuildInfo("9.9.9-test", "abc1234"), scheduler, java.time.Clock.systemUTC());
            gateways.add(two);
            one.start();
            await().atMost(PATIENCE).until(one::isConnected);
            two.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> appender.list.stream().anyMatch(e ->
                    e.getLevel() == ch.qos.logback.classic.Level.ERROR
                            && e.getFormattedMessage().contains("same client id conveyord-t-edge-1")
                            && e.getFormattedMessage().contains("two boxes")));
        } finally {
            logger.detachAppender(appender);
        }
    }
}
