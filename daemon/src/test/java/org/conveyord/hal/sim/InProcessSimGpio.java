package org.conveyord.hal.sim;

import org.conveyord.clock.ControlClock;
import org.conveyord.config.PinConfig;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.EdgeListener;
import org.conveyord.hal.Gpio;
import org.conveyord.sim.physics.LineWorld;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * GPIO wired straight to a simulated line in the same process, on the line's own clock: for running
 * the line faster than real time (property tests, long scenarios). Semantics match {@code Pi4jGpio}:
 * logical levels, activeLow, normally-closed inputs, releases debounced by the pin's debounceMs.
 * Input changes are delivered by {@link #deliver(int, boolean, long)}, which the owner calls after
 * each physics tick (never from inside the world's lock).
 */
public final class InProcessSimGpio implements Gpio {
    private final LineWorld world;
    private final ControlClock clock;
    private final List<DigitalOut> outputs = new CopyOnWriteArrayList<>();
    private final Map<Integer, List<Input>> inputs = new HashMap<>();

    public InProcessSimGpio(LineWorld world, ControlClock clock) {
        this.world = world;
        this.clock = clock;
    }

    /** A physical input level changed in the world. */
    public void deliver(int pin, boolean high, long nanos) {
        for (Input in : inputs.getOrDefault(pin, List.of())) in.level(high, nanos);
    }

    @Override
    public DigitalIn input(String name, PinConfig pin, boolean normallyClosed) {
        Input in = new Input(name, pin, normallyClosed, world.input(pin.pin()));
        inputs.computeIfAbsent(pin.pin(), k -> new ArrayList<>()).add(in);
        return in;
    }

    @Override
    public DigitalOut output(String name, PinConfig pin) {
        Output o = new Output(name, pin);
        o.set(false);
        outputs.add(o);
        return o;
    }

    @Override public List<DigitalOut> outputs() { return List.copyOf(outputs); }

    @Override public void allOutputsOff() { outputs.forEach(o -> o.set(false)); }

    @Override public void close() { allOutputsOff(); }

    private final class Output implements DigitalOut {
        private final String name;
        private final PinConfig pin;
        private boolean active;

        Output(String name, PinConfig pin) {
            this.name = name;
            this.pin = pin;
        }

        @Override public String name() { return name; }

        @Override public int pin() { return pin.pin(); }

        @Override
        public void set(boolean on) {
            active = on;
            world.setOutput(pin.pin(), on == pin.activeLevel());
        }

        @Override public boolean isActive() { return active; }
    }

    private final class Input implements DigitalIn {
        private final String name;
        private final PinConfig pin;
        private final boolean normallyClosed;
        private final List<EdgeListener> listeners = new CopyOnWriteArrayList<>();
        private boolean raw;
        private boolean reported;
        private ControlClock.Cancellable pendingRelease;

        Input(String name, PinConfig pin, boolean normallyClosed, boolean high) {
            this.name = name;
            this.pin = pin;
            this.normallyClosed = normallyClosed;
            this.raw = logical(high);
            this.reported = raw;
        }

        private boolean logical(boolean high) {
            return (high == pin.activeLevel()) != normallyClosed;
        }

        void level(boolean high, long nanos) {
            raw = logical(high);
            if (raw) {
                if (pendingRelease != null) {
                    pendingRelease.cancel();
                    pendingRelease = null;
                }
                if (!reported) {
                    reported = true;
                    listeners.forEach(l -> l.edge(true, nanos));
                }
            } else if (reported && pendingRelease == null) {
                if (pin.debounceMs() == 0) {
                    reported = false;
                    listeners.forEach(l -> l.edge(false, nanos));
                } else {
                    pendingRelease = clock.schedule(() -> {
                        pendingRelease = null;
                        if (!raw) {
                            reported = false;
                            listeners.forEach(l -> l.edge(false, nanos));
                        }
                    }, pin.debounceMs() * 1_000_000L);
                }
            }
        }

        @Override public String name() { return name; }

        @Override public int pin() { return pin.pin(); }

        @Override public boolean isActive() { return reported; }

        @Override public boolean levelNow() { return raw; }

        @Override public void listen(EdgeListener listener) { listeners.add(listener); }
    }
}
