package org.conveyord.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsResolverTest {

    @TempDir Path dir;

    private static final String BOX_CONFIG = """
            site: sz-0421
            node: edge-2
            mqtt:
              url: ssl://broker.store.lan:8883
              prefix: acme
              credentialsFile: /run/credentials/conveyord.service/mqtt
              tls: {ca: /etc/conveyord/ca.pem, cert: /etc/conveyord/client.pem, key: /etc/conveyord/client.key, verifyHostname: true}
            devices:
              label-a:
                kind: printer
                protocol: zpl
                link: {tcp: "10.0.0.5:9100"}
              sorter-line:
                kind: line
              label-b:
                kind: printer
                protocol: zpl
                link: {tcp: "10.0.0.6:9100"}
            """;

    private Path write(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void withoutAConfigTheDemoDefaultsApply() {
        CtlSettings s = SettingsResolver.resolve(SettingsResolver.Flags.none(), dir.resolve("absent.yaml"));
        assertThat(s.url()).isEqualTo("tcp://127.0.0.1:1883");
        assertThat(s.base()).isEqualTo("conveyord/demo/edge-1");
        assertThat(s.defaultLine()).isEqualTo("line-1");
        assertThat(s.defaultPrinter()).isEqualTo("printer-1");
        assertThat(s.credentialsFile()).isNull();
        assertThat(s.tls()).isNull();
        assertThat(s.source()).isEqualTo("built-in default");
    }

    @Test
    void theSystemConfigGivesBrokerTlsCredentialsTopicRootAndFirstDevices() throws IOException {
        Path system = write("conveyord.yaml", BOX_CONFIG);
        CtlSettings s = SettingsResolver.resolve(SettingsResolver.Flags.none(), system);
        assertThat(s.url()).isEqualTo("ssl://broker.store.lan:8883");
        assertThat(s.isTls()).isTrue();
        assertThat(s.source()).isEqualTo(system.toString());
        assertThat(s.base()).isEqualTo("acme/sz-0421/edge-2");
        assertThat(s.credentialsFile()).isEqualTo("/run/credentials/conveyord.service/mqtt");
        assertThat(s.tls().ca()).isEqualTo("/etc/conveyord/ca.pem");
        assertThat(s.tls().cert()).isEqualTo("/etc/conveyord/client.pem");
        assertThat(s.tls().key()).isEqualTo("/etc/conveyord/client.key");
        assertThat(s.tls().verifyHostnameOrDefault()).isTrue();
        assertThat(s.defaultLine()).isEqualTo("sorter-line");
        assertThat(s.defaultPrinter()).isEqualTo("label-a");
    }

    @Test
    void flagsWinButBrokerKeepsTheConfigsTlsAndCredentials() throws IOException {
        Path system = write("conveyord.yaml", BOX_CONFIG);
        Path creds = write("mine", "op\nsecret\n");
        var flags = new SettingsResolver.Flags("ssl://10.1.1.1:8884", null, creds, "sz-9", "edge-7", "p");
        CtlSettings s = SettingsResolver.resolve(flags, system);
        assertThat(s.url()).isEqualTo("ssl://10.1.1.1:8884");
        assertThat(s.source()).isEqualTo("--broker");
        assertThat(s.base()).isEqualTo("p/sz-9/edge-7");
        assertThat(s.credentialsFile()).isEqualTo(creds.toString());
        assertThat(s.tls().ca()).isEqualTo("/etc/conveyord/ca.pem");
    }

    @Test
    void dashDashConfigReplacesTheSystemConfig() throws IOException {
        Path system = write("conveyord.yaml", BOX_CONFIG);
        Path other = write("other.yaml", "site: lab\nnode: bench-1\nmqtt: {url: tcp://10.2.2.2:1884}\n");
        CtlSettings s = SettingsResolver.resolve(new SettingsResolver.Flags(null, other, null, null, null, null), system);
        assertThat(s.url()).isEqualTo("tcp://10.2.2.2:1884");
        assertThat(s.base()).isEqualTo("conveyord/lab/bench-1");
        assertThat(s.tls()).isNull();
        assertThat(s.defaultLine()).as("no line in that config").isEqualTo("line-1");
    }

    @Test
    void aMissingDashDashConfigIsAnErrorNamingTheFile() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> SettingsResolver.resolve(new SettingsResolver.Flags(null, missing, null, null, null, null), missing))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    }

    @Test
    void anUnreadableConfigIsAnErrorWithFileAndLine() throws IOException {
        Path broken = write("broken.yaml", "site: a\nnode: b\nmqtt: {url: [tcp\n");
        assertThatThrownBy(() -> SettingsResolver.resolve(SettingsResolver.Flags.none(), broken))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining(broken + ":").hasMessageContaining("not valid YAML");
    }

    @Test
    void aBrokerUrlWithoutTcpOrSslIsRefused() {
        var flags = new SettingsResolver.Flags("mqtt://host:1883", null, null, null, null, null);
        assertThatThrownBy(() -> SettingsResolver.resolve(flags, dir.resolve("absent.yaml")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("mqtt://host:1883").hasMessageContaining("tcp:// or ssl://");
    }
}
