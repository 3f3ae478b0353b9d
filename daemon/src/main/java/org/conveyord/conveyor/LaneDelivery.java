package org.conveyord.conveyor;

import org.conveyord.device.CommandResult;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a bag arrives: the lane eyes, the bag label printed for each bag reaching its order's lane,
 * {@code order-complete} once all its bags are there, a bag that never reached its lane in time,
 * the lane-full eyes (and the {@code laneFull: hold} they may cause before the sorter), and the
 * rider's {@code collect}; and the order that never got a lane. Control thread only.
 */
final class LaneDelivery {
    private static final Logger log = LoggerFactory.getLogger(LaneDelivery.class);
    private static final long ORDER_MAX_AGE_NANOS = 12L * 3600 * 1_000_000_000L;

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final LinePeripherals peripherals;
    private final LostBags lost;

    LaneDelivery(LineModel line, LineLoop loop, EventSink events, LinePeripherals peripherals, LostBags lost) {
        this.line = line;
        this.loop = loop;
        this.events = events;
        this.peripherals = peripherals;
        this.lost = lost;
    }

    /**
     * A bag reached a lane's eye at {@code nanos}. It takes the name of the first bag on its way to
     * this lane whose window is open; outside every window it is a stranger (a divert miss, a bag
     * put in by hand): {@code lane-unexpected-arrival}, and the lane's order waits for staff.
     */
    void onLaneEye(LaneState l, long nanos) {
        TrackedBag b = takeExpected(l, nanos);
        if (b == null) {
            unexpectedArrival(l);
            return;
        }
        l.arrived(b, nanos);
        line.sorter.belt.removeIf(ob -> ob.bag == b);
        b.lastSeen = l.id;
        l.bags.add(b.id);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("dest", l.id);
        events.emit(line.id, "bag-arrived", f);
        line.orders.orderOfBag(b.id).filter(o -> l.id.equals(o.lane)).ifPresent(o -> arrivedInOrderLane(o, b, l));
        loop.persist();
        loop.changed();
    }

    /** The first bag on its way to {@code l} whose window holds {@code nanos}, taken out of the queue; null if none. */
    private static TrackedBag takeExpected(LaneState l, long nanos) {
        TrackedBag found = null;
        // rotates through the queue: keeps the order, allocates nothing
        for (int k = 0, n = l.inFlight.size(); k < n; k++) {
            TrackedBag b = l.inFlight.pollFirst();
            if (found == null && l.inWindow(b, nanos)) found = b;
            else l.inFlight.addLast(b);
        }
        return found;
    }

    private void unexpectedArrival(LaneState l) {
        log.warn("{}: {} saw a bag outside every expected window (a divert miss or a bag put in by hand); "
                + "its order waits until staff check the lane and send confirm or collect", line.id, l.id);
        l.bags.add("unknown");
        l.check = true;
        events.emit(line.id, "lane-unexpected-arrival", Map.of("lane", l.id));
        loop.persist();
        loop.changed();
    }

    private void arrivedInOrderLane(OrderBook.Order o, TrackedBag b, LaneState l) {
        o.arrived.add(b.id);
        printBagLabel(o, b, l);
        if (o.complete || !o.arrived.containsAll(o.bagIds())) return;
        if (l.calibrated()) {
            // a stranger within the last bag's window would have taken its name: if one more bag
            // arrives before that window is over, the lane is flagged and the order waits
            loop.after(l.windowSlackNanos(), () -> completeUnlessChecked(o, l));
        } else {
            completeUnlessChecked(o, l);
        }
    }

    /** Reports the order complete, unless its lane waits for staff (then confirm or collect does). */
    private void completeUnlessChecked(OrderBook.Order o, LaneState l) {
        if (o.complete || !l.id.equals(o.lane) || !o.arrived.containsAll(o.bagIds())) return;
        if (l.check) {
            log.warn("{}: order {} has all its bags in {}, but a stranger arrived there too: not complete until staff confirm",
                    line.id, o.id, l.id);
            return;
        }
        o.complete = true;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("order", o.id);
        f.put("dest", l.id);
        f.put("bags", o.bagIds());
        events.emit(line.id, "order-complete", f, o.cmdId);
        log.info("{}: order {} complete in {}", line.id, o.id, l.id);
        loop.persist();
        loop.changed();
    }

    /** Whether a lane waits for staff to check it (amber light). */
    boolean anyLaneToCheck() {
        for (LaneState l : line.laneArray()) if (l.check) return true;
        return false;
    }

    /** Transits at the old speed no longer hold. */
    void speedChanged() {
        for (LaneState l : line.laneArray()) l.speedChanged();
    }

    /**
     * Staff looked at a lane flagged after a stranger arrived (took it out, or found it belongs):
     * the flag goes, and its order is reported complete now if all its bags are there.
     */
    CommandResult confirm(String laneId, String cmdId) {
        LaneState l = line.lanes.get(laneId);
        if (l == null) return CommandResult.error(ErrorCode.BAD_REQUEST, "'" + laneId + "' is not a lane of " + line.id + "; expected one of " + line.lanes.keySet());
        boolean was = l.check;
        l.check = false;
        log.info("{}: {} confirmed by staff{}", line.id, laneId, was ? "" : " (nothing to check)");
        if (was) completeOrderOf(l);
        loop.persist();
        loop.changed();
        return CommandResult.answer(Map.of("lane", laneId, "confirmed", was));
    }

