package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.net.NoDelaySocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One short-lived MQTT session with the broker: a clean session under a random client id (brokers
 * refuse empty ids, and two operators must never kick each other off); commands at QoS 1, what it
 * receives at QoS 0 (RECEIVE_QOS).
 */
final class BrokerConnection implements AutoCloseable {
    /**
     * What conveyorctl receives (replies, retained state, live views) comes at QoS 0. Its session is
     * clean and lives for one command: QoS 1 would add only a PUBACK per message, since a reply lost
     * with the connection is lost with the session either way, and a command is sent again under its
     * id. The PUBACK of a client that leaves at once is also what made the embedded test broker
     * (Moquette 0.17) release a message twice and stop serving (IllegalReferenceCountException in
     * Session.pubAckReceived), which failed ConveyorCtlIT in CI. Commands still go out at QoS 1.
     */
    private static final int RECEIVE_QOS = 0;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CtlSettings settings;
    private final MqttClient client;
    private final Duration timeout;

    private BrokerConnection(CtlSettings settings, MqttClient client, Duration timeout) {
        this.settings = settings;
        this.client = client;
        this.timeout = timeout;
    }

    /**
     * @throws SettingsException when the TLS or credentials files cannot be used
     * @throws CtlFailure        exit 3 when the broker cannot be reached or refuses us
     */
    static BrokerConnection open(CtlSettings settings, Duration timeout) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        o.setConnectionTimeout((int) Math.max(1, (timeout.toMillis() + 999) / 1000));
        if (settings.isTls()) {
            o.setSocketFactory(TlsSetup.socketFactory(settings.tls()));
            o.setHttpsHostnameVerificationEnabled(settings.tls().verifyHostnameOrDefault());
        } else {
            o.setSocketFactory(new NoDelaySocketFactory());
        }
        if (settings.credentialsFile() != null) {
            List<String> lines = credentials(Path.of(settings.credentialsFile()));
            o.setUserName(lines.get(0).strip());
            o.setPassword(lines.get(1).strip().toCharArray());
        }
        String clientId = "ctl-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        MqttClient client;
        try {
            client = new MqttClient(settings.url(), clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new SettingsException("broker URL " + settings.url() + " (from " + settings.source() + ") is not usable: " + e.getMessage(), e);
        }
        client.setTimeToWait(timeout.toMillis());
        try {
            client.connect(o);
        } catch (MqttException e) {
            closeQuietly(client);
            throw new CtlFailure(ExitCodes.NO_ANSWER, "cannot connect to the MQTT broker at " + settings.url()
                    + " (from " + settings.source() + "): " + describe(e));
        }
        return new BrokerConnection(settings, client, timeout);
    }

