package org.conveyord.hal.provider;

import org.conveyord.config.GpioConfig;
import org.conveyord.hal.GpioException;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GpioFactoryTest {

    /**
     * A start-up thread that is interrupted while waiting for the sim's input snapshot must not go on
     * and claim inputs that read low (the e-stop "pressed", latching the line for nothing).
     */
    @Test
    void anInterruptedWaitForTheSimSnapshotFailsInsteadOfStartingOnLowInputs() throws Exception {
        try (ServerSocket silentSim = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            GpioConfig cfg = new GpioConfig("sim", null, new GpioConfig.SimBridge("127.0.0.1", silentSim.getLocalPort()));
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> GpioFactory.open(cfg)).isInstanceOf(GpioException.class)
                        .hasMessageContaining("interrupted while waiting for the input snapshot");
            } finally {
                assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
            }
        }
    }
}
