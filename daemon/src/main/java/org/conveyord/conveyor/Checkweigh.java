package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.device.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * At the weigh zone. A bag whose order gave an expected weight is check-weighed: the zone holds
 * it, the scale reads a stable weight, and a weight outside the tolerance (or no stable weight in
 * time) sends it to exception with reason checkweigh. Other bags are weighed on the move.
 * Control thread only; scale answers are posted back to it.
 */
final class Checkweigh {
    private static final Logger log = LoggerFactory.getLogger(Checkweigh.class);
    private static final long CHECKWEIGH_TIMEOUT_NANOS = 8_000_000_000L;

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final LinePeripherals peripherals;

    Checkweigh(LineModel line, LineLoop loop, EventSink events, LinePeripherals peripherals) {
        this.line = line;
        this.loop = loop;
        this.events = events;
        this.peripherals = peripherals;
    }

    /** {@code bag} reached the eye of weigh zone {@code z}. */
    void weigh(ZoneState z, TrackedBag bag) {
        String scaleId = z.scale;
        Double expected = expectedGrams(bag);
        if (expected == null) {
            peripherals.weigh(scaleId).whenComplete((r, err) -> loop.post(() -> {
                if (err != null) {
                    log.warn("{}: could not weigh {} on {}: {}", line.id, bag.id, scaleId, err.getMessage());
                    return;
                }
                bag.grams = r.grams();
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("grams", r.grams());
                f.put("stable", r.stable());
                f.put("bag", bag.id);
                events.emit(scaleId, "weight", f);
            }));
            return;
        }
        z.weighHold = bag;
        loop.applyOutputs();
        // judged with the tolerance in force now: a reload while it is held does not change it
        double tolerance = line.live.checkweighToleranceFor(expected);
        ControlClock.Cancellable timeout = loop.after(CHECKWEIGH_TIMEOUT_NANOS, () -> decide(z, bag, expected, tolerance, null));
        peripherals.weighStable(scaleId).whenComplete((r, err) -> loop.post(() -> {
            timeout.cancel();
            if (err != null) log.warn("{}: no stable weight for {} on {}: {}", line.id, bag.id, scaleId, err.getMessage());
            decide(z, bag, expected, tolerance, err == null ? r : null);
        }));
    }

    private void decide(ZoneState z, TrackedBag bag, double expected, double tolerance, LinePeripherals.Reading r) {
        if (z.weighHold != bag) return;   // already decided (timeout or answer)
        z.weighHold = null;
        boolean ok = r != null && r.stable() && Math.abs(r.grams() - expected) <= tolerance;
        if (r != null) bag.grams = r.grams();
        if (!ok) bag.reason = "checkweigh";
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", bag.id);
        f.put("order", line.orders.orderOfBag(bag.id).map(o -> o.id).orElse(null));
        f.put("expectedGrams", expected);
        f.put("grams", r == null ? null : r.grams());
        f.put("ok", ok);
        events.emit(z.scale, "checkweigh", f);
        if (!ok) log.info("{}: bag {} failed check-weigh ({} g, expected {} g +- {} g): to exception", line.id, bag.id,
                r == null ? "no stable weight" : r.grams(), expected, tolerance);
        loop.applyOutputs();
        loop.changed();
    }

    private Double expectedGrams(TrackedBag bag) {
        if (bag.noRead || bag.unknownItem) return null;
        return line.orders.orderOfBag(bag.id).flatMap(o -> o.bags.stream().filter(b -> b.bag().equals(bag.id)).findFirst())
                .map(OrderBook.OrderBag::grams).orElse(null);
    }
}
