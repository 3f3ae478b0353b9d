package org.conveyord.device;

import java.util.Map;

/**
 * Where devices report what happened. Implementations stamp id/seq/ts and deliver the event on
 * {@code event/<device>/<type>}; they never block the caller for I/O (the control loop calls this).
 */
public interface EventSink {

    /**
     * @param fields the event's own fields, in the order they should appear
     * @param cmdId  the id of the command that caused it, or null
     * @return the event's seq
     */
    long emit(String device, String type, Map<String, Object> fields, String cmdId);

    default long emit(String device, String type, Map<String, Object> fields) {
        return emit(device, type, fields, null);
    }
}
