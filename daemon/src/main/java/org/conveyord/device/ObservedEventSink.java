package org.conveyord.device;


import java.util.List;
import java.util.Map;

/**
 * Passes every event on to the real sink, and shows it to observers (the metrics, the line page's
 * live feed) on the way. Observers run on the emitting thread: they only count or enqueue, and one
 * that fails never stops the event.
 */
public final class ObservedEventSink implements EventSink {

    /** Sees an event; must not block. */
    public interface Observer {
        void onEvent(String device, String type, Map<String, Object> fields, String cmdId);
    }

    private final EventSink target;
    private final List<Observer> observers;

    public ObservedEventSink(EventSink target, List<Observer> observers) {
        this.target = target;
        this.observers = List.copyOf(observers);
    }

    @Override
    public long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        long seq = target.emit(device, type, fields, cmdId);
        for (Observer o : observers) {
            try {
                o.onEvent(device, type, fields, cmdId);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ObservedEventSink.class)
                        .warn("event observer failed on {} {}: {}", device, type, e.toString());
            }
        }
        return seq;
    }
}
