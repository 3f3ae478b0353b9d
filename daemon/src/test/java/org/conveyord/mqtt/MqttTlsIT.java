package org.conveyord.mqtt;

import io.moquette.broker.Server;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.node.BuildInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.conveyord.mqtt.TestMqttClient.PATIENCE;

/**
 * ssl:// against a Moquette TLS listener whose certificate keytool makes for the test (names:
 * other.example only, so connecting to 127.0.0.1 is a hostname mismatch).
 */
class MqttTlsIT {

    @TempDir
    Path dir;

    private Server broker;
    private int tlsPort;
    private int plainPort;
    private Path caPem;
    private final List<MqttGateway> gateways = new ArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void up() throws Exception {
        Path jks = dir.resolve("broker.p12");
        caPem = dir.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=other.example",
                "-ext", "san=dns:other.example", "-validity", "2", "-storetype", "PKCS12", "-keystore", jks.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", jks.toString(), "-storepass", "changeit",
                "-file", caPem.toString());
        plainPort = freePort();
        tlsPort = freePort();
        Properties p = new Properties();
        p.setProperty("host", "127.0.0.1");
        p.setProperty("port", Integer.toString(plainPort));
        p.setProperty("ssl_port", Integer.toString(tlsPort));
        p.setProperty("websocket_port", "disabled");
        p.setProperty("ssl_provider", "JDK");
        p.setProperty("jks_path", jks.toString());
        p.setProperty("key_store_type", "pkcs12");
        p.setProperty("key_store_password", "changeit");
        p.setProperty("key_manager_password", "changeit");
        p.setProperty("allow_anonymous", "true");
        p.setProperty("telemetry_enabled", "false");
        p.setProperty("persistence_enabled", "false");
        p.setProperty("data_path", dir.resolve("data").toString());
        p.setProperty("immediate_buffer_flush", "true");
        broker = new Server();
        broker.startServer(p);
        await().atMost(PATIENCE).until(() -> broker.getSslPort() > 0);
    }

    @AfterEach
    void down() {
        gateways.forEach(MqttGateway::stop);
        broker.stopServer();
        scheduler.shutdownNow();
    }

    private static void run(String... cmd) throws Exception {
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertThat(proc.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as(out).isZero();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private MqttGateway gateway(boolean verifyHostname) {
        var tls = new MqttConfig.TlsConfig(caPem.toString(), null, null, verifyHostname);
        var mqtt = new MqttConfig("ssl://127.0.0.1:" + tlsPort, "conveyord", 1, null, tls, 30);
        var cfg = new ConveyordConfig("t", "edge-1", mqtt, dir.resolve("state-" + gateways.size()).toString(), null,
                new LinkedHashMap<>(), null);
        MqttGateway gw = new MqttGateway(cfg, GatewayFixture.SHA, new BuildInfo("9.9.9-test", "abc1234"), scheduler, Clock.systemUTC());
        gateways.add(gw);
        return gw;
    }

    @Test
    void connectsOverTlsWhenTheCaIsTrustedAndNameCheckingIsOff() throws Exception {
        try (TestMqttClient op = new TestMqttClient("tcp://127.0.0.1:" + plainPort, GatewayFixture.BASE)) {
            MqttGateway gw = gateway(false);
            gw.start();
            await().atMost(PATIENCE).until(gw::isConnected);
            op.awaitMessage("status", m -> m.json().path("state").asText().equals("online"));
        }
    }

    @Test
    void refusesABrokerWhoseCertificateNamesAnotherHost() {
        MqttGateway gw = gateway(true);
        gw.start();
        await().atMost(PATIENCE).until(() -> gw.connectFailures() >= 2);
        assertThat(gw.isConnected()).isFalse();
    }

    @Test
    void caFileMustHoldACertificate() throws Exception {
        Files.writeString(caPem, "not a certificate");
        MqttGateway gw = gateway(true);
        org.assertj.core.api.Assertions.assertThatThrownBy(gw::start).hasMessageContaining("mqtt.tls.ca");
    }
}
