package org.conveyord.sim.physics;

import java.util.HashSet;
import java.util.Set;

/**
 * Judges motor starts against the rule "no motion after a latched stop without the horn having
 * sounded for at least 1 s just before it" with what the simulator can see:
 * <ul>
 *   <li>the whole line is latched while the e-stop is pressed, after it has been pressed, after
 *       every motor has stood still for {@link #ALL_OFF_LATCH_NANOS} (a {@code stop}, a failure,
 *       a line that never ran), until a motor starts again: that first start is judged;</li>
 *   <li>one zone is latched when its motor goes off while its bag is stuck (a jam the simulator
 *       made) and the stop cannot be accumulation: nothing at its eye, or nothing downstream to
 *       wait for; its next start is judged;</li>
 *   <li>a start is warned when the horn has sounded for 1 s and still sounds, or sounded for 1 s
 *       and stopped at most {@link #HORN_TO_MOTION_NANOS} before (the jam retry pauses after its
 *       horn: a hand in the jam gets time to come out). Horn time with the e-stop pressed does
 *       not count.</li>
 * </ul>
 * Accumulation stops and starts of a running line are never latched. Owned by {@link LineWorld},
 * under its lock.
 */
final class RestartWatch {
    static final long HORN_NANOS = 1_000_000_000L;
    static final long HORN_TO_MOTION_NANOS = 1_500_000_000L;
    /** Shorter all-off moments happen on a running line (the sorter waits for a diverter after a speed change). */
    static final long ALL_OFF_LATCH_NANOS = 500_000_000L;

    private final Set<Integer> latchedZones = new HashSet<>();
    private boolean lineLatched;
    private long allOffSince;                // a line that never ran has stood still since the start
    private boolean hornOn;
    private long hornCountedSince = -1;      // -1: silent, or sounding while the e-stop is pressed
    private long lastHornLength;
    private long lastHornEnd;

    RestartWatch(long now) {
        allOffSince = now;
    }

    void estop(boolean pressed, long now) {
        if (pressed) {
            lineLatched = true;
            hornCountedSince = -1;
            lastHornLength = 0;
        } else if (hornOn) {
            hornCountedSince = now;
        }
    }

    void horn(boolean on, long now, boolean estopPressed) {
        if (on == hornOn) return;
        hornOn = on;
        if (on) {
            hornCountedSince = estopPressed ? -1 : now;
        } else {
            lastHornLength = hornCountedSince < 0 ? 0 : now - hornCountedSince;
            lastHornEnd = now;
            hornCountedSince = -1;
        }
    }

    /** A motor went off; {@code zoneLatched}: a zone stopped with its bag stuck, not for accumulation. */
    void motorOff(int pin, boolean zoneLatched, boolean allOff, long now) {
        if (zoneLatched) latchedZones.add(pin);
        if (allOff) allOffSince = now;
    }

    /** A motor started: true if it started after a latched stop without the warning. */
    boolean motorOnIsUnexpected(int pin, boolean othersOff, long now) {
        boolean judged = latchedZones.remove(pin);
        if (othersOff && allOffSince >= 0 && now - allOffSince >= ALL_OFF_LATCH_NANOS) lineLatched = true;
        if (lineLatched) {
            judged = true;
            lineLatched = false;
        }
        allOffSince = -1;
        return judged && !warned(now);
    }

    private boolean warned(long now) {
        if (hornOn && hornCountedSince >= 0 && now - hornCountedSince >= HORN_NANOS) return true;
        return lastHornLength >= HORN_NANOS && now - lastHornEnd <= HORN_TO_MOTION_NANOS;
    }
}
