package org.conveyord.sim;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test-side MQTT client that records every message it gets, by topic. */
final class TestMqttClient implements AutoCloseable {
    private final MqttClient client;
    final Map<String, List<String>> received = new ConcurrentHashMap<>();

    TestMqttClient(String url, String id) throws MqttException {
        client = new MqttClient(url, id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setSocketFactory(new org.conveyord.net.NoDelaySocketFactory());
        client.connect(o);
    }

    void subscribe(String filter) throws MqttException {
        client.subscribe(filter, 1, (topic, msg) -> received.computeIfAbsent(topic, k -> new CopyOnWriteArrayList<>())
                .add(new String(msg.getPayload(), StandardCharsets.UTF_8)));
    }

    void publish(String topic, String payload) throws MqttException {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    void publishRetained(String topic, String payload) throws MqttException {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, true);
    }

    List<String> on(String topic) {
        return received.getOrDefault(topic, List.of());
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) client.disconnect();
        client.close();
    }
}
