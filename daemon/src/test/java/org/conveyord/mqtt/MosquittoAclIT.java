package org.conveyord.mqtt;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The store ACL shipped in config/mosquitto/conveyord.acl, loaded by a real Mosquitto: the daemon
 * writes its tree but not cmd/, store panels send any command, remote systems no motion command,
 * dashboards only read. Mosquitto drops a forbidden publish silently (MQTT 3.1.1 has no way to say
 * so), so each check publishes the forbidden message, then an allowed marker once the broker has
 * acknowledged it, and looks at what a reader saw.
 */
class MosquittoAclIT {

    private static final String B = "conveyord/sz-0421/edge-1/";
    private static final Path ACL = Path.of("..", "config", "mosquitto", "conveyord.acl");

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private final List<MqttClient> clients = new ArrayList<>();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void up() throws Exception {
        MosquittoBroker.assumeInstalled();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")), "mosquitto_passwd is not installed");
        Path passwd = dir.resolve("passwd");
        for (String user : List.of("edge-1", "store-panel", "order-system", "dashboard")) {
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/mosquitto_passwd", "-b"));
            if (!Files.exists(passwd)) cmd.add("-c");
            cmd.addAll(List.of(passwd.toString(), user, "pw-" + user));
            Process q = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(q.exitValue()).as(new String(q.getInputStream().readAllBytes())).isZero();
        }
        broker = new MosquittoBroker(dir.resolve("broker"), "listener ${port} 127.0.0.1\nallow_anonymous false\n"
                + "password_file " + passwd + "\nacl_file " + ACL.toAbsolutePath().normalize() + "\n");
        broker.start();
        MqttClient reader = client("dashboard");
        reader.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            public void connectionLost(Throwable cause) {}
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                seen.add(topic.substring(B.length()) + "=" + new String(m.getPayload(), StandardCharsets.UTF_8));
            }
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {}
        });
        reader.subscribe("conveyord/sz-0421/#", 1);
    }

    @AfterEach
    void down() throws Exception {
        for (MqttClient c : clients) {
            if (c.isConnected()) c.disconnect(1000);
            c.close();
        }
        if (broker != null) broker.stop();
    }

    private MqttClient client(String user) throws Exception {
        MqttClient c = new MqttClient(broker.url(), user + "-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(user);
        o.setPassword(("pw-" + user).toCharArray());
        c.connect(o);
        clients.add(c);
        return c;
    }

    private static void pub(MqttClient c, String rel, String payload) throws Exception {
        c.publish(B + rel, payload.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    /** Publishes {@code forbidden} as {@code user}, then an allowed marker as the panel; the reader must see only the marker. */
    private void refused(String user, String forbidden) throws Exception {
        MqttClient c = client(user);
        pub(c, forbidden, "forbidden-" + user);
        String marker = "marker-" + System.nanoTime();
        pub(client("store-panel"), "cmd/node/ping", marker);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("cmd/node/ping=" + marker));
        assertThat(seen).as(user + " on " + forbidden).doesNotContain(forbidden + "=forbidden-" + user);
    }

    private void allowed(String user, String rel) throws Exception {
        String payload = "ok-" + user + "-" + System.nanoTime();
        pub(client(user), rel, payload);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(rel + "=" + payload));
    }

    @Test
    void theDaemonWritesItsTreeButNoCommands() throws Exception {
        allowed("edge-1", "event/line-1/started");
        allowed("edge-1", "reply/line-1/start");
        allowed("edge-1", "status");
        refused("edge-1", "cmd/line-1/start");
    }

    @Test
    void storePanelsSendEveryCommandRemoteSystemsNoMotionDashboardsNothing() throws Exception {
        allowed("store-panel", "cmd/line-1/start");
        allowed("store-panel", "cmd/line-1/reset");
        allowed("order-system", "cmd/line-1/order");
        refused("order-system", "cmd/line-1/start");
        refused("order-system", "cmd/line-1/jog");
        refused("order-system", "event/line-1/started");
        refused("dashboard", "cmd/line-1/order");
        refused("store-panel", "event/line-1/started");
    }
}
