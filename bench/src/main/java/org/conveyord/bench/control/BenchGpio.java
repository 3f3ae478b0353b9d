package org.conveyord.bench.control;

import org.conveyord.config.PinConfig;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.EdgeListener;
import org.conveyord.hal.Gpio;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * GPIO for the benchmark: inputs are driven by the load generator, outputs report each change with
 * its {@link System#nanoTime()} to a probe. No debounce (the generator produces clean edges).
 */
final class BenchGpio implements Gpio {

    interface OutputProbe {
        void changed(int pin, boolean active, long nanos);
    }

    private final Map<Integer, Input> inputs = new ConcurrentHashMap<>();
    private final List<DigitalOut> outputs = new CopyOnWriteArrayList<>();
    private final OutputProbe probe;

    BenchGpio(OutputProbe probe) {
        this.probe = probe;
    }

    /** The generator's edge, on the caller's thread (as Pi4J delivers edges on its own thread). */
    void edge(int pin, boolean active, long nanos) {
        Input in = inputs.get(pin);
        if (in == null) return;
        in.active = active;
        for (EdgeListener l : in.listeners) l.edge(active, nanos);
    }

    @Override
    public DigitalIn input(String name, PinConfig pin, boolean normallyClosed) {
        Input in = new Input(name, pin.pin(), normallyClosed);
        inputs.put(pin.pin(), in);
        return in;
    }

    @Override
    public DigitalOut output(String name, PinConfig pin) {
        Output o = new Output(name, pin.pin());
        outputs.add(o);
        return o;
    }

    @Override public List<DigitalOut> outputs() { return List.copyOf(outputs); }

    @Override public void allOutputsOff() { outputs.forEach(o -> o.set(false)); }

    @Override public void close() { allOutputsOff(); }

    private static final class Input implements DigitalIn {
        final String name;
        final int pin;
        final List<EdgeListener> listeners = new CopyOnWriteArrayList<>();
        volatile boolean active;

        Input(String name, int pin, boolean normallyClosed) {
            this.name = name;
            this.pin = pin;
        }

        @Override public String name() { return name; }

        @Override public int pin() { return pin; }

        @Override public boolean isActive() { return active; }

        @Override public void listen(EdgeListener listener) { listeners.add(listener); }
    }

    private final class Output implements DigitalOut {
        final String name;
        final int pin;
        volatile boolean active;

        Output(String name, int pin) {
            this.name = name;
            this.pin = pin;
        }

        @Override public String name() { return name; }

        @Override public int pin() { return pin; }

        @Override
        public void set(boolean on) {
            long now = System.nanoTime();
            if (on != active) {
                active = on;
                probe.changed(pin, on, now);
            }
        }

        @Override public boolean isActive() { return active; }
    }
}
