package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.device.ErrorCode;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Speed presets in virtual time: the simulated belt follows the preset outputs, tracking follows the belt. */
class SpeedTest {

    static LineConfig withPresets(LineConfig l, List<LineConfig.SpeedPreset> presets) {
        return new LineConfig(l.speedMps(), l.startWarningS(), l.estop(), l.horn(), l.stackLight(), l.heartbeat(), l.buttons(),
                l.remoteEstopReset(), l.maxBagLengthM(), l.zones(), l.stations(), l.sorter(), l.lanes(), l.printer(),
                l.sensorJamS(), l.arrivalJamMarginS(), null, null, null, presets, null);
    }

    @Test
    void theLineChangesSpeedMidRunAndStillSortsEveryBag() {
        LineConfig cfg = withPresets(LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.03, false)),
                List.of(new LineConfig.SpeedPreset(0.5, PinConfig.of(116)), new LineConfig.SpeedPreset(1.0, PinConfig.of(117)),
                        new LineConfig.SpeedPreset(2.5, PinConfig.of(118))));
        try (VirtualLineRig rig = new VirtualLineRig(cfg, new SimSettings(0.03, 100, 0.35, 1000, 400, false, 1000, 3000, 9))) {
            List<String> bags = List.of("B-1", "B-2", "B-3", "B-4", "B-5", "B-6");
            for (int i = 0; i < bags.size(); i += 2) {
                String order = "O-" + i;
                List<OrderBook.OrderBag> ob = List.of(new OrderBook.OrderBag(bags.get(i), null), new OrderBook.OrderBag(bags.get(i + 1), null));
                assertThat(rig.command(() -> rig.line.placeOrder(order, ob, null, "c-" + order)).ok()).isTrue();
            }
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            for (int i = 0; i < bags.size(); i++) {
                String b = bags.get(i);
                rig.world.hangBag(b, i % 2 == 0 ? "pick-1" : "pick-2", 700, 0.35, false);
                rig.runFor(2.5);
                if (i == 2) assertThat(rig.command(() -> rig.line.requestSpeed(1.0, "c-fast")).ok()).isTrue();
                if (i == 4) assertThat(rig.command(() -> rig.line.requestSpeed(0.5, "c-slow")).ok()).isTrue();
            }
            assertThat(rig.runUntil(() -> rig.world.settled(), 120)).isTrue();
            assertThat(rig.events.ofType("speed-changed")).extracting(e -> e.fields().get("speedMps")).containsExactly(1.0, 0.5);

            for (int i = 0; i < bags.size(); i += 2) {
                String a = rig.world.bagPlaces().get(bags.get(i)).at();
                assertThat(a).as("order of %s", bags.get(i)).startsWith("lane-");
                assertThat(rig.world.bagPlaces().get(bags.get(i + 1)).at()).isEqualTo(a);
            }
            assertThat(rig.world.collisions()).isZero();
            assertThat(rig.events.ofType("bag-lost")).isEmpty();

            assertThat(rig.command(() -> rig.line.requestSpeed(0.7, "c-x")).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            var tooFast = rig.command(() -> rig.line.requestSpeed(2.5, "c-y"));
            assertThat(tooFast.code()).isEqualTo(ErrorCode.INVALID_STATE);
            assertThat(tooFast.message()).contains("cannot run at 2.5 m/s");
        }
    }
}
