package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.device.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a bag gets its name: each station's scanner reads wait in order for their bags, and the
 * bag reaching the station zone's eye is inducted under the oldest read (or as a no-read). A read
 * whose bag never came, or a jam a person cleared between scanner and eye, makes the station
 * re-align its reads with what arrives ({@link StationResync}) instead of shifting every name
 * behind. Control thread only.
 */
final class StationTracker {
    private static final Logger log = LoggerFactory.getLogger(StationTracker.class);
    private static final int MAX_PENDING_READS = 16;

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final LostBags lost;
    private final Map<String, StationState> stations = new LinkedHashMap<>();
    private StationState[] stationArray = new StationState[0];

    StationTracker(LineModel line, LineLoop loop, EventSink events, LostBags lost) {
        this.line = line;
        this.loop = loop;
        this.events = events;
        this.lost = lost;
    }

    /** The station inducts at its zone; its scanner's reads come in through {@code peripherals}. */
    void add(LineConfig.Station st, LinePeripherals peripherals) {
        ZoneState z = line.zones.get(st.zone());
        StationState ss = new StationState(st, z);
        z.station = st.id();
        stations.put(st.id(), ss);
        stationArray = stations.values().toArray(StationState[]::new);
        if (st.scanner() != null) {
            peripherals.onScan(st.scanner(), (code, nanos) -> loop.post(() -> onScan(ss, code, nanos)));
        }
    }

    int size() { return stations.size(); }

    /** Every tick: reads age by their zone's motor-on time; a re-alignment gives up what waited too long. */
    void tick(long tickNanos) {
        for (StationState st : stationArray) {
            if (!st.zone.motor.isActive()) continue;
            st.movingNanos += tickNanos;
            if (st.resync != null) {
                st.resync.expire(st.movingNanos, st.movingNanos - st.lastArrivalMoving, JamSupervisor.arrivalLimitNanos(line, st.zone));
                settleResync(st);
            }
        }
    }

    private void onScan(StationState st, String code, long nanos) {
        PendingRead read = new PendingRead(code, nanos, st.movingNanos);
        if (st.resync != null) {
            st.resync.read(read);
            if (st.resync.readCount() > MAX_PENDING_READS * 2) abandonResync(st);   // a babbling scanner: give up, bounded
        } else {
            st.reads.add(read);
            while (st.reads.size() > MAX_PENDING_READS) st.reads.poll();   // a scanner babbling must not grow memory
        }
        if (code == null) log.info("{}: no-read at {}", line.id, st.cfg.id());
        superviseArrival(st);
    }

    /** If {@code z} is a station zone: the next scanned bag must reach its eye in time. */
    void superviseArrival(ZoneState z) {
        if (z.station != null) superviseArrival(stations.get(z.station));
    }

    /**
     * A scanned bag must reach its station zone's eye in time: the read is the station's "release".
     * The oldest pending read is the bag expected next; a bag stuck before the eye is an arrival jam
     * of the station zone, not a read that silently expires.
     */
    private void superviseArrival(StationState st) {
        ZoneState z = st.zone;
        boolean waiting = !st.reads.isEmpty() || (st.resync != null && st.resync.hasUnboundReads());
        if (z.expectingArrival || z.jammed || !waiting) return;
        z.expectingArrival = true;
        z.motorOnNanos = st.reads.isEmpty() ? 0 : st.movingNanos - st.reads.peek().movingNanos();
    }

    /**
     * A person cleared a jam in station zone {@code z}, between its scanner and its eye: each bag
     * read before may have been taken off or pushed on, so none keeps its identity (each is reported
     * lost) and the station re-aligns its reads with what reaches the eye ({@link StationResync})
     * instead of pinning a later read on a bag from before, which would shift every identity behind it.
     */
    void clearedByHand(ZoneState z) {
        StationState st = stations.get(z.station);
        List<PendingRead> before = new ArrayList<>(st.reads);
        int k = st.reads.size();
        if (st.resync != null) {
            List<PendingRead> unbound = st.resync.unbound();
            before.addAll(unbound);
            k += unbound.size() + st.resync.stillToCome();
        }
        st.resync = null;
        if (k > 0) beginResync(st, k, List.of());
        readsLost(st, before, "never reached its eye (cleared by hand)");
    }

