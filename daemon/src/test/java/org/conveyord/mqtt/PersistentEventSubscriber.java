package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A consumer as the contract expects one: a persistent session (clean session false, QoS 1) on
 * {@code <base>/event/#}, reconnecting every 200 ms while the broker is away. Records every event
 * seq in arrival order, duplicates included.
 */
final class PersistentEventSubscriber implements AutoCloseable {

    private final MqttAsyncClient client;
    private final MqttConnectOptions options = new MqttConnectOptions();
    private final String filter;
    private final List<Long> seqs = new ArrayList<>();
    private final ScheduledExecutorService reconnect = Executors.newSingleThreadScheduledExecutor();

    PersistentEventSubscriber(String url, String clientId, String base) throws MqttException {
        this.filter = base + "/event/#";
        client = new MqttAsyncClient(url, clientId, new MemoryPersistence());
        options.setCleanSession(false);
        options.setMaxInflight(1000);
        options.setConnectionTimeout(2);
        client.setCallback(new MqttCallback() {
            public void connectionLost(Throwable cause) {
                System.out.println("consumer: connection lost: " + cause);
            }

            public void messageArrived(String topic, MqttMessage m) throws IOException {
                JsonNode n = TestMqttClient.MAPPER.readTree(m.getPayload());
                synchronized (seqs) {
                    seqs.add(n.path("seq").asLong(-1));
                }
            }

            public void deliveryComplete(IMqttDeliveryToken t) {}
        });
        client.connect(options).waitForCompletion(5000);
        client.subscribe(filter, 1).waitForCompletion(5000);
        reconnect.scheduleWithFixedDelay(this::keepConnected, 200, 200, TimeUnit.MILLISECONDS);
    }

    private void keepConnected() {
        if (client.isConnected()) return;
        try {
            var token = client.connect(options);
            token.waitForCompletion(3000);
            System.out.println("consumer: reconnected, session present " + token.getSessionPresent());
        } catch (MqttException e) {
            // broker still away: next try in 200 ms
        }
    }

    List<Long> received() {
        synchronized (seqs) {
            return List.copyOf(seqs);
        }
    }

    Set<Long> distinct() { return new LinkedHashSet<>(received()); }

    /** Seqs in [from, to] never received. */
    List<Long> missing(long from, long to) {
        Set<Long> got = distinct();
        List<Long> out = new ArrayList<>();
        for (long s = from; s <= to; s++) if (!got.contains(s)) out.add(s);
        return out;
    }

    /**
     * Whether each seq's first arrival came after every smaller seq's first arrival: the stream is in
     * order, allowing re-sent duplicates of messages already seen.
     */
    boolean firstArrivalsInOrder() {
        long max = Long.MIN_VALUE;
        for (long s : distinct()) {
            if (s < max) return false;
            max = s;
        }
        return true;
    }

    @Override
    public void close() throws MqttException {
        reconnect.shutdownNow();
        if (client.isConnected()) client.disconnect(1000).waitForCompletion(2000);
        client.close();
    }
}
