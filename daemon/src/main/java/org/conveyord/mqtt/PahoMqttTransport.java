package org.conveyord.mqtt;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import javax.net.SocketFactory;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * {@link MqttTransport} on Paho mqttv3's {@link MqttAsyncClient}. Memory persistence only: durability
 * is our {@link Outbox}'s job, and Paho's file persistence leaves lock files in the working
 * directory. Clean session, Paho's own automatic reconnect off (it only works after a first success;
 * the gateway runs its own loop). Sockets get TCP_NODELAY: without it each request/reply costs ~88 ms
 * on loopback instead of ~0.5 ms (platform-notes.md).
 */
public final class PahoMqttTransport implements MqttTransport {

    /**
     * What goes into CONNECT. {@code password} is never logged or put in {@link #toString()}.
     *
     * @param socketFactory null for plain TCP; for ssl:// an SSLSocketFactory ({@link TlsSocketFactories})
     * @param verifyHostname check the broker certificate's name against the URL's host (ssl:// only)
     */
    public record Options(String url, String clientId, int keepAliveS, String willTopic, byte[] willPayload,
                          String username, char[] password, int maxInflight, SocketFactory socketFactory,
                          boolean verifyHostname) {
        @Override
        public String toString() {
            return "Options[url=" + url + ", clientId=" + clientId + ", keepAliveS=" + keepAliveS
                    + ", user=" + (username == null ? "none" : "set") + "]";
        }
    }

    private final Options options;
    private final MqttAsyncClient client;
    private volatile Listener listener;

    public PahoMqttTransport(Options options) {
        this.options = options;
        try {
            this.client = new MqttAsyncClient(options.url(), options.clientId(), new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalArgumentException("cannot create an MQTT client for " + options.url() + ": " + e.getMessage(), e);
        }
        this.socketFactory = options.socketFactory() != null ? options.socketFactory()
                : new org.conveyord.net.NoDelaySocketFactory(SocketFactory.getDefault());
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                Listener l = listener;
                if (l != null) l.connectionLost(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                Listener l = listener;
                if (l != null) l.messageArrived(topic, message.getPayload(), message.isRetained());
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // publish futures complete through their own action listeners
            }
        });
    }

    private final SocketFactory socketFactory;

    @Override
    public void setListener(Listener listener) { this.listener = listener; }

    @Override
    public CompletableFuture<Void> connect() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(options.keepAliveS());
        o.setConnectionTimeout(10);
        o.setMaxInflight(options.maxInflight());
        o.setSocketFactory(socketFactory);
        o.setHttpsHostnameVerificationEnabled(options.verifyHostname());
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        if (options.willTopic() != null) o.setWill(options.willTopic(), options.willPayload(), 1, true);
        if (options.username() != null) o.setUserName(options.username());
        if (options.password() != null) o.setPassword(options.password());
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            client.connect(o, null, listenerFor(f));
        } catch (MqttException | RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    @Override
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            client.publish(topic, payload, qos, retained, null, listenerFor(f));
        } catch (MqttException | RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    @Override
    public CompletableFuture<Void> subscribe(String filter, int qos) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            client.subscribe(filter, qos, null, listenerFor(f));
        } catch (MqttException | RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String filter) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            client.unsubscribe(filter, null, listenerFor(f));
        } catch (MqttException | RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    @Override
    public boolean isConnected() { return client.isConnected(); }

    @Override
    public void disconnect(long timeoutMs) {
        try {
            if (client.isConnected()) client.disconnect(timeoutMs).waitForCompletion(timeoutMs + 500);
        } catch (MqttException e) {
            dropConnection();
        }
    }

    @Override
    public void dropConnection() {
        try {
            client.disconnectForcibly(0, 100, false);
        } catch (MqttException e) {
            // already closed: nothing left to drop
        }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) client.disconnectForcibly(0, 100, false);
            client.close(true);
        } catch (MqttException e) {
            // closing an unusable client: nothing to report
        }
    }

    @Override
    public String describe() { return options.url() + " as " + options.clientId(); }

    private static IMqttActionListener listenerFor(CompletableFuture<Void> f) {
        return new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) { f.complete(null); }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                f.completeExceptionally(e == null ? new IOException("MQTT operation failed") : e);
            }
        };
    }
}
