package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.clock.VirtualControlClock;
import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalOut;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** The sorter model on its own, in virtual time: the divert window and what a stop does to it. */
class SorterBeltTest {
    private static final long T0 = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private final VirtualControlClock clock = new VirtualControlClock(T0);
    private final Output diverterOut = new Output();
    private final SorterBelt belt = new SorterBelt(new Loop(), () -> 1.0);   // 1 m/s
    // diverter at 3.0 m, 100 ms to swing out
    private final DiverterState diverter = new DiverterState(new LineConfig.Diverter("lane-1", 3.0, null, 100), diverterOut);

    /** A bag whose centre is at 1.0 m at T0 reaches 3.0 m between 2/1.07 s and 2/0.93 s (belt slip). */
    private SorterBelt.OnBelt bagAtOneMetre() {
        belt.resume(T0);
        SorterBelt.OnBelt ob = new SorterBelt.OnBelt(new TrackedBag("B-1", "pick-1", false, false), 1.0, diverter, 0.3);
        belt.belt.add(ob);
        belt.schedule(ob, T0);
        return ob;
    }

    @Test
    void theDiverterIsOutFromBeforeTheEarliestToAfterTheLatestArrival() {
        bagAtOneMetre();
        long early = T0 + (long) (2.0 / (1 + SorterBelt.SPEED_TOLERANCE) * 1e9);
        long late = T0 + (long) (2.0 / (1 - SorterBelt.SPEED_TOLERANCE) * 1e9);
        long fireAt = early - 100 * MS - SorterBelt.DIVERT_MARGIN_NANOS;

        clock.advanceTo(fireAt - MS);
        assertThat(diverterOut.active).as("not yet").isFalse();
        clock.advanceTo(fireAt);
        assertThat(diverterOut.active).as("out one actuation time and a margin before the earliest arrival").isTrue();
        clock.advanceTo(late + SorterBelt.DIVERT_MARGIN_NANOS);
        assertThat(diverterOut.active).as("still out past the latest arrival").isTrue();
        clock.advanceTo(late + 2 * SorterBelt.DIVERT_MARGIN_NANOS + 100 * MS);
        assertThat(diverterOut.active).as("back once the window has passed").isFalse();
        assertThat(diverter.holds).isZero();
    }

    @Test
    void aStopFreezesTheBagAndARestartWaitsUntilTheDiverterIsOut() {
        SorterBelt.OnBelt ob = bagAtOneMetre();
        long stopAt = T0 + 1_850 * MS;          // the bag's centre at 2.85 m: 0.15 m before its diverter
        clock.advanceTo(stopAt);
        assertThat(diverterOut.active).isTrue();
        belt.halt(stopAt);
        assertThat(diverterOut.active).as("pulled back while the belt stands").isFalse();
        assertThat(ob.centreM).isCloseTo(2.85, offset(1e-6));

        long restartAt = stopAt + 60_000 * MS;  // a minute later
        clock.advanceTo(restartAt);
        assertThat(ob.centreM).as("frozen while stopped").isCloseTo(2.85, offset(1e-6));
        belt.resume(restartAt);
        assertThat(belt.motorStartNanos).as("the belt waits one actuation time and the margin")
                .isEqualTo(restartAt + 100 * MS + SorterBelt.DIVERT_MARGIN_NANOS);
        clock.advanceTo(belt.motorStartNanos);
        assertThat(diverterOut.active).as("out before the belt moves").isTrue();
        long earliestArrival = belt.motorStartNanos + (long) (0.15 / (1 + SorterBelt.SPEED_TOLERANCE) * 1e9);
        assertThat(diverterOut.onSince + 100 * MS).as("fully out before the bag can reach it").isLessThanOrEqualTo(earliestArrival);
    }

    private final class Loop implements LineLoop {
        @Override public ControlClock clock() { return clock; }
        @Override public ControlClock.Cancellable after(long delayNanos, Runnable task) { return clock.schedule(task, delayNanos); }
        @Override public void post(Runnable task) { clock.execute(task); }
        @Override public void applyOutputs() { }
        @Override public void setMotion(DigitalOut out, boolean on) { out.set(on); }
        @Override public void changed() { }
        @Override public void persist() { }
        @Override public boolean running() { return true; }
        @Override public boolean estopActive() { return false; }
        @Override public void jamHorn(boolean on) { }
        @Override public void fault(String fault) { }
        @Override public boolean hasFault(String fault) { return false; }
        @Override public TrackedBag unexpectedItem(String where) { return new TrackedBag("unknown-" + where, null, false, true); }
    }

    private final class Output implements DigitalOut {
        boolean active;
        long onSince;

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
