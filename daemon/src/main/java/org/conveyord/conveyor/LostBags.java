package org.conveyord.conveyor;

import org.conveyord.device.EventSink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reports a bag the line can no longer follow by name (taken off, never arrived, given up at its
 * station): {@code bag-lost} with the last place it was seen, and {@code order-incomplete} for its order.
 */
final class LostBags {
    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;

    LostBags(LineModel line, LineLoop loop, EventSink events) {
        this.line = line;
        this.loop = loop;
        this.events = events;
    }

    void report(String bag, String lastSeen) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", bag);
        f.put("lastSeen", lastSeen);
        events.emit(line.id, "bag-lost", f);
        line.orders.orderOfBag(bag).ifPresent(o -> {
            Map<String, Object> of = new LinkedHashMap<>();
            of.put("order", o.id);
            of.put("dest", o.lane);
            of.put("missing", List.of(bag));
            events.emit(line.id, "order-incomplete", of, o.cmdId);
        });
        loop.changed();
    }
}
