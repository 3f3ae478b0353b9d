package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;

import java.util.ArrayDeque;

/** A station at run time: its scanner's reads still waiting for their bags. Control thread only. */
final class StationState {
    final LineConfig.Station cfg;
    final ZoneState zone;
    final ArrayDeque<PendingRead> reads = new ArrayDeque<>();
    long movingNanos;             // motor-on time of the station's zone: the clock reads age by
    StationResync resync;         // non-null while reads and arrivals are being re-aligned
    long lastArrivalMoving;       // movingNanos at the last arrival while re-aligning

    StationState(LineConfig.Station cfg, ZoneState zone) {
        this.cfg = cfg;
        this.zone = zone;
    }
}
