package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalOut;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A reload's jam retries and check-weigh tolerances reaching the real controller while its line runs, in virtual time. */
class LineLiveSettingsTest {

    private static final LineConfig LINE = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));

    /** {@code c} with other jam timers, retries and check-weigh tolerances (what a reloaded file may change). */
    static LineConfig withLive(LineConfig c, Double arrivalJamMarginS, Integer jamRetries, Double tolerancePct, Double toleranceGrams) {
        return new LineConfig(c.speedMps(), c.startWarningS(), c.estop(), c.horn(), c.stackLight(), c.heartbeat(), c.buttons(),
                c.remoteEstopReset(), c.maxBagLengthM(), c.zones(), c.stations(), c.sorter(), c.lanes(), c.printer(),
                c.sensorJamS(), arrivalJamMarginS, tolerancePct, toleranceGrams, jamRetries, c.speedPresets(), c.laneFull(),
                c.maxLoopLagMs(), c.maxEyeEdgesPerS());
    }

    private static Map<String, Boolean> outputs(VirtualLineRig rig) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (DigitalOut o : rig.gpio.outputs()) out.put(o.name(), o.isActive());
        return out;
    }

    @Test
    void aReloadedToleranceJudgesTheNextBagAndTheApplySwitchesNoOutput() {
        var settings = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 3);
        try (VirtualLineRig rig = new VirtualLineRig(LINE, settings)) {
            assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", 1200.0),
                    new OrderBook.OrderBag("B-2", 1200.0)), null, "c-o")).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.hangBag("B-1", "pick-1", 1400, 0.35, false);   // 200 g over: outside the default max(50 g, 10 %)
            assertThat(rig.runUntil(() -> rig.events.ofType("checkweigh").size() == 1, 60)).isTrue();
            assertThat(rig.events.ofType("checkweigh").getFirst().fields()).containsEntry("bag", "B-1").containsEntry("ok", false);

            rig.world.hangBag("B-2", "pick-1", 1400, 0.35, false);
            rig.runFor(1.0);
            Map<String, Boolean> before = outputs(rig);
            assertThat(before).as("the line is moving a bag").containsValue(true);
            var applied = rig.line.applyLive(withLive(LINE, null, null, null, 300.0));
            rig.clock.advanceTo(rig.clock.nanos());   // the control thread takes it, between two ticks
            assertThat(applied.getNow(null)).isNotNull().satisfies(r -> assertThat(r.ok()).isTrue());
            assertThat(outputs(rig)).as("no output changed by the reload").isEqualTo(before);

            assertThat(rig.runUntil(() -> rig.events.ofType("checkweigh").size() == 2, 60)).isTrue();
            assertThat(rig.events.ofType("checkweigh").get(1).fields()).containsEntry("bag", "B-2").containsEntry("ok", true);
            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-2").at()).startsWith("lane-");
            assertThat(rig.world.collisions()).isZero();
        }
    }

    @Test
    void aReloadedRetryCountAndArrivalMarginApplyToTheNextJam() {
        var settings = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 3);
        try (VirtualLineRig rig = new VirtualLineRig(LINE, settings)) {
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.runFor(2.0);
            rig.line.applyLive(withLive(LINE, 1.0, 0, null, null));
            rig.clock.advanceTo(rig.clock.nanos());
            // the bag sticks in z1 before its eye: an arrival jam once z1's motor ran its window
            rig.world.setJam("z1", true);
            long hungAt = rig.clock.nanos();
            rig.world.hangBag("B-1", "pick-1", 1000, 0.35, false);
            assertThat(rig.runUntil(() -> !rig.events.ofType("jam").isEmpty(), 60)).isTrue();
            assertThat(rig.events.ofType("jam").getFirst().fields()).containsEntry("zone", "z1").containsEntry("kind", "arrival")
                    .containsEntry("autoRetry", false);
            LineConfig.Zone z1 = LINE.zone("z1").orElseThrow();
            double oldWindowS = z1.eyeAtMOrDefault() / LINE.speedMpsOrDefault() + LINE.arrivalJamMarginSOrDefault();
            assertThat((rig.clock.nanos() - hungAt) / 1e9).as("sooner than the old margin allows from z1 alone")
                    .isLessThan(oldWindowS);
            assertThat(rig.line.snapshot().toString()).contains("jam z1");
        }
    }
}
