package org.conveyord.mqtt;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.node.BuildInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TLS and passwords against a real Mosquitto that requires a client certificate and a password. The
 * CA, the broker's and our certificates are made by the test with openssl. A wrong CA, a wrong host
 * name and a wrong password each give one clear ERROR line naming the config key; the password is
 * never logged.
 */
class MosquittoTlsIT {

    private static final String PASSWORD = "s3cret-Pa55";

    @TempDir
    Path dir;

    private final List<MqttGateway> gateways = new ArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private MosquittoBroker broker;

    @BeforeEach
    void up() throws Exception {
        MosquittoBroker.assumeInstalled();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")), "mosquitto_passwd is not installed");
        TestCertificates certs = new TestCertificates(dir);
        certs.ca("ca");
        certs.ca("other-ca");
        certs.signed("server", "ca", "subjectAltName=IP:127.0.0.1");
        certs.signed("wrong-name", "ca", "subjectAltName=DNS:other.example");
        certs.signed("client", "ca", "extendedKeyUsage=clientAuth");
        TestCertificates.run("/usr/bin/mosquitto_passwd", "-b", "-c", dir.resolve("passwd").toString(), "edge-1", PASSWORD);
        Logger l = (Logger) LoggerFactory.getLogger(MqttGateway.class);
        logs.start();
        l.addAppender(logs);
    }

    @AfterEach
    void down() throws Exception {
        gateways.forEach(MqttGateway::stop);
        ((Logger) LoggerFactory.getLogger(MqttGateway.class)).detachAppender(logs);
        if (broker != null) broker.stop();
        scheduler.shutdownNow();
    }

    private void broker(String serverCert) throws Exception {
        broker = new MosquittoBroker(dir.resolve("broker"), "listener ${port} 127.0.0.1\n"
                + "cafile " + dir.resolve("ca.pem") + "\n"
                + "certfile " + dir.resolve(serverCert + ".pem") + "\n"
                + "keyfile " + dir.resolve(serverCert + ".key") + "\n"
                + "require_certificate true\n"
                + "tls_version tlsv1.2\n"
                + "allow_anonymous false\n"
                + "password_file " + dir.resolve("passwd") + "\n");
        broker.start();
    }

    private MqttGateway gateway(String caName, String password) throws Exception {
        Path creds = dir.resolve("creds-" + gateways.size());
        Files.writeString(creds, "edge-1\n" + password + "\n");
        var tls = new MqttConfig.TlsConfig(dir.resolve(caName + ".pem").toString(), dir.resolve("client.pem").toString(),
                dir.resolve("client.key").toString(), true);
        var mqtt = new MqttConfig("ssl://127.0.0.1:" + broker.port(), "conveyord", 1, creds.toString(), tls, 30);
        var cfg = new ConveyordConfig("t", "edge-1", mqtt, dir.resolve("state-" + gateways.size()).toString(), null,
                new LinkedHashMap<>(), null);
        MqttGateway gw = new MqttGateway(cfg, GatewayFixture.SHA, new BuildInfo("9.9.9-test", "abc1234"), scheduler, Clock.systemUTC());
        gateways.add(gw);
        gw.start();
        return gw;
    }

    private List<String> errors() {
        return logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    private void assertPasswordNeverLogged() {
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(PASSWORD));
    }

    @Test
    void connectsWithTheRightCaAClientCertificateAndThePasswordFromTheFile() throws Exception {
        broker("server");
        MqttGateway gw = gateway("ca", PASSWORD);
        await().atMost(Duration.ofSeconds(15)).until(gw::isConnected);
        assertThat(errors()).isEmpty();
        assertPasswordNeverLogged();
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsRefusedWithAClearError() throws Exception {
        broker("server");
        MqttGateway gw = gateway("other-ca", PASSWORD);
        await().atMost(Duration.ofSeconds(15)).until(() -> !errors().isEmpty());
        assertThat(gw.isConnected()).isFalse();
        assertThat(errors().getFirst()).contains("not signed by the CA in mqtt.tls.ca").doesNotContain("\n");
    }

    @Test
    void aBrokerCertificateForAnotherHostIsRefusedWithAClearError() throws Exception {
        broker("wrong-name");
        MqttGateway gw = gateway("ca", PASSWORD);
        await().atMost(Duration.ofSeconds(15)).until(() -> !errors().isEmpty());
        assertThat(gw.isConnected()).isFalse();
        assertThat(errors().getFirst()).contains("does not name the host in mqtt.url").doesNotContain("\n");
    }

    @Test
    void aWrongPasswordIsRefusedWithAClearErrorThatDoesNotShowIt() throws Exception {
        broker("server");
        String wrong = "not-" + PASSWORD;
        MqttGateway gw = gateway("ca", wrong);
        await().atMost(Duration.ofSeconds(15)).until(() -> !errors().isEmpty());
        assertThat(gw.isConnected()).isFalse();
        assertThat(errors().getFirst()).contains("refused our username or password").contains("mqtt.credentialsFile");
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(wrong));
    }
}
