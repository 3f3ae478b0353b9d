package org.conveyord.sim;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The simulator's thin wrapper around Paho's {@link MqttAsyncClient}: memory persistence, TCP_NODELAY,
 * and its own reconnect loop (Paho reconnects only after a first successful connect) that also
 * covers a broker that is down at start. Reconnect policy: 250 ms doubling to a 5 s cap, +-25 %
 * jitter; every connect resubscribes (clean session).
 *
 * <p>Threading: messages are handed to a single handler thread (never processed, and never published
 * from, inside Paho's callback); {@code onConnected} runs on that thread too. {@link #publish} is
 * thread-safe and does not block.
 */
public final class MqttLink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MqttLink.class);
    private static final long MIN_DELAY_MS = 250, MAX_DELAY_MS = 5_000;

    private final String url;
    private final String clientId;
    private final List<String> subscriptions;
    private final BiConsumer<String, byte[]> onMessage;
    private final Runnable onConnected;
    private final ScheduledExecutorService reconnector;
    private final ExecutorService handler;
    private final MqttAsyncClient client;
    private volatile boolean closed;
    private long delayMs = MIN_DELAY_MS;
    private boolean everConnected;

    public MqttLink(String url, String clientId, List<String> subscriptions, BiConsumer<String, byte[]> onMessage,
             Runnable onConnected) {
        this.url = url;
        this.clientId = clientId;
        this.subscriptions = subscriptions;
        this.onMessage = onMessage;
        this.onConnected = onConnected;
        this.reconnector = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name(clientId + "-connect").unstarted(r));
        this.handler = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name(clientId + "-handler").unstarted(r));
        try {
            this.client = new MqttAsyncClient(url, clientId, new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalArgumentException("bad MQTT url '" + url + "': " + e.getMessage() + "; expected tcp://host:port", e);
        }
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                log.warn("{}: connection to {} lost ({}); reconnecting", clientId, url, String.valueOf(cause));
                schedule(MIN_DELAY_MS);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                byte[] payload = message.getPayload();
                handler.execute(() -> onMessage.accept(topic, payload));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    }

    public void start() {
        schedule(0);
    }

    boolean connected() { return client.isConnected(); }

    /** Publishes if connected; returns false (and drops the message) when not. */
    public boolean publish(String topic, byte[] payload, int qos, boolean retained) {
        if (!client.isConnected()) return false;
        try {
            client.publish(topic, payload, qos, retained);
            return true;
        } catch (MqttException e) {
            log.warn("{}: publish to {} failed: {}", clientId, topic, e.getMessage());
            return false;
        }
    }

    private void schedule(long ms) {
        if (closed) return;
        try {
            reconnector.schedule(this::connectOnce, ms, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private synchronized void connectOnce() {
        if (closed || client.isConnected()) return;
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        o.setConnectionTimeout(5);
        o.setMaxInflight(1000);
        o.setSocketFactory(new org.conveyord.net.NoDelaySocketFactory());
        try {
            client.connect(o).waitForCompletion(10_000);
            for (String s : subscriptions) client.subscribe(s, 1).waitForCompletion(5_000);
            log.info("{}: connected to {}{}, subscribed to {}", clientId, url, everConnected ? " again" : "", subscriptions);
            everConnected = true;
            delayMs = MIN_DELAY_MS;
            handler.execute(onConnected);
        } catch (MqttException e) {
            long next = Math.round(delayMs * ThreadLocalRandom.current().nextDouble(0.75, 1.25));
            log.info("{}: cannot connect to {} ({}); retrying in {} ms", clientId, url, e.getMessage(), next);
            delayMs = Math.min(MAX_DELAY_MS, delayMs * 2);
            try {
                if (client.isConnected()) client.disconnectForcibly(0, 1000);
            } catch (MqttException ignored) {
                // already down
            }
            schedule(next);
        }
    }

    @Override
    public void close() {
        closed = true;
        reconnector.shutdownNow();
        try {
            if (client.isConnected()) client.disconnect(100).waitForCompletion(2000);
        } catch (MqttException e) {
            log.debug("{}: disconnect: {}", clientId, e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            log.debug("{}: close: {}", clientId, e.getMessage());
        }
        handler.shutdown();
    }
}
