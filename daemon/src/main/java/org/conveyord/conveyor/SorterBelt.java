package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.config.LineConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Bags on the sorter belt, tracked by position, and the diverter timing for each. The belt never
 * accumulates: a bag's centre advances at belt speed while the belt runs. Each bag bound for a lane
 * gets its diverter fully out before the earliest moment its centre can reach the divert point and
 * keeps it out until the latest (belt slip widens the window), so the decision is robust without
 * a second eye. When the belt stops (stop, e-stop) positions freeze and timers are re-planned on
 * restart. Control thread only.
 */
final class SorterBelt {
    /** How far the measured speed of a bag on the sorter may differ from nominal (belt slip). */
    static final double SPEED_TOLERANCE = 0.07;
    /** Head start for a diverter beyond its actuation time: timers on a busy edge box run late. */
    static final long DIVERT_MARGIN_NANOS = LineConfig.DIVERT_HEAD_START_MS * 1_000_000L;

    static final class OnBelt {
        final TrackedBag bag;
        final DiverterState diverter;   // null: runs off the end into the run-out lane
        final double lengthM;
        double centreM;          // at refNanos
        long refNanos;
        ControlClock.Cancellable fire;
        ControlClock.Cancellable retract;
        boolean holding;         // this bag currently holds its diverter out
        boolean done;            // its divert window has passed

        OnBelt(TrackedBag bag, double centreM, DiverterState diverter, double lengthM) {
            this.bag = bag;
            this.centreM = centreM;
            this.diverter = diverter;
            this.lengthM = lengthM;
        }
    }

    final ArrayDeque<TrackedBag> incoming = new ArrayDeque<>();   // released by the last zone, not yet at the entry eye
    final List<OnBelt> belt = new ArrayList<>();

    /** Whether {@code b} is on the belt (by identity; an indexed loop: no iterator on the control path). */
    boolean carries(TrackedBag b) {
        for (int i = 0; i < belt.size(); i++) if (belt.get(i).bag == b) return true;
        return false;
    }
    TrackedBag atEntry;
    boolean entryBlocked;
    long entryRiseNanos;            // start of the current moving stretch while a bag covers the entry eye
    long entryCoveredNanos;         // belt-moving time the current bag has covered the eye before that stretch
    long lastTailNanos;
    boolean claimed;
    ZoneState claimant;
    boolean moving;
    long motorStartNanos;           // after a restart the belt waits until diverters are in position
    private static final long RAMP_ALLOWANCE_NANOS = 60_000_000L;
    private long haltedAt = -1;
    private final LineLoop loop;
    private final DoubleSupplier speed;

    SorterBelt(LineLoop loop, DoubleSupplier speed) {
        this.loop = loop;
        this.speed = speed;
    }

    /** How long the bag now leaving the entry eye covered it while the belt moved: its length / speed. */
    long entryCoverNanos(long fallNanos) {
        long t = entryCoveredNanos + (moving ? Math.max(0, fallNanos - entryRiseNanos) : 0);
        entryCoveredNanos = 0;
        return t;
    }

    void schedule(OnBelt ob, long refNanos) {
        ob.refNanos = refNanos;
        if (!moving || ob.diverter == null || ob.done) return;
        double v = speed.getAsDouble();
        double tol = SPEED_TOLERANCE;
        double toGo = ob.diverter.cfg.atM() - ob.centreM;
        long now = loop.clock().nanos();
        long early = refNanos + (long) (toGo / (v * (1 + tol)) * 1e9);
        long late = refNanos + (long) (toGo / (v * (1 - tol)) * 1e9);
        long fireAt = early - ob.diverter.cfg.actuationMsOrDefault() * 1_000_000L - DIVERT_MARGIN_NANOS;
        // the belt ramps up after a restart: the bag may run a little behind the plan
        long retractAt = late + DIVERT_MARGIN_NANOS + RAMP_ALLOWANCE_NANOS;
        if (retractAt <= now) {
            ob.done = true;
            return;
        }
        ob.fire = loop.after(Math.max(0, fireAt - now), () -> hold(ob));
        ob.retract = loop.after(retractAt - now, () -> release(ob));
    }

    private void hold(OnBelt ob) {
        if (ob.holding || ob.done || !moving) return;
        ob.holding = true;
        diverterHold(ob.diverter, true);
    }

    private void release(OnBelt ob) {
        if (ob.holding) {
            ob.holding = false;
            diverterHold(ob.diverter, false);
        }
        ob.done = true;
    }

    /** The belt stopped: freeze every position, cancel timers, pull diverters back. */
    void halt(long now) {
        if (!moving) return;
        moving = false;
        haltedAt = now;
        if (entryBlocked) entryCoveredNanos += Math.max(0, now - entryRiseNanos);
        double v = speed.getAsDouble();
        for (OnBelt ob : belt) {
            ob.centreM += v * Math.max(0, now - ob.refNanos) / 1e9;
            ob.refNanos = now;
            if (ob.fire != null) ob.fire.cancel();
            if (ob.retract != null) ob.retract.cancel();
            if (ob.holding) {
                ob.holding = false;
                diverterHold(ob.diverter, false);
            }
        }
    }

    /** The belt starts (again): re-plan every divert from the frozen positions. */
    void resume(long now) {
        if (moving) return;
        moving = true;
        // a bag that stopped close to its divert point needs its diverter out before the belt moves:
        // hold the belt for one actuation time so that the diverter is in position first
        long startAt = now;
        for (OnBelt ob : belt) {
            if (ob.diverter == null || ob.done) continue;
            double toGo = ob.diverter.cfg.atM() - ob.centreM;
            long lead = ob.diverter.cfg.actuationMsOrDefault() * 1_000_000L + DIVERT_MARGIN_NANOS;
            if ((long) (toGo / (speed.getAsDouble() * (1 + SPEED_TOLERANCE)) * 1e9) < lead) {
                startAt = Math.max(startAt, now + lead);
            }
        }
        motorStartNanos = startAt;
        long stoppedFor = haltedAt < 0 ? 0 : startAt - haltedAt;
        haltedAt = -1;
        if (entryBlocked) entryRiseNanos = startAt;
        for (OnBelt ob : belt) {
            // the time standing still does not count against the bag's deadline to reach its lane
            if (ob.bag.deadlineNanos > 0) ob.bag.deadlineNanos += stoppedFor;
            schedule(ob, startAt);
        }
        if (startAt > now) loop.after(startAt - now, loop::applyOutputs);
    }

    private void diverterHold(DiverterState d, boolean hold) {
        d.holds = Math.max(0, d.holds + (hold ? 1 : -1));
        loop.setMotion(d.out, d.holds > 0);
    }
}
