package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.hal.DigitalOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The horn and the motion it warns of. A motor that starts after a latched stop (e-stop, latched
 * jam, fault, {@code stop}) starts only after the horn has sounded for {@code startWarningS}: the
 * whole line at start, and a single zone that a {@code reset} releases while the rest of the line
 * runs. The automatic jam retry sounds it as well. It sounds while any of these needs it, so one
 * ending never silences another. Maintenance mode sounds it before every jog ({@link MaintenanceMode}).
 * Control thread only.
 */
final class Horn {
    private static final Logger log = LoggerFactory.getLogger(Horn.class);

    private final DigitalOut out;     // null: the line has no horn, the waits still apply
    private final String lineId;
    private final LineLoop loop;
    private final long warnNanos;
    private boolean lineStart;
    private boolean jamRetry;
    private boolean maintenance;
    private final List<ZoneState> zonesWaiting = new ArrayList<>();
    private ControlClock.Cancellable zoneTimer;
    private boolean lastApplied;

    Horn(DigitalOut out, String lineId, LineLoop loop, long warnNanos) {
        this.out = out;
        this.lineId = lineId;
        this.loop = loop;
        this.warnNanos = warnNanos;
    }

    /** The warning before the whole line starts. */
    void lineStart(boolean on) {
        lineStart = on;
        apply();
    }

    /** The warning before an automatic jam retry. */
    void jamRetry(boolean on) {
        jamRetry = on;
        apply();
    }

    /** Maintenance mode: the warning before a jog, or the horn held on from the I/O panel. */
    void maintenance(boolean on) {
        maintenance = on;
        apply();
    }

    /**
     * Zones a reset released while the line runs: they stay still while the horn sounds for the
     * start warning, then the loop recomputes the motors. Zones added while a warning sounds wait
     * for the new one too.
     */
    void warnBeforeRestarting(List<ZoneState> zones) {
        if (zones.isEmpty()) return;
        for (ZoneState z : zones) if (!zonesWaiting.contains(z)) zonesWaiting.add(z);
        List<String> ids = zonesWaiting.stream().map(z -> z.id).toList();
        log.info("{}: sounding the horn for {} ms before zones {} restart", lineId, warnNanos / 1_000_000, ids);
        if (zoneTimer != null) zoneTimer.cancel();
        zoneTimer = loop.after(warnNanos, () -> {
            zoneTimer = null;
            zonesWaiting.clear();
            apply();
            log.info("{}: zones {} restart after the horn", lineId, ids);
            loop.applyOutputs();
            loop.changed();
        });
        apply();
    }

    /** A zone waiting for the horn does not move, and takes no bag from upstream yet. */
    boolean holds(ZoneState z) {
        return !zonesWaiting.isEmpty() && zonesWaiting.contains(z);
    }

    /** The line stopped (e-stop, stop, failure): its next start sounds the horn for every zone anyway. */
    void lineStopped() {
        if (zoneTimer != null) zoneTimer.cancel();
        zoneTimer = null;
        zonesWaiting.clear();
        lineStart = false;
        jamRetry = false;
        apply();
    }

    boolean sounding() {
        return lineStart || jamRetry || maintenance || !zonesWaiting.isEmpty();
    }

    /** Silences the horn for good (the daemon is closing). */
    void off() {
        maintenance = false;
        lineStopped();
    }

    private void apply() {
        boolean on = sounding();
        if (on == lastApplied) return;
        lastApplied = on;
        if (out != null) out.set(on);
        loop.changed();    // state/<line> carries horn
    }
}
