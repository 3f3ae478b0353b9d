package org.conveyord.conveyor;

import org.conveyord.device.StatusDetail;

import java.util.ArrayList;
import java.util.List;

/**
 * The line's latched faults, in the order they came: each stays until a person has looked and sent
 * {@code reset}. Some stop the whole line and refuse {@code start} until then. Control thread only.
 */
final class LineFaults {
    /** After an exception on the control thread. */
    static final String INTERNAL = "internal";
    /** After input edges were lost to a full control queue: tracking can no longer be trusted. */
    static final String OVERLOAD = "control-overload";

    private final List<String> faults = new ArrayList<>();

    /** @return whether the fault is new (a fault already latched is not reported again) */
    boolean latch(String fault) {
        if (faults.contains(fault)) return false;
        faults.add(fault);
        return true;
    }

    boolean has(String fault) { return faults.contains(fault); }

    boolean isEmpty() { return faults.isEmpty(); }

    void clear() { faults.clear(); }

    /** The live list, for the state mirror (which copies it only when it changed). */
    List<String> list() { return faults; }

    String summary() { return String.join(", ", faults); }

    /** Whether a latched fault keeps the line stopped: {@code start} is refused until reset. */
    boolean stopTheLine() {
        for (String f : faults) if (f.equals(INTERNAL) || f.equals(OVERLOAD) || f.startsWith(SensorChatter.FAULT)) return true;
        return false;
    }

    /** The machine-readable detail of the first fault, for the line's status. */
    StatusDetail detail() {
        if (faults.isEmpty()) return StatusDetail.NONE;
        String first = faults.get(0);
        if (first.startsWith("jam")) return StatusDetail.JAM;
        if (first.startsWith("unexpected item")) return StatusDetail.UNEXPECTED_ITEM;
        if (first.startsWith(SensorChatter.FAULT)) return StatusDetail.HARDWARE_ERROR;
        return StatusDetail.INTERNAL;
    }
}