    private void completeOrderOf(LaneState l) {
        if (l.order == null) return;
        line.orders.order(l.order).ifPresent(o -> completeUnlessChecked(o, l));
    }

    /** When a bag label is printed: as the bag reaches its order's lane, on the line's printer if it has one. */
    private void printBagLabel(OrderBook.Order o, TrackedBag b, LaneState l) {
        if (line.cfg.printer() == null) return;
        try {
            // the printer renders its own bag-label template (a configured one first)
            peripherals.printBagLabel(line.cfg.printer(), o.id, b.id, l.id, o.cmdId);
        } catch (IllegalArgumentException e) {
            log.warn("{}: no label for bag {}: {}", line.id, b.id, e.getMessage());
        }
    }

    void onLaneFull(LaneState l, boolean active) {
        l.fullEyeActive = active;
        loop.changed();
    }

    /**
     * With {@code laneFull: hold}, the zone before the sorter keeps a bag whose order's lane is full
     * until staff make room (a partial {@code collect}, or the lane-full eye clearing); the zones
     * behind accumulate. Only a bag whose order already has its lane is held: a new order gets a
     * free lane when it reaches the sorter, or exception with no-lane.
     */
    boolean holdsForFullLane(ZoneState z) {
        if (!line.cfg.holdsForFullLane() || line.sorter.claimant == z && line.sorter.claimed) return false;
        TrackedBag head = z.bags.peek();
        LaneState lane = null;
        if (head != null && !head.noRead && !head.unknownItem && !"checkweigh".equals(head.reason)) {
            lane = line.orders.orderOfBag(head.id).map(o -> o.lane == null ? null : line.lanes.get(o.lane)).orElse(null);
        }
        boolean hold = lane != null && lane.full();
        if (hold && z.heldFor == null) {
            log.warn("{}: holds bag {} at {}: {} is full; empty it and send collect with \"partial\":true", line.id, head.id, z.id, lane.id);
            z.heldFor = lane.id;
            loop.changed();
        } else if (!hold && z.heldFor != null) {
            log.info("{}: {} has room again; bag at {} goes on", line.id, z.heldFor, z.id);
            z.heldFor = null;
            loop.changed();
        }
        return hold;
    }

    /**
     * Every tick while the belt moves: a bag past its deadline to reach its lane eye is lost. Rotates
     * through each queue instead of iterating it: keeps the order, allocates nothing.
     */
    void checkLost(long now) {
        for (LaneState l : line.laneArray()) {
            for (int k = 0, n = l.inFlight.size(); k < n; k++) {
                TrackedBag b = l.inFlight.pollFirst();
                if (b.deadlineNanos > 0 && now > b.deadlineNanos) {
                    line.sorter.belt.removeIf(ob -> ob.bag == b);
                    log.warn("{}: bag {} never reached {} (last seen at {})", line.id, b.id, l.id, b.lastSeen);
                    lost.report(b.id, b.lastSeen);
                } else {
                    l.inFlight.addLast(b);
                }
            }
        }
    }

    /** Once a minute: an order that never got a lane in 12 h is forgotten, reported with what it misses. */
    void expireOrders(long now) {
        for (OrderBook.Order o : line.orders.expire(now, ORDER_MAX_AGE_NANOS)) {
            List<String> missing = o.bagIds().stream().filter(b -> !o.arrived.contains(b)).toList();
            log.warn("{}: order {} never got a lane in 12 h; forgotten (missing {})", line.id, o.id, missing);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("order", o.id);
            f.put("dest", null);
            f.put("missing", missing);
            events.emit(line.id, "order-incomplete", f, o.cmdId);
            loop.persist();
        }
    }

    /**
     * A rider took the bags of a lane. {@code partial}: staff emptied a full lane to make room while
     * its order still has bags to come; the lane stays reserved for that order (no lane-released).
     */
    CommandResult collect(String laneId, boolean partial, String cmdId) {
        LaneState l = line.lanes.get(laneId);
        if (l == null) return CommandResult.error(ErrorCode.BAD_REQUEST, "'" + laneId + "' is not a lane of " + line.id + "; expected one of " + line.lanes.keySet());
        int n = l.bags.size();
        if (l.check) {
            // staff emptied the lane: whatever did not belong is out of it
            l.check = false;
            completeOrderOf(l);
        }
        if (partial) {
            l.bags.clear();
            log.info("{}: {} emptied ({} bags); still reserved for {}", line.id, laneId, n, l.order);
            loop.persist();
            loop.applyOutputs();
            loop.changed();
            return CommandResult.answer(Map.of("lane", laneId, "bags", n, "released", false));
        }
        String order = l.order;
        l.bags.clear();
        if (order != null) line.orders.release(order);
        l.order = null;
        events.emit(line.id, "lane-released", Map.of("lane", laneId), cmdId);
        loop.persist();
        loop.changed();
        return CommandResult.answer(Map.of("lane", laneId, "bags", n));
    }
}
