package org.conveyord.ctl;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** The exit codes that need no daemon: no broker (3) and bad usage (2). */
class ExitCodesTest {

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aBrokerPortNobodyListensOnExitsThreeNamingTheBroker() throws IOException {
        String url = "tcp://127.0.0.1:" + closedPort();
        CtlRun r = CtlRun.of("--broker", url, "ping");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("cannot connect to the MQTT broker at " + url).contains("from --broker");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badUsageExitsTwo() {
        assertThat(CtlRun.of("fly").code()).isEqualTo(2);
        CtlRun noBags = CtlRun.of("order", "O-1");
        assertThat(noBags.code()).isEqualTo(2);
        assertThat(noBags.err()).contains("BAG");
        CtlRun maintenance = CtlRun.of("maintenance", "maybe");
        assertThat(maintenance.code()).isEqualTo(2);
        assertThat(maintenance.err()).contains("maintenance takes on or off");
        assertThat(CtlRun.of("speed", "fast").code()).isEqualTo(2);
        assertThat(CtlRun.of("order", "O-1", "B-1=heavy").err()).contains("weight in grams");
        assertThat(CtlRun.of("print").err()).contains("--field");
        assertThat(CtlRun.of("--timeout", "0", "ping").code()).isEqualTo(2);
        assertThat(CtlRun.of().code()).as("no command").isEqualTo(2);
    }

    @Test
    void unusableSettingsExitTwoBeforeAnyConnection() {
        CtlRun r = CtlRun.of("--config", "/nonexistent/conveyord.yaml", "ping");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("/nonexistent/conveyord.yaml").contains("does not exist");
        CtlRun tls = CtlRun.of("--broker", "ssl://127.0.0.1:8883", "ping");
        assertThat(tls.code()).isEqualTo(2);
        assertThat(tls.err()).contains("mqtt.tls.ca");
    }
}
