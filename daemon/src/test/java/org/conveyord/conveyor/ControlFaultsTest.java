package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.device.ErrorCode;
import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Faults on the control thread, in virtual time against the simulator (issue 8, items 5 and 7). */
class ControlFaultsTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 1);
    private static final LineConfig LINE = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));

    private static List<Integer> motionPins(LineConfig cfg) {
        List<Integer> pins = new ArrayList<>();
        cfg.zonesOrEmpty().forEach(z -> pins.add(z.motor().pin()));
        pins.add(cfg.sorter().motor().pin());
        pins.addAll(diverterPins(cfg));
        return pins;
    }

    private static List<Integer> diverterPins(LineConfig cfg) {
        return cfg.sorter().divertersOrEmpty().stream().map(d -> d.output().pin()).toList();
    }

    private static boolean anyOn(VirtualLineRig rig, List<Integer> pins) {
        return pins.stream().anyMatch(rig.world::output);
    }

    /** Runs {@code seconds} of line time and counts the heartbeat's level changes. */
    private static int heartbeatToggles(VirtualLineRig rig, double seconds) {
        int pin = LINE.heartbeat().pin();
        boolean last = rig.world.output(pin);
        int toggles = 0;
        long end = rig.clock.nanos() + (long) (seconds * 1e9);
        while (rig.clock.nanos() < end) {
            rig.step();
            boolean now = rig.world.output(pin);
            if (now != last) toggles++;
            last = now;
        }
        return toggles;
    }

    private static VirtualLineRig runningWithBagsOnTheSorter() {
        VirtualLineRig rig = new VirtualLineRig(LINE, SETTINGS);
        assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", null),
                new OrderBook.OrderBag("B-2", null)), null, "c-o")).ok()).isTrue();
        assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
        rig.world.hangBag("B-1", "pick-1", 800, 0.35, false);
        rig.world.hangBag("B-2", "pick-1", 900, 0.35, false);
        assertThat(rig.runUntil(() -> BagPlace.SORTER.equals(rig.world.bagPlaces().get("B-1").at()), 60)).isTrue();
        return rig;
    }

    @Test
    void aRuntimeExceptionStopsTheLineHaltsTheSorterAndLatchesAnInternalFaultUntilReset() {
        try (VirtualLineRig rig = runningWithBagsOnTheSorter()) {
            assertThat(anyOn(rig, motionPins(LINE))).isTrue();

            rig.line.post(() -> { throw new IllegalStateException("injected"); });
            rig.step();

            assertThat(anyOn(rig, motionPins(LINE))).as("motion outputs after the exception").isFalse();
            var faults = rig.events.ofType("fault");
            assertThat(faults).hasSize(1);
            assertThat(faults.get(0).fields()).containsEntry("reason", "internal")
                    .containsEntry("detail", "IllegalStateException: injected");
            assertThat(rig.line.status().detail()).isEqualTo(org.conveyord.device.StatusDetail.INTERNAL);
            assertThat(rig.line.snapshot()).containsEntry("running", false);

            // well past every divert the bags on the sorter had planned: no diverter fires on the stopped belt
            long end = rig.clock.nanos() + 10_000_000_000L;
            while (rig.clock.nanos() < end) {
                rig.step();
                assertThat(anyOn(rig, diverterPins(LINE))).as("a diverter on a stopped belt").isFalse();
                assertThat(anyOn(rig, motionPins(LINE))).isFalse();
            }
            assertThat(rig.world.bagPlaces().get("B-1").at()).isEqualTo(BagPlace.SORTER);

            var refused = rig.command(() -> rig.line.requestStart("c-s2", "test"));
            assertThat(refused.ok()).isFalse();
            assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_STATE);

            assertThat(rig.command(() -> rig.line.requestReset("c-r", false)).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s3", "test")).ok()).isTrue();
            assertThat(rig.runUntil(() -> anyOn(rig, motionPins(LINE)), 5)).isTrue();
        }
    }

    @Test
    void anErrorInATaskSwitchesMotionOffStopsTheHeartbeatAndCallsTheFatalHandler() {
        try (VirtualLineRig rig = runningWithBagsOnTheSorter()) {
            List<Throwable> fatal = new ArrayList<>();
            rig.clock.onFatal(fatal::add);
            assertThat(heartbeatToggles(rig, 0.5)).isGreaterThan(5);

            StackOverflowError boom = new StackOverflowError("injected");
            rig.line.post(() -> { throw boom; });
            rig.step();

            assertThat(fatal).containsExactly(boom);
            assertThat(anyOn(rig, motionPins(LINE))).isFalse();
            assertThat(heartbeatToggles(rig, 2)).as("heartbeat toggles after the fatal error").isZero();
            assertThat(rig.world.output(LINE.heartbeat().pin())).isFalse();
            assertThat(anyOn(rig, motionPins(LINE))).isFalse();
        }
    }

    @Test
    void anErrorInAPeriodicTaskOfTheControlClockTakesTheSamePath() {
        try (VirtualLineRig rig = runningWithBagsOnTheSorter()) {
            List<Throwable> fatal = new ArrayList<>();
            rig.clock.onFatal(fatal::add);
            OutOfMemoryError boom = new OutOfMemoryError("injected");
            rig.clock.every(() -> { throw boom; }, LineController.TICK_MS * 1_000_000L);
            rig.runFor(0.1);

            assertThat(fatal).containsExactly(boom);
            assertThat(anyOn(rig, motionPins(LINE))).isFalse();
            assertThat(heartbeatToggles(rig, 2)).isZero();
        }
    }

    @Test
    void theHeartbeatStopsWhileTheLoopFallsBehind() {
        try (VirtualLineRig rig = new VirtualLineRig(LINE, SETTINGS)) {
            assertThat(heartbeatToggles(rig, 0.5)).isGreaterThan(5);
            // work arrives faster than the loop gets through it: each task queues the next, then takes 300 ms
            boolean[] busy = {true};
            Runnable[] stall = new Runnable[1];
            stall[0] = () -> {
                if (busy[0]) rig.line.post(stall[0]);
                rig.clock.spend(300_000_000L);
            };
            rig.line.post(stall[0]);
            assertThat(heartbeatToggles(rig, 3)).as("heartbeat toggles while the loop lags").isZero();
            busy[0] = false;
            assertThat(heartbeatToggles(rig, 1)).as("toggles once it caught up").isGreaterThan(5);
        }
    }

    /** The line with its first zone's eye not debounced (a release debounce would swallow most of the chatter). */
    private static LineConfig firstEyeUndebounced() {
        List<LineConfig.Zone> zones = new ArrayList<>(LINE.zonesOrEmpty());
        LineConfig.Zone z = zones.get(0);
        var eye = z.eye();
        zones.set(0, new LineConfig.Zone(z.id(), z.lengthM(), z.eyeAtM(), z.motor(),
                new org.conveyord.config.PinConfig(eye.pin(), eye.activeLow(), 0, eye.bias()), z.next(), z.scale()));
        return new LineConfig(LINE.speedMps(), LINE.startWarningS(), LINE.estop(), LINE.horn(), LINE.stackLight(), LINE.heartbeat(),
                LINE.buttons(), LINE.remoteEstopReset(), LINE.maxBagLengthM(), zones, LINE.stations(), LINE.sorter(), LINE.lanes(),
                LINE.printer(), LINE.sensorJamS(), LINE.arrivalJamMarginS());
    }

    @Test
    void aChatteringEyeBecomesOneSensorChatterFaultOnItsZoneNotAFloodOfTasks() {
        try (VirtualLineRig rig = new VirtualLineRig(firstEyeUndebounced(), SETTINGS)) {
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.runFor(2);
            LineConfig.Zone zone = LINE.zonesOrEmpty().get(0);
            int before = rig.clock.pendingTasks();
            int maxPending = 0;
            long t = rig.clock.nanos();
            // 200 edges in one second of edge time, delivered without the loop running in between
            for (int i = 0; i < 200; i++) {
                rig.gpio.deliver(zone.eye().pin(), i % 2 == 0, t + i * 5_000_000L);
                maxPending = Math.max(maxPending, rig.clock.pendingTasks() - before);
            }
            // the edges up to the limit (50 a second) and the one fault: the other 149 never reach the loop
            assertThat(maxPending).as("tasks queued by the flood").isLessThanOrEqualTo(LINE.maxEyeEdgesPerSOrDefault() + 1);
            rig.runFor(0.1);

            var faults = rig.events.ofType("fault");
            assertThat(faults).hasSize(1);
            assertThat(faults.get(0).fields()).isEqualTo(Map.of("reason", "sensor-chatter", "zone", zone.id()));
            assertThat(rig.world.output(zone.motor().pin())).isFalse();
            assertThat(rig.world.output(LINE.stackLight().red().pin())).isTrue();
            var refused = rig.command(() -> rig.line.requestStart("c-s2", "test"));
            assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_STATE);

            assertThat(rig.command(() -> rig.line.requestReset("c-r", false)).ok()).isTrue();
            rig.runFor(0.2);
            assertThat(rig.line.snapshot().get("faults")).asList().isEmpty();
        }
    }
}
