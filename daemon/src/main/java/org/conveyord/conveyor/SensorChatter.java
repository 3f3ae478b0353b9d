package org.conveyord.conveyor;

import org.conveyord.device.EventSink;
import org.conveyord.hal.DigitalIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The line's eyes, guarded against chatter: each edge is counted on the GPIO thread before it is
 * posted (see {@link EyeChatter}), so a chattering eye costs the control loop one task, the
 * {@code fault {reason: sensor-chatter, zone}}, however fast it flickers. A zone's eye holds its
 * zone like a jam (its feeders hold, {@code start} is refused, {@code reset} clears it); the
 * sorter's or a lane's eye stops the line, since the bags there can no longer be tracked.
 */
final class SensorChatter {
    private static final Logger log = LoggerFactory.getLogger(SensorChatter.class);
    static final String FAULT = "sensor-chatter";

    /** What to run for an input edge that passed the guard (on the control thread). */
    interface EdgeAction {
        void edge(boolean active, long nanos);
    }

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final BiConsumer<String, Map<String, Object>> stopLine;
    private final int maxEdgesPerS;
    private final Map<ZoneState, EyeChatter> zoneEyes = new LinkedHashMap<>();
    private final Map<String, EyeChatter> lineEyes = new LinkedHashMap<>();

    /** @param stopLine latches a fault that stops the whole line: (fault, event) */
    SensorChatter(LineModel line, LineLoop loop, EventSink events, BiConsumer<String, Map<String, Object>> stopLine) {
        this.line = line;
        this.loop = loop;
        this.events = events;
        this.stopLine = stopLine;
        this.maxEdgesPerS = line.cfg.maxEyeEdgesPerSOrDefault();
    }

    static String fault(String where) { return FAULT + " " + where; }

    void listenToZone(ZoneState z, EdgeAction action) {
        EyeChatter c = new EyeChatter(maxEdgesPerS);
        zoneEyes.put(z, c);
        listen(z.eye, c, action, () -> zoneChatters(z));
    }

    /** The sorter's entry eye or a lane's eye, named {@code where} in the fault. */
    void listenToLineEye(String where, DigitalIn eye, EdgeAction action) {
        EyeChatter c = new EyeChatter(maxEdgesPerS);
        lineEyes.put(where, c);
        listen(eye, c, action, () -> lineEyeChatters(where));
    }

    private void listen(DigitalIn eye, EyeChatter chatter, EdgeAction action, Runnable tripped) {
        eye.listen((active, nanos) -> {
            switch (chatter.edge(nanos)) {
                case PASS -> loop.post(() -> action.edge(active, nanos));
                case TRIP -> loop.post(tripped);
                case DROP -> { }
            }
        });
    }

    private void zoneChatters(ZoneState z) {
        log.error("{}: the eye of zone {} chatters (more than {} edges a second); the zone is held until reset", line.id, z.id, maxEdgesPerS);
        z.jammed = true;
        z.jamKind = FAULT;
        if (!loop.hasFault(fault(z.id))) {
            loop.fault(fault(z.id));
            events.emit(line.id, "fault", Map.of("reason", FAULT, "zone", z.id));
        }
        loop.applyOutputs();
        loop.changed();
    }

    private void lineEyeChatters(String where) {
        log.error("{}: the {} eye chatters (more than {} edges a second); the line stops until reset", line.id, where, maxEdgesPerS);
        stopLine.accept(fault(where), Map.of("reason", FAULT, "zone", where));
    }

    /** Every tick: once a reset has cleared a chatter fault, its eye counts again from the level it shows now. */
    void rearmCleared() {
        zoneEyes.forEach((z, c) -> {
            if (c.tripped() && !z.jammed) {
                c.rearm();
                z.eyeBlocked = z.eye.isActive();
            }
        });
        lineEyes.forEach((where, c) -> {
            if (c.tripped() && !loop.hasFault(fault(where))) c.rearm();
        });
    }
}
