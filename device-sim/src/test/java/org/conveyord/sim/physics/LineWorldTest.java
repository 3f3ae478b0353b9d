package org.conveyord.sim.physics;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Physics driven tick by tick with a manual clock: no network, no real time. */
class LineWorldTest {

    // pins from TestLines
    static final int MOTOR_A = 10, EYE_A = 11, MOTOR_B = 12, EYE_B = 13, SORTER = 20, ENTRY_EYE = 21, DIVERTER = 22,
            LANE_EYE = 30, FULL_EYE = 31, ESTOP = 4, HORN = 17, HEARTBEAT = 27, RESET_BUTTON = 7;

    ManualClock clock;
    LineWorld world;
    List<String> scans;

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        world = new LineWorld("line-1", TestLines.straight(), SimSettings.defaults().withSlip(0), clock);
        scans = new ArrayList<>();
        world.setListener(new WorldListener() {
            @Override public void inputChanged(int pin, boolean high, long nanos) {}
            @Override public void scanned(String scanner, String code) { scans.add(scanner + ":" + code); }
        });
    }

    void runMs(double ms) {
        for (double t = 0; t < ms; t += 5) {
            clock.advanceMs(5);
            world.tick();
        }
    }

    /** Runs until the condition holds; fails after maxMs of simulated time. */
    void runUntil(BooleanSupplier cond, double maxMs) {
        for (double t = 0; t < maxMs; t += 5) {
            if (cond.getAsBoolean()) return;
            clock.advanceMs(5);
            world.tick();
        }
        assertThat(cond.getAsBoolean()).as("condition within %s ms of simulated time", maxMs).isTrue();
    }

    @Test
    void bagMovesOnlyWhileItsZoneMotorRuns() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        runMs(1000);
        assertThat(world.front("B-1")).isEqualTo(0.35);

        world.setOutput(MOTOR_A, true);
        runMs(500);
        // 0.8 m/s for 0.5 s, less half the 100 ms ramp: 0.36 m
        assertThat(world.front("B-1") - 0.35).isBetween(0.35, 0.37);

        world.setOutput(MOTOR_A, false);
        runMs(200);
        double stopped = world.front("B-1");
        runMs(1000);
        assertThat(world.front("B-1")).isEqualTo(stopped);
    }

    @Test
    void eyeIsBlockedExactlyWhileTheBagCoversIt() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        assertThat(world.input(EYE_A)).isFalse();
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        runUntil(() -> world.input(EYE_A), 3000);
        // front has just reached the eye at 1.1 m (one 5 ms step is 4 mm)
        assertThat(world.front("B-1")).isBetween(1.1, 1.105);
        runUntil(() -> !world.input(EYE_A), 3000);
        // the tail has passed the eye: front is 1.1 + 0.35 = 1.45 m along, i.e. 0.25 m into zone b
        assertThat(world.bagPlaces().get("B-1").at()).isEqualTo("b");
        assertThat(world.front("B-1")).isBetween(0.25, 0.255);
    }

    @Test
    void zpaStopAtTheEyeKeepsTheBagInsideItsZone() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setOutput(MOTOR_A, true);
        runUntil(() -> world.input(EYE_A), 3000);
        world.setOutput(MOTOR_A, false); // zone b is "full": zone a stops at its eye
        runMs(500);
        assertThat(world.bagPlaces().get("B-1").at()).isEqualTo("a");
        assertThat(world.front("B-1")).isLessThan(1.2);
        assertThat(world.input(EYE_A)).isTrue();
        assertThat(world.collisions()).isZero();
    }

    @Test
    void bagPushedIntoAStoppedBagIsOneCollision() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        runUntil(() -> "b".equals(world.bagPlaces().get("B-1").at()) && world.front("B-1") > 0.5, 4000);
        world.setOutput(MOTOR_B, false);
        runMs(200);
        world.hangBag("B-2", "pick-1", 1000, 0.35, false);
        runMs(3000); // zone a keeps running: B-2 is driven into B-1
        assertThat(world.collisions()).isEqualTo(1);
        // they touch but never overlap: B-2's front is at B-1's tail
        double b1Tail = world.front("B-1") - 0.35;
        assertThat(world.front("B-2")).isLessThanOrEqualTo(b1Tail + 0.001);
    }

    @Test
    void scannerReadsTheBagWhenItsFrontCrossesTheScanPoint() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.hangBag("X-9", "pick-1", 1000, 0.35, true);
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        runUntil(() -> !scans.isEmpty(), 2000);
        assertThat(world.front("B-1")).isBetween(0.6, 0.605);
        assertThat(scans).containsExactly("scanner-1:B-1");
        runUntil(() -> scans.size() == 2, 5000);
        assertThat(scans.get(1)).isEqualTo("scanner-1:null");
    }

    @Test
    void diverterFullyOutBeforeTheBagDivertsIntoItsLane() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        runAllMotors();
        world.setOutput(DIVERTER, true);
        runUntil(() -> !world.bagPlaces().get("B-1").at().matches("a|b|sorter"), 8000);
        assertThat(world.bagPlaces().get("B-1").at()).isEqualTo("lane-1");
        assertThat(world.divertMisses()).isZero();
        // the lane eye sees it after the lane travel time, then it rests in the lane
        runUntil(() -> world.input(LANE_EYE), 1000);
        runUntil(() -> !world.input(LANE_EYE) && world.settled(), 2000);
    }

    @Test
    void diverterFiredLateMissesAndTheBagRunsOffIntoException() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        runAllMotors();
        // fire when the bag's centre is 5 cm before the divert point: 62 ms before, actuation 150 ms
        runUntil(() -> "sorter".equals(world.bagPlaces().get("B-1").at()) && world.front("B-1") - 0.175 >= 0.95, 8000);
        world.setOutput(DIVERTER, true);
        runUntil(() -> !"sorter".equals(world.bagPlaces().get("B-1").at()), 5000);
        assertThat(world.bagPlaces().get("B-1").at()).isEqualTo("exception");
        assertThat(world.divertMisses()).isEqualTo(1);
    }

    @Test
    void laneFullEyeIsActiveAtCapacityAndCollectEmptiesTheLane() {
        runAllMotors();
        world.setOutput(DIVERTER, true);
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.hangBag("B-2", "pick-1", 1000, 0.35, false);
        runUntil(world::settled, 15000);
        assertThat(world.input(FULL_EYE)).isTrue();
        world.collect("lane-1");
        assertThat(world.input(FULL_EYE)).isFalse();
        assertThat(world.bagPlaces().get("B-2").at()).isEqualTo("collected");
    }

    @Test
    void estopRemovesMotorPowerAtOnce() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setOutput(MOTOR_A, true);
        runMs(300);
        assertThat(world.motorFraction(MOTOR_A)).isEqualTo(1.0);
        assertThat(world.input(ESTOP)).as("NC input released = high").isTrue();

        world.setEstop(true);
        assertThat(world.input(ESTOP)).as("pressed = low").isFalse();
        double at = world.front("B-1");
        runMs(5);
        assertThat(world.motorFraction(MOTOR_A)).isZero();
        runMs(500);
        assertThat(world.front("B-1")).isEqualTo(at);
    }

    @Test
    void releasingTheEstopWithAMotorStillCommandedOnIsUnexpectedMotion() {
        world.setOutput(MOTOR_A, true);
        world.setEstop(true);
        runMs(100);
        world.setEstop(false);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    /**
     * A motor commanded on while the e-stop holds its power off does not start: the daemon may
     * switch it in the moment before it sees the press. Switched off again before the release,
     * nothing moved; the latched stop is still judged at the next real start.
     */
    @Test
    void aMotorCommandedOnAndOffUnderAPressedEstopNeverStartedAndTheStopStaysLatched() {
        world.setEstop(true);
        world.setOutput(MOTOR_A, true);
        runMs(20);
        world.setOutput(MOTOR_A, false);
        assertThat(world.unexpectedMotion()).isZero();
        world.setEstop(false);
        assertThat(world.unexpectedMotion()).isZero();
        runMs(100);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).as("the start after the release still needs the horn").isEqualTo(1);
    }

    @Test
    void aMotorCommandedOnUnderAPressedEstopStartsAtTheReleaseAndThatIsUnexpectedMotion() {
        world.setEstop(true);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isZero();
        world.setEstop(false);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    @Test
    void motorOnAfterReleaseWithoutHornIsUnexpectedMotion() {
        world.setEstop(true);
        runMs(100);
        world.setEstop(false);
        runMs(100);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    @Test
    void motorOnAfterReleaseAndAOneSecondHornIsExpected() {
        world.setEstop(true);
        runMs(100);
        world.setEstop(false);
        world.setOutput(HORN, true);
        runMs(700);
        assertThat(world.unexpectedMotion()).isZero();
        runMs(400);
        world.setOutput(HORN, false);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isZero();
    }

    @Test
    void hornTooShortBeforeMotionIsUnexpectedMotion() {
        world.setEstop(true);
        world.setEstop(false);
        world.setOutput(HORN, true);
        runMs(500);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    /** As the daemon starts a line: the horn for 1.1 s, then every motor. */
    private void startWithHorn() {
        world.setOutput(HORN, true);
        runMs(1100);
        world.setOutput(HORN, false);
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        world.setOutput(SORTER, true);
    }

    /** A bag stuck in zone a before its eye, zone a switched off for it (a latched jam), then freed by hand. */
    private void latchedJamInZoneA() {
        startWithHorn();
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setJam("a", true);
        runMs(3000);
        world.setOutput(MOTOR_A, false);
        runMs(2000);
        world.setJam("a", false);
    }

    @Test
    void aZoneRestartedAfterALatchedJamWithoutTheHornIsUnexpectedMotion() {
        latchedJamInZoneA();
        // the remote reset of the old daemon: the zone's motor on at once, the rest of the line running
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    @Test
    void aZoneRestartedAfterALatchedJamWithTheHornFirstIsExpected() {
        latchedJamInZoneA();
        world.setOutput(HORN, true);
        runMs(2000);
        world.setOutput(HORN, false);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isZero();
    }

    @Test
    void theJamRetryHornThenPauseCountsAsAWarning() {
        latchedJamInZoneA();
        world.setOutput(HORN, true);
        runMs(1500);
        world.setOutput(HORN, false);
        runMs(1000);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isZero();
    }

    @Test
    void aHornLongBeforeTheRestartDoesNotCount() {
        latchedJamInZoneA();
        world.setOutput(HORN, true);
        runMs(1500);
        world.setOutput(HORN, false);
        runMs(3000);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    @Test
    void accumulationStopsAndStartsNeedNoHorn() {
        startWithHorn();
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        // B-1 runs to zone b's eye, where b holds it (the sorter is busy)
        runUntil(() -> world.input(EYE_B), 5000);
        world.setOutput(MOTOR_B, false);
        world.hangBag("B-2", "pick-1", 1000, 0.35, false);
        runUntil(() -> world.input(EYE_A), 5000);
        world.setOutput(MOTOR_A, false);     // a holds B-2 at its eye: b is occupied
        runMs(3000);
        world.setOutput(MOTOR_B, true);
        runMs(1500);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isZero();
    }

    @Test
    void aWholeLineStoppedThenStartedWithoutTheHornIsUnexpectedMotion() {
        startWithHorn();
        runMs(500);
        world.setOutput(MOTOR_A, false);
        world.setOutput(MOTOR_B, false);
        world.setOutput(SORTER, false);      // a stop command, drained
        runMs(3000);
        world.setOutput(SORTER, true);
        world.setOutput(MOTOR_A, true);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    @Test
    void aMomentWithEveryMotorOffOnARunningLineIsNotALatchedStop() {
        startWithHorn();
        runMs(500);
        world.setOutput(MOTOR_A, false);
        world.setOutput(MOTOR_B, false);
        world.setOutput(SORTER, false);      // the sorter waits for a diverter after a speed change
        runMs(200);
        world.setOutput(SORTER, true);
        assertThat(world.unexpectedMotion()).isZero();
    }

    @Test
    void watchdogDropsMotorPowerWhenTheHeartbeatStops() {
        world = new LineWorld("line-1", TestLines.withHeartbeat(), SimSettings.defaults().withSlip(0), clock);
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setOutput(MOTOR_A, true);
        boolean hb = false;
        for (int i = 0; i < 10; i++) {
            world.setOutput(HEARTBEAT, hb = !hb);
            runMs(100);
        }
        assertThat(world.motorFraction(MOTOR_A)).isEqualTo(1.0);
        runMs(1100); // heartbeat stays put
        assertThat(world.watchdogTrips()).isEqualTo(1);
        assertThat(world.motorFraction(MOTOR_A)).isZero();
        double at = world.front("B-1");
        runMs(500);
        assertThat(world.front("B-1")).isEqualTo(at);
        world.setOutput(HEARTBEAT, !hb);
        runMs(50);
        assertThat(world.motorFraction(MOTOR_A)).isGreaterThan(0);
        assertThat(world.watchdogTrips()).isEqualTo(1);
    }

    @Test
    void jammedZoneHoldsItsBagUntilFreed() {
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setJam("a", true);
        world.setOutput(MOTOR_A, true);
        runMs(1000);
        assertThat(world.front("B-1")).isEqualTo(0.35);
        assertThat(world.jammed()).containsExactly("a");
        world.setJam("a", false);
        runMs(500);
        assertThat(world.front("B-1")).isGreaterThan(0.6);
    }

    @Test
    void buttonPressIsActiveFor300Ms() {
        world.pressButton("reset");
        assertThat(world.input(RESET_BUTTON)).isTrue();
        runMs(250);
        assertThat(world.input(RESET_BUTTON)).isTrue();
        runMs(100);
        assertThat(world.input(RESET_BUTTON)).isFalse();
    }

    @Test
    void scaleWeighsBagsWhoseCentreIsOnTheWeighZone() {
        world.hangBag("B-1", "pick-1", 1200, 0.35, false);
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        assertThat(world.scaleLoad("scale-1").grams()).isZero();
        runUntil(() -> "b".equals(world.bagPlaces().get("B-1").at()) && world.front("B-1") > 0.5, 4000);
        world.setOutput(MOTOR_B, false);
        world.setOutput(MOTOR_A, false);
        runMs(200);
        assertThat(world.scaleLoad("scale-1")).isEqualTo(new LineWorld.ScaleLoad(1200, false));
    }

    @Test
    void badCommandsSayWhatIsWrong() {
        assertThatThrownBy(() -> world.hangBag("B-1", "nowhere", 1, 0.3, false)).hasMessageContaining("unknown station nowhere");
        assertThatThrownBy(() -> world.setJam("zz", true)).hasMessageContaining("unknown zone zz");
        assertThatThrownBy(() -> world.pressButton("panic")).hasMessageContaining("no panic button");
    }

    @Test
    void bothBranchesReleasedIntoAMergeAtOnceOverlapThereAndCountOneCollision() {
        world = new LineWorld("line-1", TestLines.merge(), SimSettings.defaults().withSlip(0), clock);
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.hangBag("B-2", "pick-2", 1000, 0.35, false);
        for (int pin : new int[]{40, 42, 44, 20}) world.setOutput(pin, true);
        runUntil(world::settled, 15000);
        assertThat(world.collisions()).isEqualTo(1);
        assertThat(world.bagPlaces().values()).extracting(BagPlace::at).containsOnly("exception");
    }

    @Test
    void mergeReleasedOneBranchAtATimeHasNoCollision() {
        world = new LineWorld("line-1", TestLines.merge(), SimSettings.defaults().withSlip(0), clock);
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.hangBag("B-2", "pick-2", 1000, 0.35, false);
        world.setOutput(44, true);
        world.setOutput(20, true);
        world.setOutput(40, true);
        runUntil(() -> world.input(41), 3000);
        runUntil(() -> !world.input(41), 3000); // B-1 has left p1 for the merge zone
        world.setOutput(42, true);
        runUntil(world::settled, 15000);
        assertThat(world.collisions()).isZero();
    }

    /**
     * Merge layout started with the horn; B-2 sticks in p2 short of its eye (for less than any jam
     * limit), and the daemon stops p2 there, with or without a bag in the other branch (p1).
     */
    private void bagStuckInP2StoppedShortOfItsEye(boolean bagInTheOtherBranch) {
        world = new LineWorld("line-1", TestLines.merge(), SimSettings.defaults().withSlip(0), clock);
        world.setOutput(HORN, true);
        runMs(1100);
        world.setOutput(HORN, false);
        for (int pin : new int[]{40, 42, 44, 20}) world.setOutput(pin, true);
        if (bagInTheOtherBranch) world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.hangBag("B-2", "pick-2", 1000, 0.35, false);
        world.setJam("p2", true);
        runMs(300);
        world.setOutput(42, false);
        assertThat(world.bagPlaces().get("B-2").at()).isEqualTo("p2");
        assertThat(world.input(43)).as("p2's eye").isFalse();
        runMs(1000);
        world.setJam("p2", false);
        runMs(500);
        world.setOutput(42, true);     // no horn
    }

    @Test
    void aMergeTurnStopShortOfTheEyeIsAccumulationEvenWithTheBagStuck() {
        // the daemon settles the merge turn before the eyes: p1's bag has it, p2 stops short and goes on after
        bagStuckInP2StoppedShortOfItsEye(true);
        assertThat(world.bagPlaces().get("B-1").at()).isNotEqualTo("p2");
        assertThat(world.unexpectedMotion()).isZero();
    }

    @Test
    void aStuckBranchStoppedShortOfItsEyeWithNothingAtTheMergeIsALatchedStop() {
        // nothing in p1 or the merge zone: no turn to wait for, so the stop was for the stuck bag
        bagStuckInP2StoppedShortOfItsEye(false);
        assertThat(world.unexpectedMotion()).isEqualTo(1);
    }

    @Test
    void flickerDropsABlockedEyeOnceForTenMsAsTheBagsMiddlePasses() {
        world = new LineWorld("line-1", TestLines.straight(), SimSettings.defaults().withSlip(0).withFlicker(true), clock);
        List<String> edges = new ArrayList<>();
        world.setListener(new WorldListener() {
            @Override public void inputChanged(int pin, boolean high, long nanos) { if (pin == EYE_A) edges.add(high ? "on" : "off"); }
            @Override public void scanned(String scanner, String code) {}
        });
        world.hangBag("B-1", "pick-1", 1000, 0.35, false);
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        runUntil(() -> "b".equals(world.bagPlaces().get("B-1").at()) && world.front("B-1") > 0.5, 4000);
        // blocked, a 10 ms dropout mid-bag, blocked again, clear
        assertThat(edges).containsExactly("on", "off", "on", "off");
    }

    private void runAllMotors() {
        world.setOutput(MOTOR_A, true);
        world.setOutput(MOTOR_B, true);
        world.setOutput(SORTER, true);
    }
}
