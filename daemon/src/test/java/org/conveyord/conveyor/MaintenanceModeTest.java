package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.device.ErrorCode;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Maintenance mode against the simulated line in virtual time: who may enter it, hold-to-run with
 * keep-alives, the horn before any jog motion, and everything that ends a hold (no keep-alive,
 * the e-stop, the page connection closing, leaving maintenance mode).
 */
class MaintenanceModeTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);
    private static final LineConfig CFG = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));
    private static final long WARNING_MS = Math.round(CFG.startWarningSOrDefault() * 1000);
    private static final long KEEP_ALIVE_MS = 200;

    private static boolean on(VirtualLineRig rig, PinConfig pin) {
        return rig.world.output(pin.pin()) == pin.activeLevel();
    }

    private static PinConfig motor(String zone) {
        return CFG.zonesOrEmpty().stream().filter(z -> z.id().equals(zone)).findFirst().orElseThrow().motor();
    }

    private static boolean horn(VirtualLineRig rig) {
        return on(rig, CFG.horn());
    }

    private static CommandResult maintenance(VirtualLineRig rig, boolean enter) {
        return rig.command(() -> rig.line.maintenance().setMode(enter, "tech", "c-maintenance"));
    }

    private static CommandResult jog(VirtualLineRig rig, String zone, String session) {
        return rig.command(() -> rig.line.maintenance().jog(zone, true, 500, "tech", session));
    }

    /** Sends a jog keep-alive every 200 ms of line time for {@code ms}; the last one is sent at the end. */
    private static void keepJogging(VirtualLineRig rig, String zone, long ms) {
        long end = rig.clock.nanos() + ms * 1_000_000L;
        while (rig.clock.nanos() < end) {
            rig.runFor(KEEP_ALIVE_MS / 1000.0);
            assertThat(jog(rig, zone, null).ok()).isTrue();
        }
    }

    private static VirtualLineRig rigInMaintenance() {
        VirtualLineRig rig = new VirtualLineRig(CFG, SETTINGS);
        assertThat(maintenance(rig, true).ok()).isTrue();
        return rig;
    }

    private static String refusal(CommandResult r) {
        assertThat(r.ok()).as("refused").isFalse();
        assertThat(r.code()).isEqualTo(ErrorCode.INVALID_STATE);
        return r.message();
    }

    @Test
    void ioAndJogAreRefusedOutsideMaintenanceMode() {
        try (VirtualLineRig rig = new VirtualLineRig(CFG, SETTINGS)) {
            assertThat(refusal(jog(rig, "p1", null))).contains("outside maintenance mode");
            assertThat(refusal(rig.command(() -> rig.line.maintenance().io("horn", true, 500, "tech", null))))
                    .contains("outside maintenance mode");
            rig.runFor(1);
            assertThat(on(rig, motor("p1"))).isFalse();
            assertThat(horn(rig)).isFalse();
            assertThat(rig.line.snapshot()).containsEntry("maintenance", false).doesNotContainKey("inputs");
        }
    }

    @Test
    void enteringIsRefusedWhileTheEstopIsLatchedAndAllowedAfterTheReset() {
        try (VirtualLineRig rig = new VirtualLineRig(CFG, SETTINGS)) {
            rig.world.setEstop(true);
            rig.runFor(0.5);
            assertThat(refusal(maintenance(rig, true))).contains("emergency stop is pressed");
            rig.world.setEstop(false);
            rig.runFor(0.5);
            assertThat(refusal(maintenance(rig, true))).contains("emergency stop is latched");
            assertThat(rig.command(() -> rig.line.requestReset("c-reset", true)).ok()).isTrue();
            assertThat(maintenance(rig, true).ok()).isTrue();
            assertThat(rig.line.snapshot()).containsEntry("maintenance", true);
        }
    }

    @Test
    void enteringIsRefusedWithBagsOnTheLine() {
        try (VirtualLineRig rig = new VirtualLineRig(CFG, SETTINGS)) {
            assertThat(rig.command(() -> rig.line.requestStart("c-start", "test")).ok()).isTrue();
            rig.runFor(2);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> ((Number) rig.line.snapshot().get("bagsInTransit")).intValue() > 0, 10)).isTrue();
            assertThat(rig.command(() -> rig.line.requestStop("c-stop")).ok()).isTrue();
            rig.runFor(2);
            assertThat(refusal(maintenance(rig, true))).contains("bags are on the line");
            assertThat(rig.line.snapshot()).containsEntry("maintenance", false);
        }
    }

    @Test
    void enteringStopsTheLineAndStartIsRefusedUntilMaintenanceEnds() {
        try (VirtualLineRig rig = new VirtualLineRig(CFG, SETTINGS)) {
            assertThat(rig.command(() -> rig.line.requestStart("c-start", "test")).ok()).isTrue();
            rig.runFor(WARNING_MS / 1000.0 + 1);
            assertThat(on(rig, motor("p1"))).isTrue();
            assertThat(maintenance(rig, true).ok()).isTrue();
            rig.step();
            assertThat(on(rig, motor("p1"))).isFalse();
            assertThat(on(rig, CFG.sorter().motor())).isFalse();
            assertThat(rig.line.snapshot()).containsEntry("running", false).containsEntry("maintenance", true);
            assertThat(refusal(rig.command(() -> rig.line.requestStart("c-start-2", "test")))).contains("maintenance mode");
            assertThat(rig.events.ofType("stopped")).last().satisfies(e -> assertThat(e.fields())
                    .containsEntry("controlled", false).containsEntry("reason", "maintenance"));

            assertThat(maintenance(rig, false).ok()).isTrue();
            rig.runFor(1);
            assertThat(on(rig, motor("p1"))).as("leaving maintenance starts nothing").isFalse();
            assertThat(rig.command(() -> rig.line.requestStart("c-start-3", "test")).ok()).isTrue();
            rig.runFor(WARNING_MS / 1000.0 + 1);
            assertThat(on(rig, motor("p1"))).isTrue();
            assertThat(rig.world.unexpectedMotion()).isZero();
        }
    }

    @Test
    void aJogSoundsTheHornFirstRunsWhileKeptAliveAndStops500msAfterTheLastKeepAlive() {
        try (VirtualLineRig rig = rigInMaintenance()) {
            assertThat(jog(rig, "p1", null).ok()).isTrue();
            rig.step();
            assertThat(horn(rig)).as("horn at once").isTrue();
            assertThat(on(rig, motor("p1"))).as("no motion while the horn sounds").isFalse();
            keepJogging(rig, "p1", WARNING_MS - 300);
            assertThat(on(rig, motor("p1"))).isFalse();
            keepJogging(rig, "p1", 600);
            assertThat(on(rig, motor("p1"))).as("moving after the warning").isTrue();
            assertThat(horn(rig)).as("the horn stops once it moves").isFalse();
            assertThat(on(rig, motor("p2"))).as("only the jogged zone").isFalse();
            @SuppressWarnings("unchecked") var holds = (List<Map<String, Object>>) rig.line.snapshot().get("holds");
            assertThat(holds).singleElement().satisfies(h -> assertThat(h).containsEntry("zone", "p1")
                    .containsEntry("output", "p1.motor").containsEntry("phase", "on").containsEntry("by", "tech"));

            keepJogging(rig, "p1", 2000);
            assertThat(on(rig, motor("p1"))).as("kept alive").isTrue();
            // the last keep-alive was just sent: still on 450 ms later, off by 500 ms (+ one physics tick)
            rig.runFor(0.45);
            assertThat(on(rig, motor("p1"))).isTrue();
            rig.runFor(0.06);
            assertThat(on(rig, motor("p1"))).as("released 500 ms after the last keep-alive").isFalse();
            assertThat(rig.line.snapshot().get("holds")).asList().isEmpty();
            assertThat(rig.world.unexpectedMotion()).isZero();
        }
    }

    @Test
    void theEstopDropsEveryHoldAndNothingResumesOnRelease() {
        try (VirtualLineRig rig = rigInMaintenance()) {
            jog(rig, "p1", null);
            keepJogging(rig, "p1", WARNING_MS + 400);
            assertThat(on(rig, motor("p1"))).isTrue();
            rig.world.setEstop(true);
            rig.step();
            assertThat(on(rig, motor("p1"))).as("off on the edge").isFalse();
            assertThat(rig.line.snapshot().get("holds")).asList().isEmpty();
            assertThat(refusal(jog(rig, "p1", null))).contains("emergency stop");
            rig.world.setEstop(false);
            rig.runFor(0.5);
            assertThat(refusal(jog(rig, "p1", null))).as("a keep-alive after the release starts nothing").contains("emergency stop");
            rig.runFor(2);
            assertThat(on(rig, motor("p1"))).isFalse();
            assertThat(horn(rig)).isFalse();
        }
    }

    @Test
    void aClosedPageConnectionEndsItsHoldAtOnceAndItsLateKeepAlivesStartNothing() {
        try (VirtualLineRig rig = rigInMaintenance()) {
            assertThat(jog(rig, "p2", "page-1").ok()).isTrue();
            for (int i = 0; i < (WARNING_MS + 400) / KEEP_ALIVE_MS; i++) {
                rig.runFor(KEEP_ALIVE_MS / 1000.0);
                assertThat(jog(rig, "p2", "page-1").ok()).isTrue();
            }
            assertThat(on(rig, motor("p2"))).isTrue();
            rig.command(() -> {
                rig.line.maintenance().sessionClosed("page-1");
                return CommandResult.answer(Map.of());
            });
            rig.step();
            assertThat(on(rig, motor("p2"))).as("off at once, not after holdMs").isFalse();
            assertThat(refusal(jog(rig, "p2", "page-1"))).contains("connection");
        }
    }

    @Test
    void ioHoldsAnOutputOnAndRestoresItAndMotionOutputsWaitForTheHorn() {
        try (VirtualLineRig rig = rigInMaintenance()) {
            PinConfig blue = CFG.stackLight().blue();
            assertThat(rig.command(() -> rig.line.maintenance().io("light.blue", true, 500, "tech", null)).ok()).isTrue();
            rig.step();
            assertThat(on(rig, blue)).isTrue();
            assertThat(rig.command(() -> rig.line.maintenance().io("light.blue", false, 500, "tech", null)).ok()).isTrue();
            rig.step();
            assertThat(on(rig, blue)).as("released on request").isFalse();

            assertThat(rig.command(() -> rig.line.maintenance().io("horn", true, 500, "tech", null)).ok()).isTrue();
            rig.step();
            assertThat(horn(rig)).isTrue();
            assertThat(rig.line.snapshot()).containsEntry("horn", true);
            rig.runFor(0.6);
            assertThat(horn(rig)).as("no keep-alive: the horn stops too").isFalse();

            PinConfig diverter = CFG.sorter().divertersOrEmpty().getFirst().output();
            String name = "diverter." + CFG.sorter().divertersOrEmpty().getFirst().lane();
            assertThat(rig.command(() -> rig.line.maintenance().io(name, true, 1000, "tech", null)).ok()).isTrue();
            rig.runFor(0.6);
            assertThat(horn(rig)).isTrue();
            assertThat(on(rig, diverter)).as("a diverter moves only after the horn too").isFalse();
            assertThat(rig.command(() -> rig.line.maintenance().io(name, true, 1000, "tech", null)).ok()).isTrue();
            rig.runFor(0.8);
            assertThat(on(rig, diverter)).isTrue();

            assertThat(rig.command(() -> rig.line.maintenance().io("heartbeat", true, 500, "tech", null)).code())
                    .as("the watchdog's heartbeat is never held").isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(rig.command(() -> rig.line.maintenance().io("nonsense", true, 500, "tech", null)).message())
                    .contains("no output 'nonsense'").contains("horn");

            assertThat(maintenance(rig, false).ok()).isTrue();
            rig.step();
            assertThat(on(rig, diverter)).as("leaving maintenance ends every hold").isFalse();
        }
    }

    @Test
    void theStateShowsEveryInputAndOutputLiveWhileInMaintenance() {
        try (VirtualLineRig rig = rigInMaintenance()) {
            rig.runFor(0.2);
            Map<String, Object> s = rig.line.snapshot();
            assertThat(s).containsEntry("maintenance", true);
            @SuppressWarnings("unchecked") var inputs = (Map<String, Boolean>) s.get("inputs");
            @SuppressWarnings("unchecked") var outputs = (Map<String, Boolean>) s.get("outputs");
            assertThat(inputs).containsEntry("estop", false).containsEntry("p1.eye", false).containsKey("lane-1.fullEye");
            assertThat(outputs).containsEntry("p1.motor", false).containsKey("horn").containsKey("sorter.motor");
            rig.world.setEstop(true);
            rig.runFor(0.1);
            @SuppressWarnings("unchecked") var after = (Map<String, Boolean>) rig.line.snapshot().get("inputs");
            assertThat(after).containsEntry("estop", true);
        }
    }
}
