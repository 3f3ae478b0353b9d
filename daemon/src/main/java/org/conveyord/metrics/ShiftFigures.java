package org.conveyord.metrics;

import org.conveyord.clock.ControlClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One line's figures for the people at it, as line state {@code shift}: bags per hour, orders
 * completed, first bag inducted to order complete (p50, p95), exceptions by reason, jams by zone, and
 * running against stopped seconds.
 *
 * <p>Every figure covers a rolling window: the last {@link #WINDOW_NANOS 8 hours} (a shift), or
 * since the daemon started when that is shorter. Time is the line's control clock, so the figures
 * run in virtual time in tests. The window is kept as one bucket per minute (a figure leaves the
 * window a whole minute at a time), so memory is bounded by the minutes in the window plus one
 * duration per order completed in it.
 *
 * <p>Fed from the line's event stream on its relay thread ({@link #onEvent}), told whether the line
 * runs by a sampler ({@link #running}); read by whoever publishes the state. All under one lock
 * that none of them holds for long; the control thread never touches it.
 */
public final class ShiftFigures {

    public static final long WINDOW_NANOS = 8 * 3600_000_000_000L;
    static final long BUCKET_NANOS = 60_000_000_000L;
    private static final int BUCKETS = (int) (WINDOW_NANOS / BUCKET_NANOS);
    /** The shortest span bags per hour is worked out over: a figure from the first seconds would mean little. */
    static final long MIN_RATE_SPAN_NANOS = BUCKET_NANOS;
    /** Orders whose first bag was seen but not their completion: bounded, all forgotten at once when full. */
    private static final int MAX_OPEN_ORDERS = 10_000;

    private static final class Bucket {
        long minute = -1;
        int bags;
        int orders;
        long runningNanos;
        long stoppedNanos;
        final Map<String, Integer> exceptions = new TreeMap<>();
        final Map<String, Integer> jams = new TreeMap<>();
        final List<Double> orderSeconds = new ArrayList<>();

        void reuse(long m) {
            minute = m;
            bags = 0;
            orders = 0;
            runningNanos = 0;
            stoppedNanos = 0;
            exceptions.clear();
            jams.clear();
            orderSeconds.clear();
        }
    }

    private final ControlClock clock;
    private final String exceptionLane;
    private final long since;
    private final Bucket[] buckets = new Bucket[BUCKETS];
    private final Map<String, Long> firstBagAt = new LinkedHashMap<>();
    private boolean running;
    private long runningKnownAt;   // since creation, like every time here

    /**
     * @param exceptionLane the sorter's run-out lane: bags arriving there are exceptions, not sorted bags
     */
    public ShiftFigures(ControlClock clock, String exceptionLane) {
        this.clock = clock;
        this.exceptionLane = exceptionLane;
        this.since = clock.nanos();
        for (int i = 0; i < BUCKETS; i++) buckets[i] = new Bucket();
    }

    /** The line's events (its own only); any one thread at a time. True when a figure changed. */
    public boolean onEvent(String type, Map<String, Object> fields) {
        long now = elapsed();
        synchronized (this) {
            return switch (type) {
                case "bag-inducted" -> {
                    Object order = fields.get("order");
                    if (order != null) {
                        if (firstBagAt.size() >= MAX_OPEN_ORDERS) firstBagAt.clear();
                        firstBagAt.putIfAbsent(order.toString(), now);
                    }
                    yield false;
                }
                case "bag-arrived" -> {
                    if (exceptionLane.equals(fields.get("dest"))) yield false;
                    bucket(now).bags++;
                    yield true;
                }
                case "bag-diverted" -> {
                    if (!exceptionLane.equals(fields.get("dest"))) yield false;
                    bucket(now).exceptions.merge(String.valueOf(fields.get("reason")), 1, Integer::sum);
                    yield true;
                }
                case "jam" -> {
                    if (Boolean.TRUE.equals(fields.get("cleared"))) yield false;
                    bucket(now).jams.merge(String.valueOf(fields.get("zone")), 1, Integer::sum);
                    yield true;
                }
                case "order-complete" -> {
                    Bucket b = bucket(now);
                    b.orders++;
                    Long first = firstBagAt.remove(String.valueOf(fields.get("order")));
                    if (first != null) b.orderSeconds.add((now - first) / 1e9);
                    yield true;
                }
                case "order-incomplete" -> {
                    firstBagAt.remove(String.valueOf(fields.get("order")));
                    yield false;
                }
                // motion starts and ends exactly here; the sampler catches the stops no event names (faults)
                case "started", "stopped" -> {
                    running("started".equals(type));
                    yield false;   // the line's own state changed with it
                }
                case "estop" -> {
                    if (Boolean.TRUE.equals(fields.get("active"))) running(false);
                    yield false;
                }
                default -> false;
            };
        }
    }

    /** Whether the line runs now: the time since the last call is counted as it was then. */
    public synchronized void running(boolean now) {
        account(elapsed());
        running = now;
    }

    /** The {@code shift} summary of line state, as of now. */
    public synchronized Map<String, Object> summary() {
        long now = elapsed();
        account(now);
        long minute = now / BUCKET_NANOS;
        int bags = 0;
        int orders = 0;
        long runningNanos = 0;
        long stoppedNanos = 0;
        Map<String, Integer> exceptions = new TreeMap<>();
        Map<String, Integer> jams = new TreeMap<>();
        List<Double> seconds = new ArrayList<>();
        for (Bucket b : buckets) {
            if (b.minute < 0 || b.minute <= minute - BUCKETS) continue;
            bags += b.bags;
            orders += b.orders;
            runningNanos += b.runningNanos;
            stoppedNanos += b.stoppedNanos;
            b.exceptions.forEach((k, v) -> exceptions.merge(k, v, Integer::sum));
            b.jams.forEach((k, v) -> jams.merge(k, v, Integer::sum));
            seconds.addAll(b.orderSeconds);
        }
        long span = Math.max(MIN_RATE_SPAN_NANOS, Math.min(WINDOW_NANOS, now));
        Collections.sort(seconds);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bagsPerHour", Math.round(bags * 3600e9 / span * 10) / 10.0);
        m.put("ordersCompleted", orders);
        m.put("orderTimeP50S", percentile(seconds, 0.50));
        m.put("orderTimeP95S", percentile(seconds, 0.95));
        m.put("exceptionsByReason", exceptions);
        m.put("jamsByZone", jams);
        m.put("runningS", runningNanos / 1_000_000_000L);
        m.put("stoppedS", stoppedNanos / 1_000_000_000L);
        m.put("windowS", Math.min(WINDOW_NANOS, now) / 1_000_000_000L);
        return m;
    }

    /** Nearest rank, to a tenth of a second; null without samples. */
    static Double percentile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) return null;
        int rank = (int) Math.ceil(q * sorted.size());
        return Math.round(sorted.get(Math.max(0, rank - 1)) * 10) / 10.0;
    }

    private long elapsed() {
        return clock.nanos() - since;
    }

    /** Counts the time from the last account to {@code now} as running or stopped, minute by minute. */
    private void account(long now) {
        // older than the window counts for nothing (and its slots belong to later minutes by now)
        long t = Math.max(runningKnownAt, (now / BUCKET_NANOS - BUCKETS + 1) * BUCKET_NANOS);
        while (t < now) {
            long end = Math.min(now, (t / BUCKET_NANOS + 1) * BUCKET_NANOS);
            Bucket b = bucket(t);
            if (running) b.runningNanos += end - t;
            else b.stoppedNanos += end - t;
            t = end;
        }
        runningKnownAt = Math.max(runningKnownAt, now);
    }

    private Bucket bucket(long at) {
        long minute = at / BUCKET_NANOS;
        Bucket b = buckets[(int) (minute % BUCKETS)];
        if (b.minute != minute) b.reuse(minute);
        return b;
    }
}
