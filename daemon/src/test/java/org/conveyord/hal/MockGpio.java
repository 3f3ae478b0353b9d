package org.conveyord.hal;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;

/**
 * Pi4J's mock plugin behind our {@link Gpio}: tests reach the pins with {@code MockDigitalInput.mockState}.
 * Test-only, so the plugin stays out of the daemon's jar.
 */
public final class MockGpio {
    private MockGpio() {}

    public static Pi4jGpio open() {
        Context ctx = Pi4J.newContextBuilder().noAutoDetect()
                .add(new MockPlatform())
                .add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance())
                .build();
        return new Pi4jGpio(ctx, MockDigitalInputProvider.ID, MockDigitalOutputProvider.ID, () -> true, () -> { });
    }
}
