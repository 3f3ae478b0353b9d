package org.conveyord.hal;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputConfig;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.gpio.digital.PullResistance;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProviderImpl;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
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

    @Test
    void aChangeBetweenClaimingAnInputAndSubscribingToItIsNotLost() {
        // the provider hook: the pin goes active while the HAL subscribes, before its listener is attached
        Context ctx = Pi4J.newContextBuilder().noAutoDetect()
                .add(new MockPlatform())
                .add(new ChangesWhileSubscribing(), MockDigitalOutputProvider.newInstance())
                .build();
        try (Pi4jGpio gpio = new Pi4jGpio(ctx, MockDigitalInputProvider.ID, MockDigitalOutputProvider.ID, () -> true, () -> { })) {
            DigitalIn in = gpio.input("line-1.button.start", new PinConfig(5, false, 0), false);
            assertThat(in.levelNow()).isTrue();
            assertThat(in.isActive()).as("the debounced level after a change during the subscription").isTrue();
        }
    }

    /** Pi4J's mock input provider whose inputs go high inside addListener, before the listener is added. */
    private static final class ChangesWhileSubscribing extends MockDigitalInputProviderImpl {
        @Override
        public DigitalInput create(DigitalInputConfig config) {
            MockDigitalInput in = new MockDigitalInput(this, config) {
                @Override
                public DigitalInput addListener(DigitalStateChangeListener... listener) {
                    mockState(DigitalState.HIGH);
                    return super.addListener(listener);
                }
            };
            context.registry().add(in);
            return in;
        }
    }
}
