package org.conveyord.conveyor;

import org.conveyord.config.PinConfig;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.Gpio;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The board's I/O as the line claimed it: every input and output by name, for maintenance mode's
 * I/O panel. Passes each claim on unchanged (the same pin objects), so nothing else sees a difference.
 */
final class IoInventory implements Gpio {
    private final Gpio gpio;
    private final Map<String, DigitalIn> inputs = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, DigitalOut> outputs = Collections.synchronizedMap(new LinkedHashMap<>());

    IoInventory(Gpio gpio) {
        this.gpio = gpio;
    }

    @Override
    public DigitalIn input(String name, PinConfig pin, boolean normallyClosed) {
        DigitalIn in = gpio.input(name, pin, normallyClosed);
        inputs.put(name, in);
        return in;
    }

    @Override
    public DigitalOut output(String name, PinConfig pin) {
        DigitalOut out = gpio.output(name, pin);
        outputs.put(name, out);
        return out;
    }

    /** Every input claimed so far, by its full name ({@code <line>.<what>}), in claiming order. */
    Map<String, DigitalIn> inputs() {
        synchronized (inputs) { return new LinkedHashMap<>(inputs); }
    }

    /** Every output claimed so far, by its full name, in claiming order. */
    Map<String, DigitalOut> claimedOutputs() {
        synchronized (outputs) { return new LinkedHashMap<>(outputs); }
    }

    @Override public List<DigitalOut> outputs() { return gpio.outputs(); }

    @Override public void allOutputsOff() { gpio.allOutputsOff(); }

    @Override public boolean connected() { return gpio.connected(); }

    @Override public void close() { gpio.close(); }
}
