package org.conveyord.sim.physics;

/**
 * The simulator's time source, in monotonic nanoseconds. Physics reads time only through this, so a
 * test (or a later faster-than-real-time run) can drive the world with a clock it advances itself.
 */
public interface SimClock {
    long nanos();

    /** Wall-clock monotonic time. */
    SimClock SYSTEM = System::nanoTime;
}
