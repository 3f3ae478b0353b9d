package org.conveyord.conveyor;

import org.conveyord.device.EventSink;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** An EventSink that keeps what it was told, for assertions. */
final class RecordingEvents implements EventSink {
    record Event(long seq, String device, String type, Map<String, Object> fields, String cmdId) {}

    final List<Event> events = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();

    @Override
    public long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        long s = seq.incrementAndGet();
        events.add(new Event(s, device, type, Map.copyOf(nullSafe(fields)), cmdId));
        return s;
    }

    private static Map<String, Object> nullSafe(Map<String, Object> m) {
        var copy = new java.util.LinkedHashMap<String, Object>();
        m.forEach((k, v) -> copy.put(k, v == null ? "null" : v));
        return copy;
    }

    List<Event> ofType(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }
}
