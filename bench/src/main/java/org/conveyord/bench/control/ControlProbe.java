package org.conveyord.bench.control;

import org.conveyord.config.LineConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Records what the control benchmark measures; called from the generator thread (eye edges) and
 * from the control thread (outputs). The control-thread side allocates nothing.
 */
final class ControlProbe implements BenchGpio.OutputProbe {
    private final BenchLayout layout;
    private final long[] lastRise;
    private final boolean[] measure;
    final LatencySamples motor;
    final LatencySamples divert;
    private final List<ConcurrentLinkedQueue<long[]>> planned = new ArrayList<>();
    volatile BiConsumer<Integer, Long> onDivert = (l, n) -> { };
    /** When a motion output (zone motor, sorter, diverter) last went off. */
    final AtomicLong motionOff = new AtomicLong();

    ControlProbe(BenchLayout layout, int expectedSamples, int expectedBags) {
        this.layout = layout;
        lastRise = new long[layout.zones()];
        measure = new boolean[layout.zones()];
        motor = new LatencySamples(expectedSamples);
        divert = new LatencySamples(expectedBags);
        for (int i = 0; i <= layout.lanes(); i++) planned.add(new ConcurrentLinkedQueue<>());
    }

    private boolean stopped;

    /** A bag reached zone {@code zone}'s eye (generator thread, just before the edge is delivered). */
    synchronized void rise(int zone, long nanos, boolean measured) {
        if (stopped) return;
        lastRise[zone] = nanos;
        measure[zone] = measured;
    }

    /**
     * Ends the motor samples: the last bags meet no bag ahead, so their zones keep running, and
     * the next motor off (the e-stop presses) is no reaction to their eye.
     */
    synchronized void stopMotorSamples() {
        stopped = true;
        java.util.Arrays.fill(lastRise, 0);
    }

    /** The same plan the controller makes from the entry-eye tail edge (see SorterBelt#schedule). */
    void planDivert(int lane, long tailNanos, long coverNanos, boolean measured) {
        double speed = layout.speedMps();
        double length = coverNanos / 1e9 * speed;
        double centre = BenchLayout.ENTRY_EYE_AT + length / 2;
        long early = tailNanos + (long) ((layout.divertAt(lane) - centre) / (speed * 1.07) * 1e9);
        long fireAt = early - (BenchLayout.ACTUATION_MS + LineConfig.DIVERT_HEAD_START_MS) * 1_000_000L;
        planned.get(lane).add(new long[]{fireAt, measured ? 1 : 0});
    }

    @Override
    public void changed(int pin, boolean active, long nanos) {
        if (!active && (pin >= 1000 && pin < 2000 || pin >= 3000 && pin < 3200 && pin != 3001)) motionOff.set(nanos);
        if (pin >= 1000 && pin < 2000 && !active) {
            int z = pin - 1000;
            synchronized (this) {
                if (lastRise[z] != 0) {
                    if (measure[z]) motor.add(lastRise[z], nanos - lastRise[z]);
                    lastRise[z] = 0;
                }
            }
        } else if (pin > 3100 && pin < 3200 && active) {
            int lane = pin - 3100;
            long[] plan = planned.get(lane).poll();
            if (plan != null && plan[1] == 1) divert.add(plan[0], nanos - plan[0]);
            onDivert.accept(lane, nanos);
        }
    }
}
