package org.conveyord.bench.daemon;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

/** Sends {@code cmd/node/ping} and waits for its reply: what an operator's tool does, over the same broker. */
final class Pinger implements AutoCloseable {
    private final MqttAsyncClient client;
    private final String base;
    private final ConcurrentHashMap<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private long seq;

    Pinger(String url, String base) throws Exception {
        this.base = base;
        client = new MqttAsyncClient(url, "bench-pinger-" + runId, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(true);
        // as the daemon does: without it Nagle holds each small PUBLISH behind the last PUBACK (~40 ms)
        o.setSocketFactory(new org.conveyord.net.NoDelaySocketFactory());
        client.connect(o).waitForCompletion(10_000);
        client.subscribe(base + "/reply/node/ping", 1, (topic, msg) -> {
            long now = System.nanoTime();
            String p = new String(msg.getPayload(), StandardCharsets.UTF_8);
            int i = p.indexOf("\"id\":\"");
            if (i < 0) return;
            var f = waiting.get(p.substring(i + 6, p.indexOf('"', i + 6)));
            if (f != null) f.complete(now);
        }).waitForCompletion(10_000);
    }

    /** Publishes one ping; its id. */
    String send() throws Exception {
        String id = "bench-" + runId + "-" + (++seq);
        waiting.put(id, new CompletableFuture<>());
        client.publish(base + "/cmd/node/ping", new MqttMessage(("{\"id\":\"" + id + "\",\"by\":\"bench\"}").getBytes(StandardCharsets.UTF_8)));
        return id;
    }

    /** nanoTime the reply to {@code id} came, or 0 when none came within {@code timeoutMs}. */
    long awaitReply(String id, long timeoutMs) throws InterruptedException {
        var f = waiting.get(id);
        if (f == null) return 0;
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return 0;
        } finally {
            waiting.remove(id);
        }
    }

    /**
     * Pings every 250 ms until one is answered: READY comes before the daemon's MQTT session (line
     * control does not wait for the broker), so a ping sent at READY can reach the broker before the
     * daemon subscribes, and a plain QoS 1 publish to nobody is gone. An operator's tool retries too.
     *
     * @return whether a reply came within {@code timeoutMs}
     */
    boolean awaitFirstReply(long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (awaitReply(send(), 250) != 0) return true;
        }
        return false;
    }

    @Override
    public void close() throws Exception {
        client.disconnect().waitForCompletion(2_000);
        client.close();
    }
}
