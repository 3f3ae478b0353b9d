package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No motor starts after a latched stop (e-stop, latched jam, fault, {@code stop}) before the horn
 * has sounded for startWarningS; in virtual time against the simulator, which counts any start
 * without the warning as unexpected motion.
 */
class RestartWarningTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);
    private static final LineConfig CFG = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));
    private static final long WARNING_NANOS = Math.round(CFG.startWarningSOrDefault() * 1e9);

    private static VirtualLineRig rig() {
        return new VirtualLineRig(CFG, SETTINGS);
    }

    private static boolean horn(VirtualLineRig rig) {
        return rig.world.output(CFG.horn().pin()) == CFG.horn().activeLevel();
    }

    private static boolean motorOn(VirtualLineRig rig, String zone) {
        var z = CFG.zonesOrEmpty().stream().filter(c -> c.id().equals(zone)).findFirst().orElseThrow();
        return rig.world.output(z.motor().pin()) == z.motor().activeLevel();
    }

    private static boolean anyMotorOn(VirtualLineRig rig) {
        return CFG.zonesOrEmpty().stream().anyMatch(z -> motorOn(rig, z.id()))
                || rig.world.output(CFG.sorter().motor().pin()) == CFG.sorter().motor().activeLevel();
    }

    /**
     * Steps until {@code moved} holds; asserts the horn sounded, with nothing moving, for the whole
     * warning just before, and that it says so in the line's state while it sounds.
     */
    private static void assertWarnedBefore(VirtualLineRig rig, java.util.function.BooleanSupplier moved) {
        long hornSince = -1;
        boolean stateSaidHorn = false;
        long end = rig.clock.nanos() + 10_000_000_000L;
        while (!moved.getAsBoolean()) {
            assertThat(rig.clock.nanos()).as("motion within 10 s").isLessThan(end);
            if (horn(rig) && hornSince < 0) hornSince = rig.clock.nanos();
            if (horn(rig) && Boolean.TRUE.equals(rig.line.snapshot().get("horn"))) stateSaidHorn = true;
            rig.step();
        }
        assertThat(hornSince).as("horn before motion").isNotNegative();
        assertThat(rig.clock.nanos() - hornSince).as("horn time before motion").isGreaterThanOrEqualTo(WARNING_NANOS);
        assertThat(stateSaidHorn).as("state/line-1 horn: true while it sounds").isTrue();
        rig.runFor(0.2);
        assertThat(horn(rig)).isFalse();
        assertThat(rig.line.snapshot()).containsEntry("horn", false);
        assertThat(rig.world.unexpectedMotion()).isZero();
    }

    private static void startAndRun(VirtualLineRig rig) {
        assertThat(rig.command(() -> rig.line.requestStart("c-start", "test")).ok()).isTrue();
        assertWarnedBefore(rig, () -> anyMotorOn(rig));
        rig.runFor(1);
    }

    @Test
    void aStartAfterTheStopCommandSoundsTheHornFirst() {
        try (VirtualLineRig rig = rig()) {
            startAndRun(rig);
            assertThat(rig.command(() -> rig.line.requestStop("c-stop")).ok()).isTrue();
            assertThat(rig.runUntil(() -> !anyMotorOn(rig), 30)).isTrue();
            rig.runFor(2);
            assertThat(rig.command(() -> rig.line.requestStart("c-start-2", "test")).ok()).isTrue();
            assertWarnedBefore(rig, () -> anyMotorOn(rig));
        }
    }

    @Test
    void aStartAfterAnEstopResetSoundsTheHornFirst() {
        try (VirtualLineRig rig = rig()) {
            startAndRun(rig);
            rig.world.setEstop(true);
            rig.runFor(1);
            assertThat(anyMotorOn(rig)).isFalse();
            rig.world.setEstop(false);
            rig.runFor(1);
            assertThat(rig.command(() -> rig.line.requestReset("c-reset", true)).ok()).isTrue();
            rig.runFor(1);
            assertThat(anyMotorOn(rig)).as("nothing moves on a reset alone").isFalse();
            assertThat(rig.command(() -> rig.line.requestStart("c-start-2", "test")).ok()).isTrue();
            assertWarnedBefore(rig, () -> anyMotorOn(rig));
        }
    }

    @Test
    void aRemoteJamResetWhileTheLineRunsSoundsTheHornBeforeThatZoneMoves() {
        try (VirtualLineRig rig = rig()) {
            assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", null)), null, "c")).ok()).isTrue();
            startAndRun(rig);
            rig.world.setJam("z1", true);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> rig.events.ofType("jam").size() >= 2, 90)).as("latched after the retry").isTrue();
            String zone = String.valueOf(rig.events.ofType("jam").getLast().fields().get("zone"));
            assertThat(motorOn(rig, zone)).isFalse();
            assertThat(rig.world.unexpectedMotion()).as("the automatic retry sounded the horn").isZero();
            assertThat(motorOn(rig, "p1")).as("the rest of the line runs").isTrue();

            rig.world.setJam("z1", false);
            assertThat(rig.command(() -> rig.line.requestReset("c-r", false)).ok()).isTrue();
            assertThat(motorOn(rig, zone)).as("the zone waits for the horn").isFalse();
            assertThat(horn(rig)).isTrue();
            assertWarnedBefore(rig, () -> motorOn(rig, zone));
            assertThat(motorOn(rig, "p1")).isTrue();
            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-1").at()).startsWith("lane-");
            assertThat(rig.world.unexpectedMotion()).isZero();
            assertThat(rig.world.collisions()).isZero();
        }
    }

    /**
     * The path of seed -692262719375731199 of the jam property: a bag sticks in p2 for less than any
     * jam limit, between its scanner and its eye, while p1's bag has the merge turn. p2 stops short of
     * its eye for the turn (accumulation, not a latched stop: the daemon sees no jam), someone frees
     * the bag, and p2 goes on after the turn without the horn. The simulator took that stop for a
     * latched one, its bag being stuck with nothing at the eye.
     */
    @Test
    void aBranchStoppedShortOfItsEyeForTheMergeTurnWhileItsBagIsStuckGoesOnWithoutTheHorn() {
        try (VirtualLineRig rig = rig()) {
            for (String b : List.of("B-1", "B-2")) {
                assertThat(rig.command(() -> rig.line.placeOrder("O-" + b, List.of(new OrderBook.OrderBag(b, null)), null, "c-" + b)).ok()).isTrue();
            }
            startAndRun(rig);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            rig.runFor(0.1);
            rig.world.hangBag("B-2", "pick-2", 900, 0.35, false);
            // just past its scanner (0.6 m), well before its eye (1.1 m)
            assertThat(rig.runUntil(() -> rig.world.front("B-2") >= 0.62, 5)).as("B-2 past its scanner").isTrue();
            rig.world.setJam("p2", true);
            assertThat(motorOn(rig, "p2")).as("p2 still runs when its bag sticks").isTrue();
            assertThat(rig.runUntil(() -> !motorOn(rig, "p2"), 5)).as("p2 stops for p1's turn at the merge").isTrue();
            assertThat(rig.world.bagPlaces().get("B-2").at()).isEqualTo("p2");
            assertThat(motorOn(rig, "p1") || !rig.world.bagPlaces().get("B-1").at().equals("p1")).as("p1 has the turn").isTrue();
            rig.runFor(0.5);
            rig.world.setJam("p2", false);

            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.events.ofType("jam")).as("too short for a jam: nothing latched").isEmpty();
            assertThat(rig.world.bagPlaces().get("B-2").at()).startsWith("lane-");
            assertThat(rig.world.bagPlaces().get("B-1").at()).startsWith("lane-");
            assertThat(rig.world.collisions()).isZero();
            assertThat(rig.world.unexpectedMotion()).isZero();
        }
    }

    @Test
    void aStartAfterAFaultResetSoundsTheHornFirst() {
        try (VirtualLineRig rig = rig()) {
            startAndRun(rig);
            // a failure inside the control loop: a fault, motion off
            rig.line.post(() -> { throw new IllegalStateException("test failure in the loop"); });
            rig.runFor(0.5);
            assertThat(anyMotorOn(rig)).isFalse();
            assertThat(rig.line.status().reason()).contains("internal");
            assertThat(rig.command(() -> rig.line.requestReset("c-reset", false)).ok()).isTrue();
            rig.runFor(1);
            assertThat(anyMotorOn(rig)).as("nothing moves on a reset alone").isFalse();
            assertThat(rig.command(() -> rig.line.requestStart("c-start-2", "test")).ok()).isTrue();
            assertWarnedBefore(rig, () -> anyMotorOn(rig));
        }
    }
}
