package org.conveyord.mqtt;

import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.node.BuildInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What start() refuses before any connection is tried. */
class GatewayStartTest {

    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void down() { scheduler.shutdownNow(); }

    private MqttGateway gateway(MqttConfig mqtt) {
        var cfg = new ConveyordConfig("t", "edge-1", mqtt, dir.resolve("state").toString(), null, new LinkedHashMap<>(), null);
        return new MqttGateway(cfg, "sha", new BuildInfo("1", "c"), scheduler, Clock.systemUTC());
    }

    @Test
    void tlsWithoutACaIsRefusedClearly() {
        var gw = gateway(new MqttConfig("ssl://broker:8883", null, null, null, null, null));
        assertThatThrownBy(gw::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("mqtt.tls.ca");
    }

    @Test
    void tlsWithAnUnreadableCaIsRefusedNamingTheFile() {
        var tls = new MqttConfig.TlsConfig(dir.resolve("ca.pem").toString(), null, null, null);
        var gw = gateway(new MqttConfig("ssl://broker:8883", null, null, null, tls, null));
        assertThatThrownBy(gw::start).hasMessageContaining("ca.pem");
    }

    @Test
    void otherSchemesAreRefused() {
        var gw = gateway(new MqttConfig("ws://broker:80", null, null, null, null, null));
        assertThatThrownBy(gw::start).hasMessageContaining("tcp:// or ssl://");
    }

    @Test
    void aCredentialsFileWithoutAPasswordLineIsRefusedWithoutShowingItsContent() throws Exception {
        Path creds = dir.resolve("creds");
        Files.writeString(creds, "only-a-user\n");
        var gw = gateway(new MqttConfig("tcp://127.0.0.1:1", null, null, creds.toString(), null, null));
        assertThatThrownBy(gw::start).hasMessageContaining("line 2").hasMessageNotContaining("only-a-user");
    }

    @Test
    void aMissingCredentialsFileIsRefused() {
        var gw = gateway(new MqttConfig("tcp://127.0.0.1:1", null, null, dir.resolve("nope").toString(), null, null));
        assertThatThrownBy(gw::start).hasMessageContaining("cannot read mqtt.credentialsFile");
    }

    @Test
    void anUnwritableStateDirIsRefusedNamingTheConfigKey() throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        var cfg = new ConveyordConfig("t", "edge-1", null, file.resolve("state").toString(), null, new LinkedHashMap<>(), null);
        assertThatThrownBy(() -> new MqttGateway(cfg, "sha", new BuildInfo("1", "c"), scheduler, Clock.systemUTC()))
                .hasMessageContaining("stateDir");
    }
}
