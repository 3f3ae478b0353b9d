package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.hal.DigitalOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the control loop keeps up, told to the hardware: the heartbeat output toggles each tick
 * only while the oldest task waiting for the loop is younger than the bound, and never again once
 * the loop has failed fatally. The watchdog relay on the heartbeat drops motor power when it stops,
 * so a loop that is alive but behind (a flood, a long pause) is stopped like a dead one.
 * <p>
 * Also counts what could not be handed to the loop (its queue is bounded): a lost input edge means
 * tracking can no longer be trusted, and the line latches a fault for it on its next tick.
 */
final class LoopHealth {
    private static final Logger log = LoggerFactory.getLogger(LoopHealth.class);

    private final String lineId;
    private final ControlClock clock;
    private final DigitalOut heartbeat;   // null: none fitted
    private final long maxLagNanos;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean dead;
    private boolean level;
    private boolean behind;

    LoopHealth(String lineId, ControlClock clock, DigitalOut heartbeat, long maxLagNanos) {
        this.lineId = lineId;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.maxLagNanos = maxLagNanos;
    }

    /** Every tick (control thread): toggles the heartbeat if the loop keeps up. */
    void beat() {
        long lag = clock.oldestWaitNanos();
        boolean keepsUp = lag <= maxLagNanos;
        if (!keepsUp && !behind) {
            log.error("{}: control loop is {} ms behind (limit {} ms); heartbeat held, the watchdog relay drops motor power",
                    lineId, lag / 1_000_000, maxLagNanos / 1_000_000);
        } else if (keepsUp && behind) {
            log.warn("{}: control loop caught up; heartbeat toggles again", lineId);
        }
        behind = !keepsUp;
        if (dead || !keepsUp || heartbeat == null) return;
        level = !level;
        heartbeat.set(level);
    }

    /** Any thread, after a fatal error: the heartbeat stays low for good. */
    void stop() {
        dead = true;
        if (heartbeat != null) heartbeat.set(false);
    }

    /** Hands {@code task} to the loop; a full queue counts it as lost instead of blocking the caller. */
    void post(Runnable task) {
        if (!clock.offer(task)) dropped.incrementAndGet();
    }

    /** How many posts were lost since the last call (control thread). */
    long takeDropped() {
        return dropped.getAndSet(0);
    }
}
