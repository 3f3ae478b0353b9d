package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.config.LineConfig;

/**
 * Zero-pressure accumulation: which zones run while the line moves. A zone runs unless it is jammed,
 * waits for its restart horn, or its head bag sits at its eye and the zone downstream cannot take it
 * (occupied, jammed, waiting for its horn, or claimed by the other branch of a merge). At a merge the
 * upstream zone that was not served last goes first; the zone before the sorter waits for the
 * sorter's minimum gap and for a full lane (laneFull: hold). Control thread only.
 */
final class ZeroPressureAccumulation {
    private final LineModel line;
    private final LineConfig cfg;
    private final ControlClock clock;
    private final LaneDelivery delivery;
    private final Horn horn;

    ZeroPressureAccumulation(LineModel line, LineConfig cfg, ControlClock clock, LaneDelivery delivery, Horn horn) {
        this.line = line;
        this.cfg = cfg;
        this.clock = clock;
        this.delivery = delivery;
        this.horn = horn;
    }

    /** Whether zone {@code z}'s motor runs while the line moves; a release claims the zone (or sorter) downstream. */
    boolean zoneRuns(ZoneState z) {
        if (z.jammed || horn.holds(z)) return false;
        return !z.eyeBlocked || mayRelease(z);
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
            boolean free = !sorter.entryBlocked && sorter.incoming.isEmpty()
                    && clock.nanos() - sorter.lastTailNanos >= gap;
            if (free) {
                sorter.claimed = true;
                sorter.claimant = z;
            }
            return free || (sorter.claimed && sorter.claimant == z);
        }
        if (d.jammed || horn.holds(d) || d.occupied()) return false;
        if (d.claimedBy != null && d.claimedBy != z) return false;
        if (d.claimedBy == null) {
            // merge fairness: if another upstream zone is also waiting and this one went last, let it go first
            for (ZoneState other : line.zoneArray()) {
                if (other != z && other.next == d && other.eyeBlocked && !other.jammed && d.lastGranted == z) return false;
            }
            d.claimedBy = z;
            d.lastGranted = z;
        }
        return true;
    }
}
