package org.conveyord.link;

import org.conveyord.device.Device;
import org.conveyord.device.EventSink;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Records events and state-change calls for device tests; thread-safe. */
public final class RecordingEventSink implements EventSink, Device.StateListener {

    public record Event(long seq, String device, String type, Map<String, Object> fields, String cmdId) {}

    private final AtomicLong seq = new AtomicLong();
    public final List<Event> events = new CopyOnWriteArrayList<>();
    public final AtomicLong stateChanges = new AtomicLong();

    @Override
    public long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        long s = seq.incrementAndGet();
        events.add(new Event(s, device, type, Map.copyOf(fields), cmdId));
        return s;
    }

    @Override
    public void stateChanged(String deviceId) {
        stateChanges.incrementAndGet();
    }

    public List<Event> ofType(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }
}
