package org.conveyord.conveyor;

import org.conveyord.device.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a jam is detected: a zone's eye blocked too long while its motor pushes (sensor jam), or a
 * released bag that does not reach the next eye in time (arrival jam). A fresh jam gets one
 * automatic retry (horn, pause, motor on again) while the line runs; otherwise it latches for a
 * person, who clears it and sends {@code reset}. Also: a bag that never comes after a hand-cleared
 * jam (taken off), a bag released to the sorter that never reaches its entry eye, and the per-zone
 * transit calibration the arrival window is measured with. Control thread only; the jam state
 * itself lives in each {@link ZoneState}.
 */
final class JamSupervisor {
    private static final Logger log = LoggerFactory.getLogger(JamSupervisor.class);
    private static final long TICK_NANOS = LineController.TICK_MS * 1_000_000L;
    private static final long JAM_RETRY_HORN_NANOS = 1_500_000_000L;
    private static final long JAM_RETRY_PAUSE_NANOS = 1_000_000_000L;
    /** A retry is only worth it soon after the jam: later, a person is the right answer. */
    private static final long JAM_RETRY_WINDOW_NANOS = 10_000_000_000L;

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final StationTracker stations;
    private final LostBags lost;
    private TrackedBag awaitedAtSorter;      // the bag between the last zone's eye and the sorter's entry eye
    private long sorterWaitNanos;            // belt-moving time it has been on its way there

    JamSupervisor(LineModel line, LineLoop loop, EventSink events, StationTracker stations, LostBags lost) {
        this.line = line;
        this.loop = loop;
        this.events = events;
        this.stations = stations;
        this.lost = lost;
    }

    /** Every tick: counts motor-on time and latches what has waited too long. */
    void check() {
        LiveLineSettings live = line.live;
        for (ZoneState z : line.zoneArray()) {
            if (z.jammed) continue;
            if (z.motor.isActive()) {
                // a timer takes its limit when it starts: a reload does not change one already running
                if (z.motorOnNanos == 0) z.arrivalMarginNanos = live.arrivalJamMarginNanos();
                z.motorOnNanos += TICK_NANOS;
                // only time spent pushing counts: a bag held by a stopped line is not stuck
                if (z.eyeBlocked) {
                    if (z.blockedRunNanos == 0) z.sensorJamNanos = live.sensorJamNanos();
                    z.blockedRunNanos += TICK_NANOS;
                }
            }
            if (z.eyeBlocked && z.blockedRunNanos > z.sensorJamNanos) {
                jam(z, "sensor");
            } else if (z.expectingArrival && z.motorOnNanos > arrivalLimitNanos(line, z)) {
                if (z.awaitingAfterReset) missingAfterReset(z);
                else jam(z, "arrival");
            }
        }
        checkSorterArrival();
    }

    /**
     * A bag whose tail left the last zone's eye is expected at the sorter's entry eye, and the zone
     * releases no other bag until it comes (one bag between the eyes). The eye also falls when a
     * person takes a stuck bag off that zone: a bag that has not reached the entry eye after the
     * moving belt would have carried it there, with the arrival margin, is lost. Reported, it frees
     * the sorter for the next bag; it otherwise waited there for ever and the line behind with it.
     */
    private void checkSorterArrival() {
        SorterBelt sorter = line.sorter;
        TrackedBag b = sorter.incoming.peek();
        if (b != awaitedAtSorter) {
            awaitedAtSorter = b;
            sorterWaitNanos = 0;
        }
        if (b == null || !sorter.moving) return;
        sorterWaitNanos += TICK_NANOS;
        if (sorterWaitNanos <= sorterArrivalLimitNanos(line)) return;
        sorter.incoming.poll();
        awaitedAtSorter = null;
        sorterWaitNanos = 0;
        log.warn("{}: bag {} did not reach the sorter's entry eye after leaving {}; taken off? reported lost", line.id, b.id, b.lastSeen);
        lost.report(b.id, b.lastSeen);
        loop.applyOutputs();
    }

    /** How long (belt-moving time) a bag may take from the farthest last zone's eye to the sorter's entry eye. */
    static long sorterArrivalLimitNanos(LineModel line) {
        double metres = 0;
        for (ZoneState z : line.zoneArray()) {
            if (z.next == null) metres = Math.max(metres, z.cfg.lengthMOrDefault() - z.cfg.eyeAtMOrDefault());
        }
        metres += line.cfg.sorter().entryEyeAtMOrDefault();
        return (long) (metres / line.speed * 1e9) + line.live.arrivalJamMarginNanos();
    }

    /** A zone's eye changed: a retried jam is over once its bag moves, and an arrival ends the wait. */
    void eyeChanged(ZoneState z, boolean blocked, long nanos) {
        if (z.jamRetries > 0 && !z.jammed) {
            // the bag moved again after an automatic retry: the jam is over
            jamCleared(z, true, null);
            log.info("{}: zone {} moves again after the automatic retry", line.id, z.id);
        }
        if (!blocked) return;
        z.eyeBlockedSince = nanos;
        z.blockedRunNanos = 0;
        // transits from a hand-over calibrate the window; a station's starts at a read, not a hand-over
        if (z.expectingArrival && z.station == null) recordTransit(z);
        z.expectingArrival = false;
        z.awaitingAfterReset = false;
        z.motorOnNanos = 0;
    }

    /** A bag was handed to {@code z}: it must reach the eye within the arrival window, motor-on time. */
    void expectArrival(ZoneState z) {
        z.expectingArrival = true;
        z.motorOnNanos = 0;
    }

