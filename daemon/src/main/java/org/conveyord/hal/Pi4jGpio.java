package org.conveyord.hal;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputConfig;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalOutputConfig;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeEvent;
import com.pi4j.io.gpio.digital.PullResistance;
import org.conveyord.config.PinConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@link Gpio} on a Pi4J context, whatever its provider (gpiod on hardware, our sim bridge, Pi4J's
 * mock). Everything above this class is the same code on a Pi and in CI.
 */
public final class Pi4jGpio implements Gpio {
    private static final Logger log = LoggerFactory.getLogger(Pi4jGpio.class);

    private final Context pi4j;
    private final String inputProvider;
    private final String outputProvider;
    private final BooleanSupplier connected;
    private final Runnable afterClose;
    private final List<DigitalOut> outputs = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService debounceTimer;
    private volatile boolean closed;

    public Pi4jGpio(Context pi4j, String inputProvider, String outputProvider, BooleanSupplier connected,
                    Runnable afterClose) {
        this.pi4j = pi4j;
        this.afterClose = afterClose;
        this.inputProvider = inputProvider;
        this.outputProvider = outputProvider;
        this.connected = connected;
        this.debounceTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpio-debounce");
            t.setDaemon(true);
            return t;
        });
    }

    public Context context() { return pi4j; }

    @Override
    public boolean connected() { return connected.getAsBoolean(); }

    @Override
    public DigitalIn input(String name, PinConfig pin, boolean normallyClosed) {
        try {
            DigitalInputConfig cfg = DigitalInput.newConfigBuilder(pi4j)
                    .id(name).name(name).address(pin.pin()).provider(inputProvider)
                    .pull(pull(pin.bias()))
                    .build();
            DigitalInput in = pi4j.create(cfg);
            return new DebouncedInput(name, pin, normallyClosed, in);
        } catch (RuntimeException e) {
            throw new GpioException("cannot claim input " + name + " on pin " + pin.pin() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Claims an output and drives it inactive. Claiming the same name and pin again returns the
     * output already claimed: the daemon claims every output inactive first, before the lines that
     * use them are built.
     */
    @Override
    public DigitalOut output(String name, PinConfig pin) {
        for (DigitalOut o : outputs) {
            if (o.name().equals(name) && o instanceof Output claimed && claimed.pin.equals(pin)) return o;
        }
        DigitalState inactive = pin.activeLow() ? DigitalState.HIGH : DigitalState.LOW;
        try {
            DigitalOutputConfig cfg = DigitalOutput.newConfigBuilder(pi4j)
                    .id(name).name(name).address(pin.pin()).provider(outputProvider)
                    .initial(inactive).shutdown(inactive)
                    .build();
            DigitalOutput out = pi4j.create(cfg);
            Output o = new Output(name, pin, out);
            o.set(false);
            outputs.add(o);
            return o;
        } catch (RuntimeException e) {
            throw new GpioException("cannot claim output " + name + " on pin " + pin.pin() + ": " + e.getMessage(), e);
        }
    }

    /** The board's own resistor for a bias; none for an external one or when the config does not say. */
    static PullResistance pull(PinConfig.Bias bias) {
        if (bias == null) return PullResistance.OFF;
        return switch (bias) {
            case PULL_UP -> PullResistance.PULL_UP;
            case PULL_DOWN -> PullResistance.PULL_DOWN;
            case EXTERNAL -> PullResistance.OFF;
        };
    }

    @Override
    public List<DigitalOut> outputs() { return List.copyOf(outputs); }

    @Override
    public void allOutputsOff() {
        for (DigitalOut o : outputs) {
            try {
                o.set(false);
            } catch (RuntimeException e) {
                log.error("could not switch off output {} (pin {}): {}", o.name(), o.pin(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        allOutputsOff();
        debounceTimer.shutdownNow();
        try {
            pi4j.shutdown();
        } catch (RuntimeException e) {
            log.warn("Pi4J shutdown: {}", e.getMessage());
        }
        afterClose.run();
    }

    private static final class Output implements DigitalOut {
        private final String name;
        private final PinConfig pin;
        private final DigitalOutput out;
        private volatile boolean active;

        Output(String name, PinConfig pin, DigitalOutput out) {
            this.name = name;
            this.pin = pin;
            this.out = out;
        }

        @Override public String name() { return name; }

        @Override public int pin() { return pin.pin(); }

        @Override
        public void set(boolean on) {
            active = on;
            out.state(on == pin.activeLevel() ? DigitalState.HIGH : DigitalState.LOW);
        }

        @Override public boolean isActive() { return active; }
    }

    /** Active edges pass at once; a release must hold for debounceMs (a flicker is absorbed). */
    private final class DebouncedInput implements DigitalIn {
        private final String name;
        private final PinConfig pin;
        private final boolean normallyClosed;
        private final DigitalInput in;
        private final List<EdgeListener> listeners = new CopyOnWriteArrayList<>();
        private final Object lock = new Object();
        private boolean reported;            // the debounced logical state, guarded by lock
        private ScheduledFuture<?> pendingRelease;

        DebouncedInput(String name, PinConfig pin, boolean normallyClosed, DigitalInput in) {
            this.name = name;
            this.pin = pin;
            this.normallyClosed = normallyClosed;
            this.in = in;
            // subscribe first, then read: a change in between is then both seen and read, never lost
            in.addListener(this::onChange);
            synchronized (lock) {
                this.reported = logical(in.state());
            }
        }

        private boolean logical(DigitalState s) {
            boolean atActiveLevel = (s == DigitalState.HIGH) == pin.activeLevel();
            return atActiveLevel != normallyClosed;
        }

        private void onChange(DigitalStateChangeEvent<?> e) {
            long nanos = e instanceof EdgeTimed t ? t.edgeNanos() : System.nanoTime();
            boolean active = logical(e.state());
            boolean fire = false;
            synchronized (lock) {
                if (active) {
                    if (pendingRelease != null) {
                        pendingRelease.cancel(false);   // flicker: the release never happened
                        pendingRelease = null;
                    }
                    if (!reported) {
                        reported = true;
                        fire = true;
                    }
                } else if (reported && pendingRelease == null) {
                    if (pin.debounceMs() == 0) {
                        reported = false;
                        fire = true;
                    } else {
                        pendingRelease = debounceTimer.schedule(() -> confirmRelease(nanos), pin.debounceMs(), TimeUnit.MILLISECONDS);
                    }
                }
            }
            if (fire) notifyListeners(active, nanos);
        }

        private void confirmRelease(long edgeNanos) {
            synchronized (lock) {
                if (pendingRelease == null) return;
                pendingRelease = null;
                if (logical(in.state())) return;
                reported = false;
            }
            notifyListeners(false, edgeNanos);
        }

        private void notifyListeners(boolean active, long nanos) {
            for (EdgeListener l : listeners) {
                try {
                    l.edge(active, nanos);
                } catch (RuntimeException ex) {
                    log.error("input {} listener failed: {}", name, ex.toString());
                }
            }
        }

        @Override public String name() { return name; }

        @Override public int pin() { return pin.pin(); }

        @Override
        public boolean isActive() {
            synchronized (lock) {
                return reported;
            }
        }

        @Override public boolean levelNow() { return logical(in.state()); }

        @Override public void listen(EdgeListener listener) { listeners.add(listener); }
    }
}
