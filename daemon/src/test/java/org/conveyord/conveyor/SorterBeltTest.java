package org.conveyord.conveyor;

import org.conveyord.clock.VirtualControlClock;
import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalOut;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** The sorter model on its own, in virtual time: each bag's [min, max] interval, the divert window, and what a stop does to them. */
class SorterBeltTest {
    private static final long T0 = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final double TOL = SorterBelt.SPEED_TOLERANCE;

    private final VirtualControlClock clock = new VirtualControlClock(T0);
    private final Output diverterOut = new Output();
    // diverter at 3.0 m, 100 ms to swing out
    private final DiverterState diverter = new DiverterState(new LineConfig.Diverter("lane-1", 3.0, null, 100), diverterOut);
    private final List<String> uncertain = new ArrayList<>();

    /** A 1 m/s belt whose drive ramps up in {@code rampMs} and coasts {@code coastM} after losing power. */
    private SorterBelt belt(int rampMs, double coastM) {
        SorterBelt b = new SorterBelt(runningLoop(), () -> 1.0,
                new LineConfig.Sorter(4.0, null, null, 0.2, List.of(), "exception", 0.5, rampMs, coastM));
        b.onUncertain = ob -> uncertain.add(ob.bag.id);
        return b;
    }

    /** A 0.3 m bag whose centre is at {@code centreM} as its tail clears the entry eye at {@code at}. */
    private static SorterBelt.OnBelt enter(SorterBelt belt, String id, double centreM, DiverterState d, long at) {
        SorterBelt.OnBelt ob = new SorterBelt.OnBelt(new TrackedBag(id, "pick-1", false, false), centreM, d, 0.3);
        belt.enter(ob, at);
        return ob;
    }

    @Test
    void theIntervalStartsAroundTheMeasuredCentreAndWidensWithSlip() {
        SorterBelt belt = belt(0, 0);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        assertThat(ob.minM).as("the length is measured at nominal speed").isCloseTo(1.0 - 0.15 * TOL, offset(1e-9));
        assertThat(ob.maxM).isCloseTo(1.0 + 0.15 * TOL, offset(1e-9));
        long t = T0 + 1_000 * MS;
        assertThat(belt.minAt(ob, t)).isCloseTo(ob.minM + (1 - TOL), offset(1e-9));
        assertThat(belt.maxAt(ob, t)).isCloseTo(ob.maxM + (1 + TOL), offset(1e-9));
    }