    Optional<ZoneState> firstJammed() {
        for (ZoneState z : line.zoneArray()) if (z.jammed) return Optional.of(z);
        return Optional.empty();
    }

    /** Transits measured at the old speed no longer hold. */
    void speedChanged() {
        for (ZoneState z : line.zoneArray()) z.transitSamples = 0;
    }

    /** A person cleared every jam and sent {@code reset}: each jammed zone starts over; adds {@code jam <zone>} to {@code cleared}. */
    void clearByHand(List<String> cleared, String cmdId) {
        for (ZoneState z : line.zoneArray()) {
            if (!z.jammed) continue;
            z.jammed = false;
            z.jamRetries = 0;
            z.eyeBlockedSince = loop.clock().nanos();
            z.blockedRunNanos = 0;
            z.motorOnNanos = 0;
            cleared.add("jam " + z.id);
            jamCleared(z, false, cmdId);
            if (z.station != null) {
                // whatever the kind, the person may have taken off bags between scanner and eye
                stations.clearedByHand(z);
            } else if ("arrival".equals(z.jamKind) && !z.bags.isEmpty() && !z.eyeBlocked) {
                // the person may have taken the stuck bag off: if it does not come, it is lost,
                // and the zone must not stay "occupied" by it and block the line behind
                z.expectingArrival = true;
                z.awaitingAfterReset = true;
            }
        }
    }

    /**
     * How long (motor-on time) a released bag may take to reach this zone's eye: from the nominal
     * speed until the zone has measured a few real transits, then from the measured transit (slip,
     * ramps and eye positions included) with half of it again plus a second as margin.
     */
    static long arrivalLimitNanos(LineModel line, ZoneState z) {
        long margin = z.motorOnNanos == 0 ? line.live.arrivalJamMarginNanos() : z.arrivalMarginNanos;
        long nominal = (long) (z.cfg.eyeAtMOrDefault() / line.speed * 1e9) + margin;
        if (z.transitSamples < 5) return nominal;
        return Math.min(nominal, (long) (z.transitEwmaNanos * 1.5) + 1_000_000_000L);
    }

    private void recordTransit(ZoneState z) {
        long sample = z.motorOnNanos;
        z.transitEwmaNanos = z.transitSamples == 0 ? sample : (long) (0.8 * z.transitEwmaNanos + 0.2 * sample);
        z.transitSamples++;
    }

    /** The bag a hand-cleared arrival jam left in a zone never came: taken off. Report it, free the zone. */
    private void missingAfterReset(ZoneState z) {
        TrackedBag b = z.bags.poll();
        z.awaitingAfterReset = false;
        z.expectingArrival = !z.bags.isEmpty();
        z.motorOnNanos = 0;
        if (b != null) {
            log.warn("{}: bag {} did not reach {}'s eye after the jam was cleared; taken off? reported lost", line.id, b.id, z.id);
            lost.report(b.id, b.lastSeen);
        }
        loop.applyOutputs();
        loop.changed();
    }

    private void jam(ZoneState z, String kind) {
        z.jammed = true;
        z.jamKind = kind;
        z.expectingArrival = false;
        long now = loop.clock().nanos();
        if (now - z.lastJamNanos > JAM_RETRY_WINDOW_NANOS * 3) z.jamRetries = 0;   // a new jam, not the same one again
        z.lastJamNanos = now;
        int allowed = line.live.jamRetries();
        boolean retry = z.jamRetries < allowed && loop.running();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("zone", z.id);
        f.put("cleared", false);
        f.put("kind", kind);
        f.put("autoRetry", retry);
        events.emit(line.id, "jam", f);
        if (retry) {
            z.jamRetries++;
            log.warn("{}: {} jam in zone {}; automatic retry {} of {} after the horn and a pause", line.id, kind, z.id,
                    z.jamRetries, allowed);
            // a hand may be in the jam: warn first, then wait, then try once more
            loop.jamHorn(true);
            loop.after(JAM_RETRY_HORN_NANOS, () -> {
                loop.jamHorn(false);
                loop.after(JAM_RETRY_PAUSE_NANOS, () -> retryJam(z, now));
            });
        } else {
            loop.fault("jam " + z.id);
            log.warn("{}: {} jam in zone {}; zones feeding it hold, the rest drains; a person must clear it and reset", line.id, kind, z.id);
        }
        loop.changed();
    }

    private void jamCleared(ZoneState z, boolean byRetry, String cmdId) {
        z.jamRetries = 0;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("zone", z.id);
        f.put("cleared", true);
        if (byRetry) f.put("autoRetry", true);
        events.emit(line.id, "jam", f, cmdId);
    }

    private void retryJam(ZoneState z, long jammedAt) {
        if (!z.jammed || loop.hasFault("jam " + z.id)) return;
        if (!loop.running() || loop.estopActive() || loop.clock().nanos() - jammedAt > JAM_RETRY_WINDOW_NANOS) {
            loop.fault("jam " + z.id);   // too late or the line stopped: a person decides
            loop.changed();
            return;
        }
        z.jammed = false;
        z.blockedRunNanos = 0;
        z.motorOnNanos = 0;
        z.expectingArrival = !z.bags.isEmpty() && !z.eyeBlocked;
        if (!z.eyeBlocked) stations.superviseArrival(z);
        if ("sensor".equals(z.jamKind) && !z.eyeBlocked) {
            // the bag came free during the pause (pulled on by the zone ahead): nothing left to retry
            jamCleared(z, true, null);
        }
        loop.applyOutputs();
        loop.changed();
    }
}
