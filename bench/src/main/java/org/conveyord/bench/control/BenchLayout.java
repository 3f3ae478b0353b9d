package org.conveyord.bench.control;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The line the control benchmark plays: {@code zones} zones in a row into one sorter with
 * {@code lanes} lanes, {@code stations} stations spread along the zones, a belt at {@code speedMps}
 * and bags {@code bagLengthM} long. Pins: zone motors 1000+k, zone eyes 2000+k, sorter motor 3000,
 * entry eye 3001, diverters 3100+lane, lane eyes 3200+lane, e-stop 4000.
 *
 * @param name        "default" (the 32-zone figure of issue 12) or "big" (100 zones, 8 stations, 40 lanes)
 * @param zoneM       zone length; the belt advances a bag one zone every {@code zoneM / speedMps}
 * @param minGapM     the sorter's minimum gap
 */
record BenchLayout(String name, int zones, int stations, int lanes, double speedMps, double zoneM, double bagLengthM,
                   double bagsPerS, double minGapM) {
    static final double EYE_AT = 0.9;
    static final double ENTRY_EYE_AT = 0.4;
    static final int ACTUATION_MS = 50;
    static final int ESTOP_PIN = 4000;
    private static final double DIVERTER_PITCH_M = 0.25;

    BenchLayout {
        if (zones < 1 || stations < 1 || stations > zones || lanes < 1 || lanes > 99) {
            throw new IllegalArgumentException("layout needs 1 <= stations <= zones and 1 <= lanes <= 99; got zones "
                    + zones + ", stations " + stations + ", lanes " + lanes);
        }
        if (speedMps <= 0 || bagsPerS <= 0) throw new IllegalArgumentException("speed and rate must be positive");
    }

    /** The line the README's control figure was taken on: a synthetic fast belt so that 10 bags/s fit. */
    static BenchLayout standard() {
        return new BenchLayout("default", 32, 1, 12, 5.0, 1.0, 0.3, 10, 0.2);
    }

    /**
     * Issue 12's bigger line: 100 zones, 8 stations, 40 lanes at 2 m/s and 3 bags/s. Zones of
     * 0.6 m: one bag per zone (zero-pressure accumulation) passes 3.3 bags/s at 2 m/s.
     */
    static BenchLayout big() {
        return new BenchLayout("big", 100, 8, 40, 2.0, 0.6, 0.3, 3, 0.4);
    }

    BenchLayout with(int zones, int stations, int lanes, double speed, double rate) {
        return new BenchLayout(name, zones, stations, lanes, speed, zoneM, bagLengthM, rate, minGapM);
    }

    /** Time a bag needs from one zone eye to the next. */
    long stepNanos() { return (long) (zoneM / speedMps * 1e9); }

    /** Time a bag covers an eye. */
    long blockNanos() { return (long) (bagLengthM / speedMps * 1e9); }

    /** The zone where station {@code j} inducts: spread evenly, the first at zone 0. */
    int stationZone(int j) { return j * zones / stations; }

    static String scanner(int j) { return "scanner-" + (j + 1); }

    double divertAt(int lane) { return 1.4 + (lane - 1) * DIVERTER_PITCH_M; }

    static int laneEye(int lane) { return 3200 + lane; }

    LineConfig lineConfig() {
        List<LineConfig.Zone> zs = new ArrayList<>();
        for (int k = 0; k < zones; k++) {
            zs.add(new LineConfig.Zone("z" + k, zoneM, EYE_AT * zoneM, PinConfig.of(1000 + k), PinConfig.of(2000 + k),
                    k + 1 < zones ? "z" + (k + 1) : LineConfig.SORTER, null));
        }
        List<LineConfig.Diverter> diverters = new ArrayList<>();
        List<LineConfig.Lane> ls = new ArrayList<>();
        for (int l = 1; l <= lanes; l++) {
            diverters.add(new LineConfig.Diverter("lane-" + l, divertAt(l), PinConfig.of(3100 + l), ACTUATION_MS));
            ls.add(new LineConfig.Lane("lane-" + l, PinConfig.of(laneEye(l)), null, 10_000));
        }
        ls.add(new LineConfig.Lane("exception", PinConfig.of(3300), null, 100_000));
        LineConfig.Sorter sorter = new LineConfig.Sorter(divertAt(lanes) + DIVERTER_PITCH_M, PinConfig.of(3000), PinConfig.of(3001),
                ENTRY_EYE_AT, diverters, "exception", minGapM);
        List<LineConfig.Station> st = new ArrayList<>();
        for (int j = 0; j < stations; j++) st.add(new LineConfig.Station("pick-" + (j + 1), "z" + stationZone(j), scanner(j), 0.5));
        return new LineConfig(speedMps, 0.0, PinConfig.of(ESTOP_PIN), PinConfig.of(4001), null, PinConfig.of(4002), null, true, 0.3,
                zs, st, sorter, ls, null, 4.0, 5.0);
    }
}
