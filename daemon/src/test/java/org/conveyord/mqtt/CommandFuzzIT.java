package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 10,000 random, malformed and oversized commands through a real Mosquitto: the daemon stays up,
 * every delivery gets exactly one reply (by id where one is readable, id null otherwise), and the
 * heap after GC does not grow with the number of commands (the figure is printed, not timed).
 */
class CommandFuzzIT {

    private static final int COMMANDS = 10_000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void down() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
        scheduler.shutdownNow();
    }

    /** What one fuzz command looks like and which reply id it must get (null: no readable id). */
    private record Case(String topic, byte[] payload, String expectedId) {}

    private static Case next(Random r, int i, String base) {
        String id = "f-" + i;
        String cmd = base + "/cmd/fake-1/poke";
        return switch (r.nextInt(10)) {
            case 0 -> new Case(cmd, ("{\"id\":\"" + id + "\",\"by\":\"fuzz-" + r.nextInt(5) + "\"}").getBytes(StandardCharsets.UTF_8), id);
            case 1 -> { // random bytes
                byte[] b = new byte[1 + r.nextInt(300)];
                r.nextBytes(b);
                b[0] = (byte) 'x'; // never a JSON start by accident
                yield new Case(cmd, b, null);
            }
            case 2 -> new Case(cmd, ("{\"id\":\"" + id + "\",\"ts\":" + r.nextInt() + "}").getBytes(StandardCharsets.UTF_8), id);
            case 3 -> new Case(cmd, ("{\"id\":\"" + id + "\",\"ttlMs\":\"soon\"").getBytes(StandardCharsets.UTF_8), null); // cut off
            case 4 -> new Case(cmd, ("[\"" + id + "\"]").getBytes(StandardCharsets.UTF_8), null);
            case 5 -> new Case(base + "/cmd/no-such-" + r.nextInt(1000) + "/poke", ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), id);
            case 6 -> new Case(base + "/cmd/fake-1/" + "act" + r.nextInt(1000), ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), id);
            case 7 -> { // oversized, id first: the reply still carries it
                String pad = "a".repeat(66_000 + r.nextInt(8_000));
                yield new Case(cmd, ("{\"id\":\"" + id + "\",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8), id);
            }
            case 8 -> { // oversized, id after the padding: unreadable within the limit
                String pad = "b".repeat(66_000);
                yield new Case(cmd, ("{\"pad\":\"" + pad + "\",\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), null);
            }
            default -> new Case(cmd, ("{\"a\":[".repeat(200 + r.nextInt(1000))).getBytes(StandardCharsets.UTF_8), null); // deep nesting
        };
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void tenThousandBadCommandsGetOneReplyEachAndTheDaemonStaysUp() throws Exception {
        MosquittoBroker.assumeInstalled();
        MosquittoBroker broker = new MosquittoBroker(dir.resolve("broker"), "");
        broker.start();
        cleanup.add(broker);
        MqttGateway gw = GatewayFixture.gateway(broker.url(), dir.resolve("state"), scheduler);
        gw.register(new FakeDevice("fake-1"));
        cleanup.add(gw::stop);
        gw.start();
        await().atMost(Duration.ofSeconds(10)).until(gw::isConnected);

        Map<String, AtomicInteger> repliesById = new ConcurrentHashMap<>();
        AtomicInteger nullReplies = new AtomicInteger();
        AtomicInteger replies = new AtomicInteger();
        MqttAsyncClient op = new MqttAsyncClient(broker.url(), "fuzzer", new MemoryPersistence());
        op.setCallback(new MqttCallback() {
            public void connectionLost(Throwable cause) {}

            public void messageArrived(String topic, MqttMessage m) throws Exception {
                JsonNode id = TestMqttClient.MAPPER.readTree(m.getPayload()).get("id");
                replies.incrementAndGet();
                if (id == null || id.isNull()) nullReplies.incrementAndGet();
                else repliesById.computeIfAbsent(id.asText(), k -> new AtomicInteger()).incrementAndGet();
            }

            public void deliveryComplete(IMqttDeliveryToken t) {}
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMaxInflight(500);
        op.connect(o).waitForCompletion(5000);
        cleanup.add(() -> {
            op.disconnect().waitForCompletion(2000);
            op.close();
        });
        op.subscribe(GatewayFixture.BASE + "/reply/#", 1).waitForCompletion(5000);

        long heapBefore = heapAfterGc();
        Random r = new Random(42);
        Map<String, Integer> expectedIds = new HashMap<>();
        int expectedNull = 0;
        for (int i = 0; i < COMMANDS; i++) {
            Case c = next(r, i, GatewayFixture.BASE);
            if (c.expectedId() == null) expectedNull++;
            else expectedIds.merge(c.expectedId(), 1, Integer::sum);
            op.publish(c.topic(), c.payload(), 1, false).waitForCompletion(5000);
        }
        int nulls = expectedNull;
        System.out.printf("fuzz IT: %d commands published, %d replies so far%n", COMMANDS, replies.get());
        await().atMost(Duration.ofSeconds(30)).until(() -> replies.get() >= COMMANDS);
        long heapAfter = heapAfterGc();

        assertThat(nullReplies.get()).isEqualTo(nulls);
        assertThat(repliesById.keySet()).isEqualTo(expectedIds.keySet());
        assertThat(repliesById.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(replies.get()).isEqualTo(COMMANDS);
        System.out.printf("fuzz IT: %d commands, %d replies (%d with id null); heap after GC %d KiB before, %d KiB after (%+d KiB)%n",
                COMMANDS, replies.get(), nulls, heapBefore >> 10, heapAfter >> 10, (heapAfter - heapBefore) >> 10);
        // generous: a leak per command (10,000 x payload) would be hundreds of MiB
        assertThat(heapAfter - heapBefore).isLessThan(48L << 20);

        // still up: a ping with a fresh sender is answered
        try (TestMqttClient check = new TestMqttClient(broker.url(), GatewayFixture.BASE)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                check.send("cmd/node/ping", "{\"id\":\"alive-" + System.nanoTime() + "\",\"by\":\"checker\"}");
                return check.on("reply/node/ping").stream().anyMatch(m -> m.json().path("ok").asBoolean());
            });
        }
    }
}
