package org.conveyord.conveyor;

import org.conveyord.clock.VirtualControlClock;
import org.conveyord.config.LineConfig;
import org.conveyord.device.Device;
import org.conveyord.hal.sim.InProcessSimGpio;
import org.conveyord.sim.physics.LineWorld;
import org.conveyord.sim.physics.SimSettings;
import org.conveyord.sim.physics.WorldListener;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The real {@link LineController} driving device-sim's {@link LineWorld} in one thread on one
 * virtual clock: minutes of line time run in a fraction of a second, and a run is repeatable.
 * Each physics tick (5 ms) the world moves, then the input edges it produced reach the controller
 * (as they would over the GPIO), then the controller runs whatever is due.
 */
final class VirtualLineRig implements AutoCloseable {
    static final long TICK = 5_000_000L;

    VirtualControlClock clock = new VirtualControlClock(1_000_000_000L);
    final LineWorld world;
    InProcessSimGpio gpio;
    LineController line;
    final RecordingEvents events = new RecordingEvents();
    private final LineConfig cfg;
    private final java.nio.file.Path stateFile;
    private LinePeripherals peripherals;
    final List<String> labels = new ArrayList<>();
    /** Told of every state change, as the MQTT gateway is; a test may replace it before the first step. */
    Device.StateListener stateListener = id -> { };
    private final ArrayDeque<long[]> edges = new ArrayDeque<>();
    private final ArrayDeque<long[]> laggingEstopEdges = new ArrayDeque<>();
    /** How long an e-stop edge takes to reach the controller (a busy GPIO thread); it keeps its own timestamp. */
    long estopLagNanos;
    private final ArrayDeque<long[]> laggingEdges = new ArrayDeque<>();
    /**
     * How long every other input edge (eyes, buttons) takes to reach the controller: a busy GPIO
     * thread, a control loop still loading classes. Each edge keeps its own timestamp.
     */
    long inputLagNanos;
    private final ArrayDeque<String[]> scans = new ArrayDeque<>();
    private final List<Object[]> stableRequests = new ArrayList<>();
    private final Map<String, List<LinePeripherals.ScanHandler>> scanHandlers = new HashMap<>();

    VirtualLineRig(LineConfig cfg, SimSettings settings) {
        this(cfg, settings, null);
    }

    VirtualLineRig(LineConfig cfg, SimSettings settings, java.nio.file.Path stateFile) {
        this.cfg = cfg;
        this.stateFile = stateFile;
        world = new LineWorld("line-1", cfg, settings, () -> clock.nanos());
        world.setListener(new WorldListener() {
            // called inside the world's lock: queue, deliver after the tick
            @Override public void inputChanged(int pin, boolean high, long nanos) { edges.add(new long[]{pin, high ? 1 : 0, nanos}); }

            @Override public void scanned(String scanner, String code) { scans.add(new String[]{scanner, code}); }
        });
        peripherals = new LinePeripherals() {
            @Override
            public void onScan(String scannerId, ScanHandler handler) {
                scanHandlers.computeIfAbsent(scannerId, k -> new ArrayList<>()).add(handler);
            }

            @Override
            public CompletionStage<Reading> weigh(String scaleId) {
                var load = world.scaleLoad(scaleId);
                return CompletableFuture.completedFuture(new Reading(load.grams(), !load.moving()));
            }

            /** As a scale's S command: answers once nothing on the scale moves. */
            @Override
            public CompletionStage<Reading> weighStable(String scaleId) {
                CompletableFuture<Reading> f = new CompletableFuture<>();
                stableRequests.add(new Object[]{scaleId, f});
                return f;
            }

            @Override
            public void printBagLabel(String printerId, String order, String bag, String lane, String cmdId) {
                labels.add("label-" + bag);
            }
        };
        startController();
    }

    private void startController() {
        gpio = new InProcessSimGpio(world, clock);
        line = new LineController("line-1", cfg, gpio, peripherals, events, id -> stateListener.stateChanged(id), clock, stateFile);
        line.start();
        step();
    }

    /**
     * The daemon goes away and comes back on the same state file while the line stands as it is
     * (its outputs off: after a real crash systemd runs --safe-outputs). Scanner registrations of
     * the old controller are dropped with it.
     */
    void restartController() {
        line.flushed().join();
        line.close();
        scanHandlers.clear();
        clock = new VirtualControlClock(clock.nanos());
        startController();
    }

    /** One physics tick, then the edges reach the controller, then the controller catches up. */
    void step() {
        world.tick();
        int estopPin = cfg.estop() == null ? -1 : cfg.estop().pin();
        while (!edges.isEmpty()) {
            long[] e = edges.poll();
            if (estopLagNanos > 0 && e[0] == estopPin) laggingEstopEdges.add(e);
            else if (inputLagNanos > 0 && e[0] != estopPin) laggingEdges.add(e);
            else gpio.deliver((int) e[0], e[1] == 1, e[2]);
        }
        while (!laggingEdges.isEmpty() && laggingEdges.peek()[2] + inputLagNanos <= clock.nanos()) {
            long[] e = laggingEdges.poll();
            gpio.deliver((int) e[0], e[1] == 1, e[2]);
        }
        while (!laggingEstopEdges.isEmpty() && laggingEstopEdges.peek()[2] + estopLagNanos <= clock.nanos()) {
            long[] e = laggingEstopEdges.poll();
            gpio.deliver((int) e[0], e[1] == 1, e[2]);
        }
        while (!scans.isEmpty()) {
            String[] s = scans.poll();
            for (var h : scanHandlers.getOrDefault(s[0], List.of())) h.scanned(s[1], clock.nanos());
        }
        for (var it = stableRequests.iterator(); it.hasNext(); ) {
            Object[] r = it.next();
            var load = world.scaleLoad((String) r[0]);
            if (!load.moving()) {
                it.remove();
                @SuppressWarnings("unchecked") var f = (CompletableFuture<LinePeripherals.Reading>) r[1];
                f.complete(new LinePeripherals.Reading(load.grams(), true));
            }
        }
        clock.advanceTo(clock.nanos() + TICK);
    }

    void runFor(double seconds) {
        long end = clock.nanos() + (long) (seconds * 1e9);
        while (clock.nanos() < end) step();
    }

    /** Runs until {@code done} holds or the time is up; true if it held. */
    boolean runUntil(java.util.function.BooleanSupplier done, double maxSeconds) {
        long end = clock.nanos() + (long) (maxSeconds * 1e9);
        while (clock.nanos() < end) {
            step();
            if (done.getAsBoolean()) return true;
        }
        return false;
    }

    org.conveyord.device.CommandResult command(java.util.function.Supplier<org.conveyord.device.CommandResult> action) {
        var f = line.call(action);
        clock.advanceTo(clock.nanos());
        return f.getNow(null);
    }

    @Override
    public void close() {
        line.close();
    }
}
