package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The physical line as the control loop tracks it, shared by its parts as plain data: zones and
 * lanes by id, the sorter belt, the open orders and the belt speed. Control thread only.
 */
final class LineModel {
    private static final Logger log = LoggerFactory.getLogger(LineModel.class);

    final String id;
    final LineConfig cfg;
    final Map<String, ZoneState> zones = new LinkedHashMap<>();
    final Map<String, LaneState> lanes = new LinkedHashMap<>();
    final OrderBook orders = new OrderBook();
    final SorterBelt sorter;
    double speed;                   // changes only through LineController.requestSpeed
    LiveLineSettings live;          // changes only through LineController.applyLive, between ticks
    private ZoneState[] zoneArray = new ZoneState[0];   // the zones and lanes again, indexed: no iterators on the control path
    private LaneState[] laneArray = new LaneState[0];
    private int generatedIds;

    LineModel(String id, LineConfig cfg, LineLoop loop) {
        this.id = id;
        this.cfg = cfg;
        this.speed = cfg.speedMpsOrDefault();
        this.live = LiveLineSettings.of(cfg);
        this.sorter = new SorterBelt(loop, () -> speed, cfg.sorter());
    }

    /** Called once every zone and lane exists. */
    void indexed() {
        zoneArray = zones.values().toArray(ZoneState[]::new);
        laneArray = lanes.values().toArray(LaneState[]::new);
    }

    ZoneState[] zoneArray() { return zoneArray; }

    LaneState[] laneArray() { return laneArray; }

    /** At start-up, before any edge: what the eyes see now; something on a zone's eye nobody knows goes to exception. */
    void readEyesAtStart() {
        zones.values().forEach(z -> z.eyeBlocked = z.eye.isActive());
        lanes.values().forEach(l -> l.fullEyeActive = l.fullEye != null && l.fullEye.isActive());
        for (ZoneState z : zones.values()) {
            if (z.eyeBlocked) {
                TrackedBag b = new TrackedBag(generatedId("unknown", z.id), null, false, true);
                b.reason = "unknown-after-restart";
                b.lastSeen = z.id;
                z.bags.add(b);
            }
        }
    }

    /** Lanes an order may get: every lane but the run-out (exception) lane. */
    List<String> orderLaneIds() {
        return lanes.keySet().stream().filter(l -> !l.equals(cfg.sorter().runOutLaneOrDefault())).toList();
    }

    /** A name for an item without a read: {@code prefix-<where>-<n>}, unique for this run. */
    String generatedId(String prefix, String where) {
        return prefix + "-" + where + "-" + (++generatedIds);
    }

    /** An item nobody inducted, bound for exception. */
    TrackedBag unknownItem(String where) {
        TrackedBag b = new TrackedBag(generatedId("unknown", where), null, false, true);
        b.lastSeen = where;
        log.warn("{}: an item nobody inducted appeared at {}; it goes to exception", id, where);
        return b;
    }
}
