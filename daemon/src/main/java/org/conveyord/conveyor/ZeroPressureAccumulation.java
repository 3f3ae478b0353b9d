package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.config.LineConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * Zero-pressure accumulation: which zones run while the line moves. A zone runs unless it is jammed,
 * waits for its restart horn, or its head bag sits at its eye and the zone downstream cannot take it
 * (occupied, jammed, waiting for its horn, or claimed by the other branch of a merge). The zone
 * before the sorter waits for the sorter's minimum gap and for a full lane (laneFull: hold).
 *
 * <p>At a merge, whose turn it is is decided before the bags reach their eyes: an upstream zone whose
 * bag is on its way and may be at its eye within {@link #MERGE_LEAD_NANOS} (motor-on time, from the
 * shortest transit the zone allows) takes the turn if nobody holds it, the zone not served last first;
 * the other branch stops its bag short of its eye until the turn is over. Deciding only at the eyes
 * left the losing zone the few centimetres between its eye and the merge to stop in: two bags
 * reaching both eyes together collided whenever the stop came more than about 75 ms after the eye
 * (a cold or busy control path, at 0.8 m/s with a 100 ms ramp). Control thread only.
 */
final class ZeroPressureAccumulation {
    /** How long before its bag can reach its eye a zone feeding a merge settles the turn. */
    static final long MERGE_LEAD_NANOS = 500_000_000L;

    private final LineModel line;
    private final LineConfig cfg;
    private final ControlClock clock;
    private final LaneDelivery delivery;
    private final Horn horn;
    private final Map<String, Double> scanAtByZone = new HashMap<>();

    ZeroPressureAccumulation(LineModel line, LineConfig cfg, ControlClock clock, LaneDelivery delivery, Horn horn) {
        this.line = line;
        this.cfg = cfg;
        this.clock = clock;
        this.delivery = delivery;
        this.horn = horn;
        for (ZoneState d : line.zones.values()) {
            d.feeders = line.zones.values().stream().filter(z -> z.next == d).toArray(ZoneState[]::new);
        }
        for (LineConfig.Station st : cfg.stationsOrEmpty()) scanAtByZone.put(st.zone(), st.scanAtMOrDefault());
    }

    /** Whether zone {@code z}'s motor runs while the line moves; a release claims the zone (or sorter) downstream. */
    boolean zoneRuns(ZoneState z) {
        if (z.jammed || horn.holds(z)) return false;
        if (z.eyeBlocked) return mayRelease(z);
        ZoneState d = z.next;
        if (d == null || d.feeders.length < 2 || !nearEye(z)) return true;
        return turn(d) == z;   // the other branch has the merge: stop short of the eye
    }

    private boolean mayRelease(ZoneState z) {
        if (z.handedOver) return true;        // its bag is already half into the next zone: keep pushing
        if (z.weighHold != null) return false; // standing still on the scale for a stable weight
        ZoneState d = z.next;
        SorterBelt sorter = line.sorter;
        if (d == null) {
            if (delivery.holdsForFullLane(z)) return false;
            if (sorter.claimed && sorter.claimant != z) return false;
            long gap = (long) (cfg.sorter().minGapMOrDefault() / line.speed * 1e9);
            // the gap is counted from the end of the drive's start ramp at the earliest: during the ramp
            // the tracking intervals of the bags on the belt widen (their back does not move), and a bag
            // released into the sorter then could pass a diverter still out for the bag ahead
            long since = Math.max(sorter.lastTailNanos, sorter.motorStartNanos + sorter.rampNanos());
            boolean free = !sorter.entryBlocked && sorter.incoming.isEmpty() && clock.nanos() - since >= gap;
            if (free) {
                sorter.claimed = true;
                sorter.claimant = z;
            }
            return free || (sorter.claimed && sorter.claimant == z);
        }
        if (d.jammed || horn.holds(d) || d.occupied()) return false;
        if (d.claimedBy != null) return d.claimedBy == z;
        if (d.feeders.length > 1 && turn(d) != z) return false;
        d.claimedBy = z;
        d.lastGranted = z;
        d.reservedBy = null;
        return true;
    }

    /**
     * Whose turn it is at merge {@code d}: the zone releasing into it, else the one that took the
     * turn while still waiting or on its way, else (taking it now) the first upstream zone waiting
     * at its eye or with its bag near its eye, the one not served last before the other.
     */
    private ZoneState turn(ZoneState d) {
        if (d.claimedBy != null) return d.claimedBy;
        ZoneState r = d.reservedBy;
        if (r != null && !r.jammed && (r.eyeBlocked || nearEye(r))) return r;
        ZoneState pick = null;
        for (ZoneState f : d.feeders) {
            if (f.jammed || !(f.eyeBlocked || nearEye(f))) continue;
            if (pick == null || pick == d.lastGranted) pick = f;
        }
        d.reservedBy = pick;
        return pick;
    }

    /**
     * A bag is on its way to {@code z}'s eye and may be there within {@link #MERGE_LEAD_NANOS} of
     * motor-on time: counted from the scanner at a station, from the hand-over elsewhere (where the
     * bag's front may already be up to the longest bag into the zone), at the nominal speed.
     */
    private boolean nearEye(ZoneState z) {
        if (z.eyeBlocked || !z.expectingArrival || z.jammed) return false;
        double eyeAt = z.cfg.eyeAtMOrDefault();
        Double scanAt = scanAtByZone.get(z.id);
        double metres = scanAt != null ? eyeAt - scanAt : eyeAt - cfg.maxBagLengthMOrDefault();
        long shortest = (long) (Math.max(0, metres) / line.speed * 1e9);
        return z.motorOnNanos >= shortest - MERGE_LEAD_NANOS;
    }
}
