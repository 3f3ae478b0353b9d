package org.conveyord.hal;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.PullResistance;
import org.conveyord.config.PinConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Pi4jGpio on Pi4J's mock plugin: the configured bias reaches the pin, outputs are claimed once. */
class Pi4jGpioTest {

    private static PullResistance pullOf(Pi4jGpio gpio, String name) {
        return gpio.context().registry().get(name, DigitalInput.class).config().pull();
    }

    @Test
    void eachBiasBecomesThePinsPullResistor() {
        try (Pi4jGpio gpio = MockGpio.open()) {
            gpio.input("estop", new PinConfig(4, false, 50, PinConfig.Bias.PULL_DOWN), true);
            gpio.input("reset", new PinConfig(13, true, 0, PinConfig.Bias.PULL_UP), false);
            gpio.input("wired", new PinConfig(14, false, 0, PinConfig.Bias.EXTERNAL), true);
            gpio.input("unsaid", new PinConfig(15, false, 0), false);
            assertThat(pullOf(gpio, "estop")).isEqualTo(PullResistance.PULL_DOWN);
            assertThat(pullOf(gpio, "reset")).isEqualTo(PullResistance.PULL_UP);
            assertThat(pullOf(gpio, "wired")).as("a resistor in the wiring: the board adds none").isEqualTo(PullResistance.OFF);
            assertThat(pullOf(gpio, "unsaid")).isEqualTo(PullResistance.OFF);
        }
    }

    @Test
    void anOutputClaimedInactiveAtStartUpIsTheOneTheLineGetsLater() {
        try (Pi4jGpio gpio = MockGpio.open()) {
            PinConfig motor = new PinConfig(100, true, 0);
            DigitalOut early = gpio.output("line-1.p1.motor", motor);
            assertThat(early.isActive()).isFalse();
            DigitalOut later = gpio.output("line-1.p1.motor", motor);
            assertThat(later).isSameAs(early);
            assertThat(gpio.outputs()).containsExactly(early);
        }
    }
}
