package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.config.LineConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Bags on the sorter belt and the diverter timing for each. The belt never accumulates, but the
 * daemon cannot see a bag between the entry eye and its lane: it knows only that the bag moves at
 * belt speed within the slip tolerance. So each bag's centre is an interval {@code [min, max]}:
 * {@code min} advances at v·(1−tol) and not at all during the drive's start ramp, {@code max} at
 * v·(1+tol) from the moment the motor is switched on, and a stop adds the belt's coast to
 * {@code max}. It starts from the bag's length, known only from the time it covered the entry eye:
 * at v·(1+tol) for {@code max}, and for {@code min} only the time after the start ramp (a bag that
 * crossed the eye while the belt ramped up is shorter than the nominal speed makes it). A bag's
 * diverter is fully out before {@code max} can reach the divert point and stays out until
 * {@code min} has passed it.
 *
 * <p>When the belt stops, every interval freezes at the stop's own timestamp (the e-stop's input edge,
 * not the moment the control thread handles it) and timers are re-planned on restart. A bag that may
 * straddle its divert point without its diverter having been fully out, or whose divert window would
 * overlap another bag's passing of the same diverter, is not fired: it is handed to
 * {@link #onUncertain} and runs off into the exception lane. So is a bag whose divert timer runs
 * too late for its diverter to be fully out in time (a stalled control loop). Control thread only.
 */
final class SorterBelt {
    /** How far the measured speed of a bag on the sorter may differ from nominal (belt slip). */
    static final double SPEED_TOLERANCE = 0.07;
    /** Head start for a diverter beyond its actuation time: timers on a busy edge box run late. */
    static final long DIVERT_MARGIN_NANOS = LineConfig.DIVERT_HEAD_START_MS * 1_000_000L;

    static final class OnBelt {
        final TrackedBag bag;
        DiverterState diverter;  // null: runs off the end into the run-out lane
        final double lengthM;
        double minM;             // the centre is at least here at refNanos
        double maxM;             // and at most here
        long refNanos;
        ControlClock.Cancellable fire;
        ControlClock.Cancellable retract;
        boolean holding;         // this bag currently holds its diverter out
        long holdingSince = -1;  // when it asked for the diverter
        long releasedAt = -1;    // when it let it go
        boolean done;            // its divert window has passed

        OnBelt(TrackedBag bag, double centreM, DiverterState diverter, double lengthM) {
            this(bag, centreM - lengthM / 2, lengthM * (1 - SPEED_TOLERANCE), lengthM * (1 + SPEED_TOLERANCE), diverter, lengthM);
        }

        /**
         * A bag whose tail is at {@code tailM} (the entry eye) and whose length lies between the two
         * bounds: from the time it covered the eye at the slowest and the fastest belt speed the
         * tolerance allows; during the drive's start ramp the belt may have barely moved.
         */
        OnBelt(TrackedBag bag, double tailM, double shortestM, double longestM, DiverterState diverter, double lengthM) {
            this.bag = bag;
            this.minM = tailM + shortestM / 2;
            this.maxM = tailM + longestM / 2;
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
    private long minFromNanos;      // min advances only after the drive's start ramp
    private long haltedAt = -1;
    private final LineLoop loop;
    private final DoubleSupplier speed;
    private final long rampNanos;
    private final double coastM;
    /** Told of a bag that must not be fired after a stop; it then rides to the run-out lane. */
    Consumer<OnBelt> onUncertain = ob -> { };

    SorterBelt(LineLoop loop, DoubleSupplier speed, LineConfig.Sorter cfg) {
        this.loop = loop;
        this.speed = speed;
        this.rampNanos = (cfg == null ? 300 : cfg.rampMsOrDefault()) * 1_000_000L;
        this.coastM = cfg == null ? 0.05 : cfg.coastMOrDefault();
    }

    /** How long the bag now leaving the entry eye covered it while the belt moved: its length / speed. */
    long entryCoverNanos(long fallNanos) {
        long t = entryCoveredNanos + (moving ? Math.max(0, fallNanos - entryRiseNanos) : 0);
        entryCoveredNanos = 0;
        return t;
    }

    /**
     * Of the bag now leaving the entry eye, how long it covered the eye while the belt surely ran at
     * speed: in the current moving stretch, after the drive's start ramp. Call before entryCoverNanos.
     */
    long entrySureNanos(long fallNanos) {
        if (!moving) return 0;
        return Math.max(0, fallNanos - Math.max(entryRiseNanos, motorStartNanos + rampNanos));
    }

    /** The least far the bag's centre can be at {@code t}. */
    double minAt(OnBelt ob, long t) {
        if (!moving) return ob.minM;
        long from = Math.max(ob.refNanos, minFromNanos);
        return ob.minM + speed.getAsDouble() * (1 - SPEED_TOLERANCE) * Math.max(0, t - from) / 1e9;
    }

    /** The farthest the bag's centre can be at {@code t}. */
    double maxAt(OnBelt ob, long t) {
        if (!moving) return ob.maxM;
        long from = Math.max(ob.refNanos, motorStartNanos);
        return ob.maxM + speed.getAsDouble() * (1 + SPEED_TOLERANCE) * Math.max(0, t - from) / 1e9;
    }

    /** The earliest the bag's centre can reach {@code x}; assumes the belt moves. */
    long earliestAt(OnBelt ob, double x) {
        long from = Math.max(ob.refNanos, motorStartNanos);
        if (ob.maxM >= x) return from;
        return from + (long) ((x - ob.maxM) / (speed.getAsDouble() * (1 + SPEED_TOLERANCE)) * 1e9);
    }

    /** The latest the bag's centre can reach {@code x}; assumes the belt moves. */
    long latestAt(OnBelt ob, double x) {
        long from = Math.max(ob.refNanos, minFromNanos);
        if (ob.minM >= x) return ob.refNanos;
        return from + (long) ((x - ob.minM) / (speed.getAsDouble() * (1 - SPEED_TOLERANCE)) * 1e9);
    }

    /** When the diverter must be switched out for {@code ob}: out before max reaches the point. */
    long fireAt(OnBelt ob) {
        return earliestAt(ob, ob.diverter.cfg.atM()) - ob.diverter.cfg.actuationMsOrDefault() * 1_000_000L - DIVERT_MARGIN_NANOS;
    }

    /** When the diverter may go back for {@code ob}: min has passed the point. */
    long retractAt(OnBelt ob) {
        return latestAt(ob, ob.diverter.cfg.atM()) + DIVERT_MARGIN_NANOS;
    }

    /** A bag whose tail just cleared the entry eye at {@code refNanos} joins the belt. */
    void enter(OnBelt ob, long refNanos) {
        ob.refNanos = refNanos;
        belt.add(ob);
        schedule(ob);
    }

    private void schedule(OnBelt ob) {
        if (!moving || ob.diverter == null || ob.done) return;
        long now = loop.clock().nanos();
        long fireAt = fireAt(ob);
        long retractAt = retractAt(ob);
        if (retractAt <= now) {
            ob.done = true;
            return;
        }
        ob.fire = loop.after(Math.max(0, fireAt - now), () -> hold(ob));
        ob.retract = loop.after(retractAt - now, () -> release(ob));
    }

    private void hold(OnBelt ob) {
        if (ob.holding || ob.done || !moving) return;
        if (!outInTime(ob, loop.clock().nanos())) {
            // the timer ran late (a stalled loop, an entry edge handled late): a diverter only part way
            // out as the bag passes sends it on, or anywhere. Not fired: it rides to the run-out lane,
            // expected there, instead of staying expected in a lane it never reaches, where the next
            // bag would take its name
            uncertain(ob);
            return;
        }
        ob.holding = true;
        ob.holdingSince = loop.clock().nanos();
        ob.releasedAt = -1;
        diverterHold(ob.diverter, true);
    }

    /** Whether {@code ob}'s diverter, asked for at {@code now}, is fully out before the bag can reach it. */
    private boolean outInTime(OnBelt ob, long now) {
        long arrives = earliestAt(ob, ob.diverter.cfg.atM());
        long actuation = ob.diverter.cfg.actuationMsOrDefault() * 1_000_000L;
        if (now + actuation <= arrives) return true;
        // already held out for a bag ahead bound for the same lane, long enough before this one comes
        for (int i = 0; i < belt.size(); i++) {
            OnBelt other = belt.get(i);
            if (other != ob && other.holding && other.diverter == ob.diverter && other.holdingSince + actuation <= arrives) return true;
        }
        return false;
    }

    private void release(OnBelt ob) {
        if (ob.holding) {
            ob.holding = false;
            ob.releasedAt = loop.clock().nanos();
            diverterHold(ob.diverter, false);
        }
        ob.done = true;
    }

    /** The drive's start ramp: no progress is counted for that long after a start. */
    long rampNanos() { return rampNanos; }

    /** A controlled stop (stop command, fault, speed change): the drive ramps down, then the belt coasts. */
    void halt(long now) {
        double rampDown = speed.getAsDouble() * (1 + SPEED_TOLERANCE) * rampNanos / 2e9;
        freeze(now, rampDown + coastM);
    }

    /**
     * The e-stop removed motor power at {@code edgeNanos} (the input edge, which the control thread
     * may handle later): positions freeze there, and the belt may coast on for {@code coastM}.
     */
    void emergencyHalt(long edgeNanos) {
        freeze(Math.min(edgeNanos, loop.clock().nanos()), coastM);
    }

    private void freeze(long at, double runOnM) {
        if (!moving) return;
        if (entryBlocked) entryCoveredNanos += Math.max(0, at - entryRiseNanos);
        for (OnBelt ob : belt) {
            double min = minAt(ob, at);
            double max = maxAt(ob, at) + runOnM;
            ob.minM = min;
            ob.maxM = max;
            ob.refNanos = at;
            if (ob.fire != null) ob.fire.cancel();
            if (ob.retract != null) ob.retract.cancel();
            if (ob.holding) {
                ob.holding = false;
                ob.releasedAt = loop.clock().nanos();
                diverterHold(ob.diverter, false);
            }
            if (ob.diverter == null) continue;
            double point = ob.diverter.cfg.atM();
            // out at the stop (timers between the edge and its handling count as after it)
            boolean fullyOut = ob.holdingSince >= 0 && at - ob.holdingSince >= ob.diverter.cfg.actuationMsOrDefault() * 1_000_000L
                    && (ob.releasedAt < 0 || ob.releasedAt >= at);
            if (min >= point) {
                ob.done = true;   // past its point for sure
            } else {
                ob.done = false;  // a retract that ran between the edge and its handling was early
                // it may have crossed its point while its diverter was only part way out: no guess.
                // (Fully out: it is in its lane or still before the point, and is fired again.)
                if (max >= point && !fullyOut) uncertain(ob);
            }
            ob.holdingSince = -1;
            ob.releasedAt = -1;
        }
        moving = false;
        haltedAt = at;
    }

    /** The belt starts (again): re-plan every divert from the frozen intervals. */
    void resume(long now) {
        if (moving) return;
        // a bag that stopped close to its divert point needs its diverter out before the belt moves:
        // hold the belt for one actuation time so that the diverter is in position first
        long startAt = now;
        for (OnBelt ob : belt) {
            if (ob.diverter == null || ob.done) continue;
            long lead = ob.diverter.cfg.actuationMsOrDefault() * 1_000_000L + DIVERT_MARGIN_NANOS;
            double toGo = ob.diverter.cfg.atM() - ob.maxM;
            if ((long) (toGo / (speed.getAsDouble() * (1 + SPEED_TOLERANCE)) * 1e9) < lead) {
                startAt = Math.max(startAt, now + lead);
            }
        }
        moving = true;
        motorStartNanos = startAt;
        minFromNanos = startAt + rampNanos;
        long stoppedFor = haltedAt < 0 ? 0 : startAt - haltedAt;
        boolean afterStop = haltedAt >= 0;
        haltedAt = -1;
        if (entryBlocked) entryRiseNanos = startAt;
        for (OnBelt ob : belt) {
            ob.refNanos = Math.max(ob.refNanos, startAt);
            // the time standing still does not count against the bag's deadline to reach its lane
            if (ob.bag.deadlineNanos > 0) ob.bag.deadlineNanos += stoppedFor + rampNanos;
        }
        if (afterStop) dropOverlaps();
        for (OnBelt ob : belt) schedule(ob);
        if (startAt > now) loop.after(startAt - now, loop::applyOutputs);
    }

    /**
     * After a stop the intervals are wider: a diverter out for one bag while another may pass its
     * point would send that other bag into the wrong lane. Such a bag is not fired; dropping one may
     * free others, so until nothing changes.
     */
    private void dropOverlaps() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (OnBelt a : belt) {
                if (a.diverter == null || a.done) continue;
                long out = fireAt(a);
                long back = retractAt(a) + a.diverter.cfg.actuationMsOrDefault() * 1_000_000L;
                double point = a.diverter.cfg.atM();
                for (OnBelt b : belt) {
                    // a bag already diverted (done at its own point) is no longer on the belt
                    if (b == a || b.diverter == a.diverter || b.minM >= point || b.done && b.diverter != null) continue;
                    if (earliestAt(b, point) <= back && latestAt(b, point) >= out) {
                        uncertain(a);
                        changed = true;
                        break;
                    }
                }
            }
        }
    }

    private void uncertain(OnBelt ob) {
        ob.diverter = null;
        ob.done = true;
        onUncertain.accept(ob);
    }

    private void diverterHold(DiverterState d, boolean hold) {
        d.holds = Math.max(0, d.holds + (hold ? 1 : -1));
        loop.setMotion(d.out, d.holds > 0);
    }
}
