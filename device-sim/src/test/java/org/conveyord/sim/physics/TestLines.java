package org.conveyord.sim.physics;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;

import java.util.List;

/**
 * Small lines for physics tests, built from config records. Pins: zone a motor 10 / eye 11, zone b
 * motor 12 / eye 13, sorter motor 20 / entry eye 21, diverter to lane-1 on 22 at 1.0 m (150 ms),
 * lane-1 eye 30 / full eye 31 (capacity 2), exception eye 32, e-stop 4, horn 17, heartbeat 27 (only
 * in {@link #withHeartbeat()}), buttons 5/6/7.
 */
final class TestLines {
    private TestLines() {}

    static LineConfig straight() {
        return line(null);
    }

    static LineConfig withHeartbeat() {
        return line(PinConfig.of(27));
    }

    /** Two stations p1 (motor 40, eye 41) and p2 (motor 42, eye 43) merging into m (motor 44, eye 45), then the sorter. */
    static LineConfig merge() {
        List<LineConfig.Zone> zones = List.of(
                new LineConfig.Zone("p1", 1.2, 1.1, PinConfig.of(40), PinConfig.of(41), "m", null),
                new LineConfig.Zone("p2", 1.2, 1.1, PinConfig.of(42), PinConfig.of(43), "m", null),
                new LineConfig.Zone("m", 1.2, 1.1, PinConfig.of(44), PinConfig.of(45), LineConfig.SORTER, null));
        LineConfig.Sorter sorter = new LineConfig.Sorter(3.0, PinConfig.of(20), PinConfig.of(21), 0.2, List.of(), "exception", 0.5);
        return new LineConfig(0.8, 2.0, PinConfig.of(4), PinConfig.of(17), null, null, null, false, 0.5, zones,
                List.of(new LineConfig.Station("pick-1", "p1", "scanner-1", 0.6), new LineConfig.Station("pick-2", "p2", "scanner-2", 0.6)),
                sorter, List.of(new LineConfig.Lane("exception", PinConfig.of(32), null, 30)), null, null, null);
    }

    private static LineConfig line(PinConfig heartbeat) {
        List<LineConfig.Zone> zones = List.of(
                new LineConfig.Zone("a", 1.2, 1.1, PinConfig.of(10), PinConfig.of(11), "b", null),
                new LineConfig.Zone("b", 1.2, 1.1, PinConfig.of(12), PinConfig.of(13), LineConfig.SORTER, "scale-1"));
        LineConfig.Sorter sorter = new LineConfig.Sorter(3.0, PinConfig.of(20), PinConfig.of(21), 0.2,
                List.of(new LineConfig.Diverter("lane-1", 1.0, PinConfig.of(22), 150)), "exception", 0.5);
        List<LineConfig.Lane> lanes = List.of(
                new LineConfig.Lane("lane-1", PinConfig.of(30), PinConfig.of(31), 2),
                new LineConfig.Lane("exception", PinConfig.of(32), null, 30));
        return new LineConfig(0.8, 2.0, PinConfig.of(4), PinConfig.of(17), null, heartbeat,
                new LineConfig.Buttons(PinConfig.of(5), PinConfig.of(6), PinConfig.of(7)), false, 0.5,
                zones, List.of(new LineConfig.Station("pick-1", "a", "scanner-1", 0.6)), sorter, lanes, null, null, null);
    }
}
