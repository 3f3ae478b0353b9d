package org.conveyord.mqtt;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays as HiveMQ's MqttClientAutoReconnect: start at {@code initial}, double after every
 * failed attempt up to {@code cap}, then spread by +-25 % jitter so a store full of boxes does not
 * reconnect in lock-step after a broker restart. Not thread-safe: used from the gateway thread only.
 */
public final class ReconnectBackoff {

    private final Duration initial;
    private final Duration cap;
    private final DoubleSupplier random;
    private int failures;

    public ReconnectBackoff(Duration initial, Duration cap, DoubleSupplier random) {
        if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= cap, got initial " + initial + ", cap " + cap);
        }
        this.initial = initial;
        this.cap = cap;
        this.random = random;
    }

    public static ReconnectBackoff standard() {
        return new ReconnectBackoff(Duration.ofMillis(250), Duration.ofSeconds(30), Math::random);
    }

    /** The delay before the next attempt; each call counts one more failure. */
    public Duration nextDelay() {
        double base = initial.toMillis() * Math.pow(2, Math.min(failures, 30));
        base = Math.min(base, cap.toMillis());
        failures++;
        double jitter = 0.75 + 0.5 * random.getAsDouble(); // [0.75, 1.25)
        return Duration.ofMillis(Math.round(base * jitter));
    }

    /** After a connection that worked: the next loss starts from {@code initial} again. */
    public void reset() { failures = 0; }

    public int failures() { return failures; }
}