    /** Up to {@code k} bags from before may still come ahead of {@code readsSoFar}: re-align from here. */
    private void beginResync(StationState st, int k, List<PendingRead> readsSoFar) {
        st.resync = new StationResync(k, readsSoFar);
        st.reads.clear();
        st.lastArrivalMoving = st.movingNanos;
    }

    /** Each read with a code is a bag the line can no longer name: {@code bag-lost} at the station. */
    private void readsLost(StationState st, Collection<PendingRead> reads, String why) {
        for (PendingRead r : reads) {
            if (r.code() == null) continue;
            log.warn("{}: bag {} read at {} {}; reported lost", line.id, r.code(), st.cfg.id(), why);
            lost.report(r.code(), st.cfg.id());
        }
    }

    /** The resync has one answer left (or none): back to plain FIFO with the reads still waiting. */
    private void settleResync(StationState st) {
        StationResync r = st.resync;
        if (r == null || !(r.resolved() || r.broken())) return;
        StationResync.Resolved done = r.finish();
        st.resync = null;
        readsLost(st, done.lost(), "went to exception unnamed while its reads were re-aligned");
        st.reads.addAll(done.pending());
        log.info("{}: {} back in step{}", line.id, st.cfg.id(), r.broken() ? " (a bag passed the scanner unreported: every read given up)" : "");
    }

    private void abandonResync(StationState st) {
        log.warn("{}: {} gave up re-aligning its reads (too many)", line.id, st.cfg.id());
        List<PendingRead> unbound = st.resync.unbound();
        st.resync = null;
        readsLost(st, unbound, "was waiting while the station re-aligned");
    }

    /** A bag reached the eye of station zone {@code z} with nothing handed over from upstream: it gets its name here. */
    TrackedBag induct(ZoneState z, long nanos) {
        StationState st = stations.get(z.station);
        // the oldest read belongs to this bag, unless the zone has moved it further since than the
        // scanner-to-eye distance (plus margin): then that read was for a bag that never got here.
        // Only motor-on time counts: a bag waiting in a stopped zone does not age its read.
        // The window outlasts the station's arrival-jam limit and one automatic retry, so a bag that
        // stuck and came free keeps its identity; a read older than that had no bag.
        long window = JamSupervisor.arrivalLimitNanos(line, st.zone)
                + (long) (((st.zone.cfg.eyeAtMOrDefault() - st.cfg.scanAtMOrDefault()) / line.speed * 2 + 1) * 1e9);
        if (st.resync == null) {
            List<PendingRead> stale = new ArrayList<>();
            while (!st.reads.isEmpty() && st.movingNanos - st.reads.peek().movingNanos() > window) stale.add(st.reads.poll());
            if (!stale.isEmpty()) {
                readsLost(st, stale, "is stale: no bag reached the eye in time");
                // those bags may still come, ahead of every bag read after them: re-align, never guess
                beginResync(st, stale.size(), new ArrayList<>(st.reads));
            }
        }
        PendingRead read;
        if (st.resync != null) {
            read = st.resync.arrive().read();
            st.lastArrivalMoving = st.movingNanos;
            settleResync(st);
            if (read == null) {
                log.warn("{}: the bag at {}'s eye cannot be named after the station lost count; it goes to exception", line.id, st.cfg.id());
                return line.unknownItem(st.zone.id);
            }
        } else {
            read = st.reads.poll();
        }
        TrackedBag b;
        if (read == null || read.code() == null) {
            b = new TrackedBag(line.generatedId("noread", st.cfg.id()), st.cfg.id(), true, false);
            events.emit(line.id, "bag-noread", Map.of("station", st.cfg.id()));
        } else {
            b = new TrackedBag(read.code(), st.cfg.id(), false, false);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("order", b.noRead ? null : line.orders.orderOfBag(b.id).map(o -> o.id).orElse(null));
        f.put("station", st.cfg.id());
        events.emit(line.id, "bag-inducted", f);
        return b;
    }
}
