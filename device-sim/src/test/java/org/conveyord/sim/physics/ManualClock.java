package org.conveyord.sim.physics;

/** A clock the test advances by hand, so physics runs without real time passing. */
final class ManualClock implements SimClock {
    private long now = 1_000_000_000L;

    @Override
    public synchronized long nanos() { return now; }

    synchronized void advanceMs(double ms) { now += (long) (ms * 1_000_000); }
}
