package org.conveyord.hal.sim;

import com.pi4j.io.exception.IOException;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalOutputBase;
import com.pi4j.io.gpio.digital.DigitalOutputConfig;
import com.pi4j.io.gpio.digital.DigitalOutputProviderBase;
import com.pi4j.io.gpio.digital.DigitalState;

/** Pi4J output provider whose pins live in device-sim, reached over {@link SimGpioBridgeClient}. */
public final class SimDigitalOutputProvider extends DigitalOutputProviderBase {
    public static final String ID = "conveyord-sim-digital-output";

    private final SimGpioBridgeClient bridge;

    public SimDigitalOutputProvider(SimGpioBridgeClient bridge) {
        super(ID, "device-sim digital output");
        this.bridge = bridge;
    }

    @Override
    public int getPriority() { return 2000; }

    @Override
    public DigitalOutput create(DigitalOutputConfig config) {
        SimOutput out = new SimOutput(this, config, bridge);
        context.registry().add(out);
        return out;
    }

    static final class SimOutput extends DigitalOutputBase {
        private final SimGpioBridgeClient bridge;

        SimOutput(SimDigitalOutputProvider provider, DigitalOutputConfig config, SimGpioBridgeClient bridge) {
            super(provider, config);
            this.bridge = bridge;
        }

        @Override
        public DigitalOutput state(DigitalState state) throws IOException {
            bridge.writeOutput(config.address(), state == DigitalState.HIGH);
            return super.state(state);
        }
    }
}