    private static List<String> credentials(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || lines.get(0).isBlank()) {
                throw new SettingsException("credentials file " + file + " must hold the username on line 1 and the password on line 2");
            }
            return lines;
        } catch (IOException e) {
            throw new SettingsException("cannot read the credentials file " + file + " (" + e.getClass().getSimpleName()
                    + "); give a readable one with --credentials FILE (username on line 1, password on line 2)", e);
        }
    }

    /**
     * Sends one command and waits for its reply. The reply topics are subscribed before the command
     * is published, so a fast answer cannot slip past; an unknown device's reply goes to
     * {@code reply/node/unknown}, so that is listened to as well.
     *
     * @throws CtlFailure exit 3 when no reply with this id arrives in time
     */
    JsonNode request(String device, String action, ObjectNode command) {
        String id = command.path("id").asText();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        BiConsumer<String, byte[]> match = (topic, payload) -> {
            JsonNode r = parse(payload);
            if (r != null && id.equals(r.path("id").asText(null))) reply.complete(r);
        };
        String replyTopic = settings.base() + "/reply/" + device + "/" + action;
        String unknownTopic = settings.base() + "/reply/node/unknown";
        try {
            client.subscribe(replyTopic, RECEIVE_QOS, (t, m) -> match.accept(t, m.getPayload()));
            if (!replyTopic.equals(unknownTopic)) client.subscribe(unknownTopic, RECEIVE_QOS, (t, m) -> match.accept(t, m.getPayload()));
            client.publish(settings.base() + "/cmd/" + device + "/" + action,
                    JSON.writeValueAsBytes(command), 1, false);
        } catch (MqttException | IOException e) {
            throw new CtlFailure(ExitCodes.NO_ANSWER, "could not send " + action + " to " + device + " through "
                    + settings.url() + ": " + (e instanceof MqttException me ? describe(me) : e.getMessage()), e);
        }
        return await(reply, () -> "no reply from " + device + " to " + action + " within " + seconds()
                + " (is conveyord running and connected to " + settings.url() + " under " + settings.base() + "?)");
    }

    /** The current message on {@code <base>/<topic>} (retained); empty when there is none (or it was cleared). */
    Optional<JsonNode> retained(String topic) {
        CompletableFuture<JsonNode> first = new CompletableFuture<>();
        try {
            // the retained copy, or a live update racing it: either is the current state
            client.subscribe(settings.base() + "/" + topic, RECEIVE_QOS,
                    (t, m) -> first.complete(m.getPayload().length == 0 ? null : parse(m.getPayload())));
        } catch (MqttException e) {
            throw new CtlFailure(ExitCodes.NO_ANSWER, "could not subscribe to " + topic + ": " + describe(e), e);
        }
        // brokers send retained messages straight after the subscription: none in the timeout means none
        try {
            return Optional.ofNullable(first.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlFailure(ExitCodes.NO_ANSWER, "interrupted");
        } catch (ExecutionException e) {
            throw new CtlFailure(ExitCodes.NO_ANSWER, e.getCause().toString(), e);
        }
    }

    /**
     * Delivers every message under {@code <base>/<filter>} (topic relative to the base, JSON or null
     * when unparsable) on Paho's thread; {@code lost} runs once if the broker connection drops.
     */
    void follow(String filter, BiConsumer<String, JsonNode> listener, Runnable lost) {
        String prefix = settings.base() + "/";
        client.setCallback(new MqttCallback() {
            @Override public void connectionLost(Throwable cause) { lost.run(); }

            // every subscription has its own listener; nothing arrives here
            @Override public void messageArrived(String topic, MqttMessage message) { }

            @Override public void deliveryComplete(IMqttDeliveryToken token) { }
        });
        try {
            client.subscribe(prefix + filter, RECEIVE_QOS, (t, m) -> listener.accept(t.substring(prefix.length()), parse(m.getPayload())));
        } catch (MqttException e) {
            throw new CtlFailure(ExitCodes.NO_ANSWER, "could not subscribe to " + filter + ": " + describe(e), e);
        }
    }

    String seconds() {
        long ms = timeout.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s";
    }

    private <T> T await(CompletableFuture<T> f, Supplier<String> timeoutMessage) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CtlFailure(ExitCodes.NO_ANSWER, timeoutMessage.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlFailure(ExitCodes.NO_ANSWER, "interrupted while waiting for the reply");
        } catch (ExecutionException e) {
            throw new CtlFailure(ExitCodes.NO_ANSWER, e.getCause().toString(), e);
        }
    }

    private static JsonNode parse(byte[] payload) {
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(MqttException e) {
        String reason = switch (e.getReasonCode()) {
            case MqttException.REASON_CODE_FAILED_AUTHENTICATION -> "bad username or password (check the credentials file)";
            case MqttException.REASON_CODE_NOT_AUTHORIZED -> "not authorised (check the credentials file and the broker's ACL)";
            case MqttException.REASON_CODE_INVALID_CLIENT_ID -> "the broker rejected the client id";
            default -> e.getMessage();
        };
        Throwable cause = e.getCause();
        return cause == null ? reason : reason + " (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
    }

    private static void closeQuietly(MqttClient c) {
        try {
            c.close(true);
        } catch (MqttException e) {
            // closing after a failed connect: nothing is left to release
        }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) client.disconnect(1000);
        } catch (MqttException e) {
            // the process ends next; the broker drops the clean session either way
        }
        closeQuietly(client);
    }
}
