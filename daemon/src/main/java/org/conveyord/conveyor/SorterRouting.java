package org.conveyord.conveyor;

import org.conveyord.device.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a bag's lane is decided: at the sorter's entry eye, as the bag's tail clears it. The
 * bag's order gets a lane the first time one of its bags arrives there (or the lane it asked for);
 * a bag without a read, an order or room goes to exception with its reason. The bag then rides
 * the {@link SorterBelt}, which fires its diverter in time. Control thread only.
 */
final class SorterRouting {
    private static final Logger log = LoggerFactory.getLogger(SorterRouting.class);

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final List<DiverterState> diverters = new ArrayList<>();

    SorterRouting(LineModel line, LineLoop loop, EventSink events) {
        this.line = line;
        this.loop = loop;
        this.events = events;
        line.sorter.onUncertain = this::uncertainDivert;
    }

    void add(DiverterState d) { diverters.add(d); }

    int diverterCount() { return diverters.size(); }

    void onSorterEye(boolean blocked, long nanos) {
        SorterBelt sorter = line.sorter;
        sorter.entryBlocked = blocked;
        if (blocked) {
            sorter.entryRiseNanos = nanos;
            sorter.entryCoveredNanos = 0;
            TrackedBag b = sorter.incoming.poll();
            if (b == null && sorter.claimed && sorter.claimant != null) b = sorter.claimant.handOverEarly();
            if (b == null) b = loop.unexpectedItem("sorter");
            b.lastSeen = "sorter";
            sorter.atEntry = b;
        } else {
            TrackedBag b = sorter.atEntry;
            sorter.atEntry = null;
            sorter.lastTailNanos = nanos;
            if (b != null) {
                // measured while the belt moved only: an e-stop with a bag on the eye must not make it "long"
                long sure = sorter.entrySureNanos(nanos);
                long cover = sorter.entryCoverNanos(nanos);
                double lengthM = Math.max(0.05, cover / 1e9 * line.speed);
                // a bag that covered the eye during the drive's start ramp (or across a stop) may be much
                // shorter than the nominal speed says: only the time the belt surely ran bounds it below
                double shortestM = sure >= cover ? lengthM : sure / 1e9 * line.speed;
                route(b, lengthM, shortestM, nanos);
            }
        }
        loop.applyOutputs();
        loop.changed();
    }

    /** Decides where a bag goes as its tail clears the sorter's entry eye, and fires the diverter in time. */
    private void route(TrackedBag b, double lengthM, double shortestM, long tailNanos) {
        String exception = line.cfg.sorter().runOutLaneOrDefault();
        String dest = exception;
        String reason = null;
        if (b.unknownItem) {
            reason = b.reason != null ? b.reason : "noread";
        } else if (b.noRead) {
            reason = "noread";
        } else if ("checkweigh".equals(b.reason)) {
            reason = "checkweigh";
        } else {
            Optional<OrderBook.Order> order = line.orders.orderOfBag(b.id);
            if (order.isEmpty()) {
                reason = "no-order";
            } else {
                OrderBook.Order o = order.get();
                LaneState lane = o.lane != null ? line.lanes.get(o.lane) : assignLane(o);
                if (lane == null) {
                    reason = "no-lane";
                } else if (lane.full()) {
                    reason = "lane-full";
                } else {
                    dest = lane.id;
                }
            }
        }
        b.dest = dest;
        b.reason = reason;
        LaneState target = line.lanes.get(dest);
        target.inFlight.add(b);
        DiverterState d = diverterFor(dest);
        double tailM = line.cfg.sorter().entryEyeAtMOrDefault();
        double centreM = tailM + lengthM / 2;
        SorterBelt.OnBelt ob = new SorterBelt.OnBelt(b, tailM, shortestM * (1 - SorterBelt.SPEED_TOLERANCE),
                lengthM * (1 + SorterBelt.SPEED_TOLERANCE), d, lengthM);
        line.sorter.enter(ob, tailNanos);
        // the bag must reach its lane eye: allow its whole trip at the slowest plausible speed, plus margin
        double trip = line.cfg.sorter().lengthMOrDefault() - centreM;
        b.deadlineNanos = tailNanos + (long) ((trip / (line.speed * (1 - SorterBelt.SPEED_TOLERANCE)) + 5) * 1e9);
        // and it cannot be there before it passes its divert point (or the belt's end) at the belt's fastest
        double divertAtM = d != null ? d.cfg.atM() : line.cfg.sorter().lengthMOrDefault();
        target.expect(b, tailNanos, tailNanos + (long) (Math.max(0, divertAtM - centreM) / (line.speed * (1 + SorterBelt.SPEED_TOLERANCE)) * 1e9));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("dest", dest);
        if (reason != null) f.put("reason", reason);
        events.emit(line.id, "bag-diverted", f);
    }

    /**
     * After a stop the sorter cannot tell whether firing for this bag would divert it (or a
     * neighbour) right, or its divert came too late (a stalled loop): it is not fired and rides to
     * the run-out lane, bound there like any other exception, so its arrival there is expected and
     * its order waits as for any exception. The contract's one reason for both is
     * {@code uncertain-after-stop}; the log line tells which.
     */
    private void uncertainDivert(SorterBelt.OnBelt ob) {
        TrackedBag b = ob.bag;
        String exception = line.cfg.sorter().runOutLaneOrDefault();
        if (exception.equals(b.dest)) return;
        LaneState from = b.dest == null ? null : line.lanes.get(b.dest);
        if (from != null) from.inFlight.remove(b);
        LaneState to = line.lanes.get(exception);
        // bags further along arrive first: keep the run-out lane's queue in belt order
        List<TrackedBag> queue = new ArrayList<>(to.inFlight);
        int at = queue.size();
        for (int i = 0; i < queue.size(); i++) {
            SorterBelt.OnBelt other = onBelt(queue.get(i));
            if (other != null && other.maxM < ob.minM) {
                at = i;
                break;
            }
        }
        queue.add(at, b);
        to.inFlight.clear();
        to.inFlight.addAll(queue);
        log.warn("{}: bag {} bound for {} cannot be diverted for sure ({}); it goes to {}", line.id, b.id, b.dest,
                line.sorter.moving ? "its divert came too late, the control loop ran behind" : "after the stop", exception);
        b.dest = exception;
        b.reason = "uncertain-after-stop";
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("dest", exception);
        f.put("reason", b.reason);
        events.emit(line.id, "bag-diverted", f);
        loop.changed();
    }

    private SorterBelt.OnBelt onBelt(TrackedBag b) {
        for (SorterBelt.OnBelt ob : line.sorter.belt) if (ob.bag == b) return ob;
        return null;
    }

    private LaneState assignLane(OrderBook.Order o) {
        LaneState pick = null;
        if (o.requestedDest != null) {
            LaneState l = line.lanes.get(o.requestedDest);
            if (l != null && l.order == null) pick = l;
        } else {
            for (String lid : line.orderLaneIds()) {
                LaneState l = line.lanes.get(lid);
                if (l.order == null && l.bags.isEmpty() && l.inFlight.isEmpty() && !l.fullEyeActive) {
                    pick = l;
                    break;
                }
            }
        }
        if (pick != null) {
            pick.order = o.id;
            o.lane = pick.id;
            loop.persist();
            log.info("{}: order {} gets {}", line.id, o.id, pick.id);
        }
        return pick;
    }

    private DiverterState diverterFor(String lane) {
        for (DiverterState d : diverters) if (d.cfg.lane().equals(lane)) return d;
        return null;
    }
}
