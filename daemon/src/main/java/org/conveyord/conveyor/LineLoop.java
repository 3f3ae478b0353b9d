package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.hal.DigitalOut;

/**
 * What the parts of a line (jams, stations, sorter, lanes, check-weigh) need from its control
 * loop, and nothing more: each part keeps its own state and reaches the others' only through the
 * loop's recomputation of the outputs. Control thread only, except {@link #post}.
 */
interface LineLoop {

    ControlClock clock();

    /** Runs {@code task} on the control thread after {@code delayNanos}, guarded like every step. */
    ControlClock.Cancellable after(long delayNanos, Runnable task);

    /** Hands something from another thread (a scale's answer, a scanner read) to the control thread. */
    void post(Runnable task);

    /** Recomputes every motor: zero-pressure accumulation and the sorter belt. */
    void applyOutputs();

    /** Switches a motion output through the e-stop gate. */
    void setMotion(DigitalOut out, boolean on);

    /** The line's state changed: published once the current step has been mirrored. */
    void changed();

    /** Orders or lane reservations changed: saved for the next start. */
    void persist();

    /** The line runs (not starting, not draining, not stopped). */
    boolean running();

    boolean estopActive();

    /** Sounds the horn, or silences it unless a start warning needs it. */
    void jamHorn(boolean on);

    /** Latches {@code fault} (red light, status) until a reset; a fault already latched stays once. */
    void fault(String fault);

    boolean hasFault(String fault);

    /** Something no zone released reached {@code where}: a fault, and an unknown item bound for exception. */
    TrackedBag unexpectedItem(String where);
}