    @Test
    void minStandsStillDuringTheStartRampWhileMaxRunsFromTheMotorStart() {
        SorterBelt belt = belt(300, 0);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, null, T0);
        assertThat(belt.minAt(ob, T0 + 300 * MS)).as("no progress assumed during the ramp").isCloseTo(ob.minM, offset(1e-9));
        assertThat(belt.maxAt(ob, T0 + 300 * MS)).as("full speed assumed at once").isCloseTo(ob.maxM + 0.3 * (1 + TOL), offset(1e-9));
        assertThat(belt.minAt(ob, T0 + 1_300 * MS)).isCloseTo(ob.minM + (1 - TOL), offset(1e-9));
        assertThat(belt.latestAt(ob, 3.0)).isEqualTo(T0 + 300 * MS + (long) ((3.0 - ob.minM) / (1 - TOL) * 1e9));
        assertThat(belt.earliestAt(ob, 3.0)).isEqualTo(T0 + (long) ((3.0 - ob.maxM) / (1 + TOL) * 1e9));
    }

    @Test
    void theDiverterIsOutFromBeforeMaxCanArriveToAfterMinHasPassed() {
        SorterBelt belt = belt(0, 0);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        long early = T0 + (long) ((3.0 - ob.maxM) / (1 + TOL) * 1e9);
        long late = T0 + (long) ((3.0 - ob.minM) / (1 - TOL) * 1e9);
        long fireAt = early - 100 * MS - SorterBelt.DIVERT_MARGIN_NANOS;

        clock.advanceTo(fireAt - MS);
        assertThat(diverterOut.active).as("not yet").isFalse();
        clock.advanceTo(fireAt);
        assertThat(diverterOut.active).as("out one actuation time and a margin before the earliest arrival").isTrue();
        clock.advanceTo(late + SorterBelt.DIVERT_MARGIN_NANOS - MS);
        assertThat(diverterOut.active).as("still out past the latest arrival").isTrue();
        clock.advanceTo(late + SorterBelt.DIVERT_MARGIN_NANOS);
        assertThat(diverterOut.active).as("back once min has passed").isFalse();
        assertThat(diverter.holds).isZero();
    }

    @Test
    void aStopFreezesTheIntervalAndARestartWaitsUntilTheDiverterIsOut() {
        SorterBelt belt = belt(0, 0);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        long stopAt = T0 + 1_850 * MS;          // the bag's centre near 2.85 m: just before its diverter
        clock.advanceTo(stopAt);
        assertThat(diverterOut.active).isTrue();
        belt.halt(stopAt);
        assertThat(diverterOut.active).as("pulled back while the belt stands").isFalse();
        double min = ob.minM, max = ob.maxM;
        assertThat(min).isLessThan(2.85).isGreaterThan(2.7);
        assertThat(max).isGreaterThan(2.85).isLessThan(3.0);

        long restartAt = stopAt + 60_000 * MS;  // a minute later
        clock.advanceTo(restartAt);
        assertThat(ob.minM).as("frozen while stopped").isEqualTo(min);
        assertThat(ob.maxM).isEqualTo(max);
        belt.resume(restartAt);
        assertThat(belt.motorStartNanos).as("the belt waits one actuation time and the margin")
                .isEqualTo(restartAt + 100 * MS + SorterBelt.DIVERT_MARGIN_NANOS);
        clock.advanceTo(belt.motorStartNanos);
        assertThat(diverterOut.active).as("out before the belt moves").isTrue();
        long earliestArrival = belt.motorStartNanos + (long) ((3.0 - max) / (1 + TOL) * 1e9);
        assertThat(diverterOut.onSince + 100 * MS).as("fully out before the bag can reach it").isLessThanOrEqualTo(earliestArrival);
        assertThat(uncertain).isEmpty();
    }

    @Test
    void aControlledStopAddsTheRampDownAndTheCoastToMax() {
        SorterBelt belt = belt(400, 0.05);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, null, T0);
        long stopAt = T0 + 1_000 * MS;
        double max = belt.maxAt(ob, stopAt);
        belt.halt(stopAt);
        assertThat(ob.maxM).isCloseTo(max + 0.2 * (1 + TOL) + 0.05, offset(1e-9));
    }

    @Test
    void anEmergencyStopFreezesAtTheEdgeNotWhenTheControlThreadHandlesIt() {
        SorterBelt belt = belt(0, 0.05);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        long edge = T0 + 2_000 * MS;
        clock.advanceTo(edge + 20 * MS);        // the control thread is busy for 20 ms
        belt.emergencyHalt(edge);
        assertThat(ob.minM).isCloseTo(1.0 - 0.15 * TOL + 2.0 * (1 - TOL), offset(1e-9));
        assertThat(ob.maxM).as("plus the coast").isCloseTo(1.0 + 0.15 * TOL + 2.0 * (1 + TOL) + 0.05, offset(1e-9));
    }

    @Test
    void aRetractDueBetweenTheEdgeAndItsHandlingDoesNotCountTheBagAsPast() {
        SorterBelt belt = belt(0, 0);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        long late = T0 + (long) ((3.0 - ob.minM) / (1 - TOL) * 1e9);
        long edge = late - 10 * MS;             // min is still 9 mm before the point at the edge
        clock.advanceTo(late + SorterBelt.DIVERT_MARGIN_NANOS + 5 * MS);   // handled after the retract ran
        assertThat(diverterOut.active).as("the retract timer ran").isFalse();
        assertThat(ob.done).isTrue();
        belt.emergencyHalt(edge);
        assertThat(ob.done).as("the bag may not have passed: the belt stopped at the edge").isFalse();
        assertThat(uncertain).as("its diverter was fully out at the edge: it is in its lane or before the point").isEmpty();

        long restartAt = edge + 10_000 * MS;
        clock.advanceTo(restartAt);
        belt.resume(restartAt);
        clock.advanceTo(belt.motorStartNanos);
        assertThat(diverterOut.active).as("out again before the belt moves").isTrue();
        clock.advanceTo(belt.motorStartNanos + (long) ((3.0 - ob.minM) / (1 - TOL) * 1e9) + SorterBelt.DIVERT_MARGIN_NANOS);
        assertThat(diverterOut.active).as("back once min has passed").isFalse();
    }

    @Test
    void aBagThatMayStraddleItsPointWithoutItsDiverterFullyOutIsNeverFired() {
        SorterBelt belt = belt(0, 0.2);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        long fireAt = T0 + (long) ((3.0 - ob.maxM) / (1 + TOL) * 1e9) - 100 * MS - SorterBelt.DIVERT_MARGIN_NANOS;
        long edge = fireAt + 20 * MS;           // the diverter is 20 % out; with the coast the bag may reach the point
        clock.advanceTo(edge);
        assertThat(diverterOut.active).isTrue();
        belt.emergencyHalt(edge);
        assertThat(ob.maxM).isGreaterThanOrEqualTo(3.0);
        assertThat(uncertain).containsExactly("B-1");
        assertThat(diverterOut.active).isFalse();

        long restartAt = edge + 5_000 * MS;
        clock.advanceTo(restartAt);
        belt.resume(restartAt);
        assertThat(belt.motorStartNanos).as("nothing to wait for").isEqualTo(restartAt);
        clock.advanceTo(restartAt + 10_000 * MS);
        assertThat(diverterOut.onSince).as("never fired after the stop").isLessThan(edge);
    }

    @Test
    void aBagWhoseDivertWindowWouldOverlapANeighbourIsNotFiredAfterAStop() {
        SorterBelt belt = belt(1500, 0.05);
        belt.resume(T0);
        SorterBelt.OnBelt a = enter(belt, "A", 1.0, diverter, T0);
        SorterBelt.OnBelt b = enter(belt, "B", 0.6, null, T0);   // 0.4 m behind, runs off the end
        long stopAt = T0 + 1_000 * MS;
        clock.advanceTo(stopAt);
        belt.emergencyHalt(stopAt);
        assertThat(uncertain).isEmpty();
        belt.resume(stopAt + 3_000 * MS);
        // A's diverter would be out from when A's max can arrive until its min has passed (after a 1.5 s ramp):
        // B's max reaches the point long before
        assertThat(belt.earliestAt(b, 3.0)).isLessThan(belt.latestAt(a, 3.0));
        assertThat(uncertain).containsExactly("A");
        clock.advanceTo(stopAt + 20_000 * MS);
        assertThat(diverterOut.active).isFalse();
        assertThat(diverter.holds).isZero();
    }

    @Test
    void aBagComfortablyBeforeItsPointAtAStopIsStillDiverted() {
        SorterBelt belt = belt(800, 0.05);
        belt.resume(T0);
        SorterBelt.OnBelt ob = enter(belt, "B-1", 1.0, diverter, T0);
        long edge = T0 + 500 * MS;
        clock.advanceTo(edge);
        belt.emergencyHalt(edge);
        long restartAt = edge + 3_000 * MS;
        clock.advanceTo(restartAt);
        belt.resume(restartAt);
        assertThat(uncertain).isEmpty();
        long early = belt.earliestAt(ob, 3.0);
        long late = belt.latestAt(ob, 3.0);
        clock.advanceTo(early - SorterBelt.DIVERT_MARGIN_NANOS);
        assertThat(diverterOut.active).isTrue();
        assertThat(diverterOut.onSince + 100 * MS).isLessThanOrEqualTo(early);
        clock.advanceTo(late);
        assertThat(diverterOut.active).as("still out as min arrives").isTrue();
    }

    private TestLineLoop runningLoop() {
        TestLineLoop loop = new TestLineLoop(clock);
        loop.running = true;
        return loop;
    }

    private final class Output implements DigitalOut {
        boolean active;
        long onSince = -1;

        @Override public String name() { return "diverter"; }
        @Override public int pin() { return 0; }
        @Override
        public void set(boolean on) {
            if (on && !active) onSince = clock.nanos();
            active = on;
        }

        @Override public boolean isActive() { return active; }
    }
}
