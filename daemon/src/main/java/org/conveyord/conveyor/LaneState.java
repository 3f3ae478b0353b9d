package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalIn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** A lane (or the exception lane) at run time. Owned by the control thread. */
final class LaneState {
    static final int CALIBRATED_AFTER = 5;
    private static final long WINDOW_JITTER_NANOS = 150_000_000L;

    final LineConfig.Lane cfg;
    final String id;
    final DigitalIn eye;
    final DigitalIn fullEye;        // may be null
    final ArrayDeque<TrackedBag> inFlight = new ArrayDeque<>();   // diverted, not yet seen at the lane eye
    final List<String> bags = new ArrayList<>();                  // arrived, waiting for collect
    String order;                   // reserved for this order until collect
    boolean fullEyeActive;
    boolean check;                  // a bag arrived outside every window: staff must look (confirm or collect)
    long transitEwmaNanos;          // sorter entry (tail) to this lane's eye, from undisturbed trips
    int transitSamples;

    LaneState(LineConfig.Lane cfg, DigitalIn eye, DigitalIn fullEye) {
        this.cfg = cfg;
        this.id = cfg.id();
        this.eye = eye;
        this.fullEye = fullEye;
    }

    /** Notes when a bag just routed here left the sorter's entry eye, and the earliest it can be at the lane eye. */
    void expect(TrackedBag b, long tailNanos, long earliestNominalNanos) {
        b.routedNanos = tailNanos;
        b.routedDeadline = b.deadlineNanos;
        b.windowLoosened = false;
        b.earliestNanos = earliestNominalNanos;
    }

    /**
     * Whether the lane eye may name {@code b} at {@code nanos}. Before {@value #CALIBRATED_AFTER}
     * measured trips: from the earliest it can pass its divert point (belt at its fastest) up to its
     * deadline. Then, like the zones' transit calibration but tighter on purpose, because the window
     * names the bag: the measured transit, plus or minus the belt's slip over it both ways and a
     * little. A stop or a speed change only delays or hurries a bag on its way: then the nominal
     * window again, up to its (moved) deadline.
     */
    boolean inWindow(TrackedBag b, long nanos) {
        long earliest = b.earliestNanos;
        long latest = b.deadlineNanos;
        boolean undisturbed = !b.windowLoosened && b.deadlineNanos == b.routedDeadline;
        if (undisturbed && calibrated()) {
            long slack = windowSlackNanos();
            earliest = Math.max(earliest, b.routedNanos + transitEwmaNanos - slack);
            latest = Math.min(latest, b.routedNanos + transitEwmaNanos + slack);
        }
        return nanos >= earliest && (b.deadlineNanos <= 0 || nanos <= latest);
    }

    /** A bag named at the eye: an undisturbed trip calibrates the lane's window. */
    void arrived(TrackedBag b, long nanos) {
        if (b.windowLoosened || b.deadlineNanos != b.routedDeadline) return;
        long sample = nanos - b.routedNanos;
        transitEwmaNanos = transitSamples == 0 ? sample : (long) (0.8 * transitEwmaNanos + 0.2 * sample);
        transitSamples++;
    }

    /** Transits at the old speed no longer hold; bags already on their way may arrive any time before their deadline. */
    void speedChanged() {
        transitSamples = 0;
        for (int k = 0, n = inFlight.size(); k < n; k++) {
            TrackedBag b = inFlight.pollFirst();
            b.windowLoosened = true;
            b.earliestNanos = 0;
            inFlight.addLast(b);
        }
    }

    boolean calibrated() { return transitSamples >= CALIBRATED_AFTER; }

    /** Half the window's width: belt slip both ways over the whole transit, plus the eye's and the tick's jitter. */
    long windowSlackNanos() {
        return (long) (2 * SorterBelt.SPEED_TOLERANCE * transitEwmaNanos) + WINDOW_JITTER_NANOS;
    }

    boolean full() {
        return fullEyeActive || bags.size() + inFlight.size() >= cfg.capacityOrDefault();
    }
}
