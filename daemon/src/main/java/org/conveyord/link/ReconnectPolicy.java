package org.conveyord.link;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to try again after a link went down, as HiveMQ's auto-reconnect: the delay starts at
 * {@code initial} and doubles after every failed attempt up to {@code cap}, each delay varied by
 * +-{@code jitter} (25 %) so that several devices behind one serial server do not retry in lockstep.
 * A successful connect resets it to {@code initial}.
 * <p>
 * Device links use 100 ms .. 1 s: a device whose port comes back is online again within about
 * 1.25 s plus the connect itself, well inside the 2 s the daemon promises.
 * <p>
 * Also remembers why the link went down last (for the device's status text). Thread-safe.
 */
public final class ReconnectPolicy {

    private final long initialMs;
    private final long capMs;
    private final double jitter;
    private final DoubleSupplier random;
    private long nextBaseMs;
    private String lastCause = "";
    private long disconnects;

    public ReconnectPolicy(Duration initial, Duration cap, double jitter, DoubleSupplier random) {
        if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnect delays need 0 < initial <= cap, got " + initial + " and " + cap);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
        this.initialMs = initial.toMillis();
        this.capMs = cap.toMillis();
        this.jitter = jitter;
        this.random = random;
        this.nextBaseMs = initialMs;
    }

    /** 100 ms doubling to 1 s, +-25 %: the policy for device links. */
    public static ReconnectPolicy forDevices() {
        return new ReconnectPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0.25,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the next attempt; doubles the base for the one after. */
    public synchronized long nextDelayMs() {
        long base = nextBaseMs;
        nextBaseMs = Math.min(capMs, nextBaseMs * 2);
        double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
        return Math.max(1, Math.round(base * factor));
    }

    /** After a successful connect. */
    public synchronized void reset() {
        nextBaseMs = initialMs;
    }

    public synchronized void recordDisconnect(String cause) {
        lastCause = cause;
        disconnects++;
    }

    public synchronized String lastCause() {
        return lastCause;
    }

    public synchronized long disconnects() {
        return disconnects;
    }
}
