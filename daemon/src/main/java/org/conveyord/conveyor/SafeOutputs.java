package org.conveyord.conveyor;

import org.conveyord.hal.DigitalOut;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The gate every motion output goes through. While the e-stop input is active nothing that moves
 * can be switched on, and {@link #estop()} switches everything that moves off at once from the
 * thread that saw the edge, without waiting for the control loop. One lock makes "check e-stop,
 * then switch on" atomic against the e-stop edge. Switching a motion output on also reads the
 * e-stop input's level at that moment: a press whose edge has not been handled yet (the GPIO
 * thread is a few microseconds, a loaded box some milliseconds, behind the contact) must not let a
 * motor be switched on under it.
 */
final class SafeOutputs {
    private final Object lock = new Object();
    private final List<DigitalOut> motion = new ArrayList<>();
    private final java.util.IdentityHashMap<DigitalOut, Integer> indexOf = new java.util.IdentityHashMap<>();
    private final boolean[] last;
    private boolean estop;
    private final BooleanSupplier pressedNow;

    /** @param pressedNow the e-stop input's level as read now (active = pressed), edge handled or not */
    SafeOutputs(List<DigitalOut> motionOutputs, BooleanSupplier pressedNow) {
        this.pressedNow = pressedNow;
        motion.addAll(motionOutputs);
        for (int i = 0; i < motion.size(); i++) indexOf.put(motion.get(i), i);
        last = new boolean[motion.size()];
    }

    /** Switches a motion output; refused (kept off) while the e-stop is active. Writes only on change. */
    void set(DigitalOut out, boolean on) {
        int index = indexOf.get(out);
        synchronized (lock) {
            boolean v = on && !estop;
            if (v && !last[index] && pressedNow.getAsBoolean()) v = false;   // pressed ahead of its edge
            if (last[index] != v) {
                out.set(v);
                last[index] = v;
            }
        }
    }

    /** Called from the GPIO thread at the e-stop edge. */
    void estop() {
        synchronized (lock) {
            estop = true;
            for (int i = 0; i < motion.size(); i++) {
                motion.get(i).set(false);
                last[i] = false;
            }
        }
    }

    /**
     * Re-opens the gate unless {@code stillPressed} says the input is active again. Asked inside
     * the lock: a press edge after the check takes the lock after us and closes the gate again, so
     * a release handled late never opens the gate under a pressed e-stop.
     *
     * @return whether the gate is open now
     */
    boolean estopReleasedUnless(BooleanSupplier stillPressed) {
        synchronized (lock) {
            if (stillPressed.getAsBoolean()) return false;
            estop = false;
            return true;
        }
    }

    /** Whether motion outputs may be switched on (the e-stop has not closed the gate). */
    boolean gateOpen() {
        synchronized (lock) {
            return !estop;
        }
    }

    void allOff() {
        synchronized (lock) {
            for (int i = 0; i < motion.size(); i++) {
                motion.get(i).set(false);
                last[i] = false;
            }
        }
    }
}
