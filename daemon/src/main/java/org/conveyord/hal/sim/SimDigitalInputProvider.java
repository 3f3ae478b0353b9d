package org.conveyord.hal.sim;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputBase;
import com.pi4j.io.gpio.digital.DigitalInputConfig;
import com.pi4j.io.gpio.digital.DigitalInputProviderBase;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeEvent;
import org.conveyord.hal.EdgeTimed;

/** Pi4J input provider whose pins live in device-sim, reached over {@link SimGpioBridgeClient}. */
public final class SimDigitalInputProvider extends DigitalInputProviderBase {
    public static final String ID = "conveyord-sim-digital-input";

    private final SimGpioBridgeClient bridge;

    public SimDigitalInputProvider(SimGpioBridgeClient bridge) {
        super(ID, "device-sim digital input");
        this.bridge = bridge;
    }

    @Override
    public int getPriority() { return 2000; }

    @Override
    public DigitalInput create(DigitalInputConfig config) {
        SimInput in = new SimInput(this, config, bridge);
        context.registry().add(in);
        return in;
    }

    static final class SimInput extends DigitalInputBase {
        private final SimGpioBridgeClient bridge;
        private final int pin;

        SimInput(SimDigitalInputProvider provider, DigitalInputConfig config, SimGpioBridgeClient bridge) {
            super(provider, config);
            this.bridge = bridge;
            this.pin = config.address();
            bridge.registerInput(pin, (p, high, nanos) ->
                    dispatch(new TimedEvent(this, high ? DigitalState.HIGH : DigitalState.LOW, nanos)));
        }

        @Override
        public DigitalState state() {
            return bridge.inputLevel(pin) ? DigitalState.HIGH : DigitalState.LOW;
        }
    }

    static final class TimedEvent extends DigitalStateChangeEvent<DigitalInput> implements EdgeTimed {
        private final long nanos;

        TimedEvent(DigitalInput source, DigitalState state, long nanos) {
            super(source, state);
            this.nanos = nanos;
        }

        @Override
        public long edgeNanos() { return nanos; }
    }
}
