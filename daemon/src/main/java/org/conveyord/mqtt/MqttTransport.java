package org.conveyord.mqtt;

import java.util.concurrent.CompletableFuture;

/**
 * The few things the gateway needs from an MQTT client library, so Paho can be swapped (HiveMQ
 * client) without touching the gateway. One attempt per {@link #connect()}: reconnecting is the
 * caller's job ({@link ReconnectBackoff}). Futures complete on the library's threads: callers hop to
 * their own executor before doing real work.
 */
public interface MqttTransport {

    /** Called from the library's threads; implementations must return at once and never publish here. */
    interface Listener {
        void messageArrived(String topic, byte[] payload, boolean retained);

        void connectionLost(Throwable cause);
    }

    void setListener(Listener listener);

    /** One connect attempt; completes when the broker accepted the session (CONNACK). */
    CompletableFuture<Void> connect();

    /** Completes on PUBACK for QoS 1, once written for QoS 0; fails when the connection drops first. */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained);

    CompletableFuture<Void> subscribe(String filter, int qos);

    CompletableFuture<Void> unsubscribe(String filter);

    boolean isConnected();

    /** Sends DISCONNECT (so no Will is published) and waits at most {@code timeoutMs}. */
    void disconnect(long timeoutMs);

    /** Closes the socket without DISCONNECT, as a crash or a cut cable would: the broker publishes the Will. */
    void dropConnection();

    /** Releases the client's threads; the transport cannot be used afterwards. */
    void close();

    /** "tcp://127.0.0.1:1883 as conveyord-demo-edge-1" for logs. */
    String describe();
}
