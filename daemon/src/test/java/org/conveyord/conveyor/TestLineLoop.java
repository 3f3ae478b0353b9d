package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.hal.DigitalOut;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The loop a line's part sees, for testing that part on its own in virtual time: timers and posts
 * go straight to the clock, outputs are set directly, and what the part asks of the loop (running,
 * jam horn, faults) is kept here for the test to set or read.
 */
final class TestLineLoop implements LineLoop {
    private final ControlClock clock;
    boolean running;
    boolean horn;
    final List<String> faults = new ArrayList<>();
    /** Names an item nobody inducted; a test with a {@link LineModel} points it at {@code line::unknownItem}. */
    Function<String, TrackedBag> unexpected = where -> new TrackedBag("unknown-" + where, null, false, true);

    TestLineLoop(ControlClock clock) {
        this.clock = clock;
    }

    @Override public ControlClock clock() { return clock; }
    @Override public ControlClock.Cancellable after(long delayNanos, Runnable task) { return clock.schedule(task, delayNanos); }
    @Override public void post(Runnable task) { clock.execute(task); }
    @Override public void applyOutputs() { }
    @Override public void setMotion(DigitalOut out, boolean on) { out.set(on); }
    @Override public void changed() { }
    @Override public void persist() { }
    @Override public boolean running() { return running; }
    @Override public boolean estopActive() { return false; }
    @Override public void jamHorn(boolean on) { horn = on; }
    @Override public void fault(String fault) { if (!faults.contains(fault)) faults.add(fault); }
    @Override public boolean hasFault(String fault) { return faults.contains(fault); }
    @Override public TrackedBag unexpectedItem(String where) { return unexpected.apply(where); }
}
