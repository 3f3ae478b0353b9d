package org.conveyord.mqtt;

import org.conveyord.config.MqttConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets for incoming commands: one per sender and one for all of them. MQTT 3.1.1 does not
 * say who published a message, so "sender" is the command's {@code by} field (absent: one shared
 * bucket); {@code by} is not authentication, so the overall bucket is what bounds a flood, and the
 * per-sender one keeps one busy dashboard from starving an operator. A bucket holds up to its burst
 * and refills continuously at its rate, so a well-behaved burst (the labels of one large order, sent
 * at once) goes through while a sustained flood still gets BUSY. At most {@link #MAX_SENDERS}
 * senders are tracked (least recently seen forgotten first), so random {@code by} values cannot grow
 * memory. Not thread-safe: the gateway thread owns it.
 */
public final class CommandRateLimiter {

    static final int MAX_SENDERS = 1024;
    private static final String NO_SENDER = "\u0000";

    public enum Verdict { ALLOWED, SENDER_OVER_LIMIT, TOTAL_OVER_LIMIT }

    /** A bucket's shape: {@code burst} tokens at most, {@code perSecond} added back each second. */
    public record Rate(double perSecond, double burst) {
        public Rate {
            if (perSecond <= 0 || burst < 1) {
                throw new IllegalArgumentException("a command rate needs perSecond > 0 and burst >= 1, not "
                        + perSecond + " and " + burst);
            }
        }
    }

    private final Rate perSender;
    private final Rate total;
    private final LongSupplier nanos;
    private final Bucket all;
    private final LinkedHashMap<String, Bucket> senders = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) { return size() > MAX_SENDERS; }
    };

    /** @param nanos a monotonic clock in nanoseconds ({@code System::nanoTime}; tests pass their own) */
    public CommandRateLimiter(Rate perSender, Rate total, LongSupplier nanos) {
        this.perSender = perSender;
        this.total = total;
        this.nanos = nanos;
        this.all = new Bucket(total.burst(), nanos.getAsLong());
    }

    /** Buckets that hold one second's worth (no burst beyond the rate). */
    public CommandRateLimiter(int perSenderPerSecond, int perSecond, LongSupplier nanos) {
        this(new Rate(perSenderPerSecond, perSenderPerSecond), new Rate(perSecond, perSecond), nanos);
    }

    public static CommandRateLimiter fromConfig(MqttConfig.CommandsConfig c, LongSupplier nanos) {
        return new CommandRateLimiter(new Rate(c.perSenderPerSecondOrDefault(), c.perSenderBurstOrDefault()),
                new Rate(c.perSecondOrDefault(), c.burstOrDefault()), nanos);
    }

    /** Takes one token from the sender's bucket and the overall one, or none when either is empty. */
    public Verdict tryAcquire(String by) {
        long now = nanos.getAsLong();
        Bucket mine = senders.computeIfAbsent(by == null ? NO_SENDER : by, k -> new Bucket(perSender.burst(), now));
        mine.refill(now, perSender);
        all.refill(now, total);
        if (mine.tokens < 1) return Verdict.SENDER_OVER_LIMIT;
        if (all.tokens < 1) return Verdict.TOTAL_OVER_LIMIT;
        mine.tokens--;
        all.tokens--;
        return Verdict.ALLOWED;
    }

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }

        void refill(long now, Rate rate) {
            tokens = Math.min(rate.burst(), tokens + (now - at) / 1e9 * rate.perSecond());
            at = now;
        }
    }
}
