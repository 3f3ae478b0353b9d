package org.conveyord.mqtt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets for incoming commands: one per sender and one for all of them. MQTT 3.1.1 does not
 * say who published a message, so "sender" is the command's {@code by} field (absent: one shared
 * bucket); {@code by} is not authentication, so the overall bucket is what bounds a flood, and the
 * per-sender one keeps one busy dashboard from starving an operator. Each bucket holds one second's
 * worth of commands and refills continuously. At most {@link #MAX_SENDERS} senders are tracked
 * (least recently seen forgotten first), so random {@code by} values cannot grow memory.
 * Not thread-safe: the gateway thread owns it.
 */
public final class CommandRateLimiter {

    static final int MAX_SENDERS = 1024;
    private static final String NO_SENDER = "\u0000";

    public enum Verdict { ALLOWED, SENDER_OVER_LIMIT, TOTAL_OVER_LIMIT }

    private final double perSender;
    private final double total;
    private final LongSupplier nanos;
    private final Bucket all;
    private final LinkedHashMap<String, Bucket> senders = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) { return size() > MAX_SENDERS; }
    };

    public CommandRateLimiter(int perSenderPerSecond, int perSecond, LongSupplier nanos) {
        this.perSender = perSenderPerSecond;
        this.total = perSecond;
        this.nanos = nanos;
        this.all = new Bucket(total, nanos.getAsLong());
    }

    /** Takes one token from the sender's bucket and the overall one, or none when either is empty. */
    public Verdict tryAcquire(String by) {
        long now = nanos.getAsLong();
        Bucket mine = senders.computeIfAbsent(by == null ? NO_SENDER : by, k -> new Bucket(perSender, now));
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

        void refill(long now, double perSecond) {
            tokens = Math.min(perSecond, tokens + (now - at) / 1e9 * perSecond);
            at = now;
        }
    }
}
