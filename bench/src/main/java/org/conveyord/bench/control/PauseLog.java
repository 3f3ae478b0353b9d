package org.conveyord.bench.control;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What else stopped the JVM while the benchmark ran, so that each of the worst samples can be
 * given a cause: GC pauses and safepoints (JFR streaming, {@code jdk.GarbageCollection},
 * {@code jdk.SafepointBegin}), and stalls of a bystander thread that only parks for 1 ms and
 * notes how late it woke up (if it was late too, the whole process did not get a CPU: the OS
 * scheduler, other processes on the box).
 */
final class PauseLog implements AutoCloseable {
    private static final long PARK_NANOS = 1_000_000L;
    private static final long LATE_NANOS = 500_000L;
    /** JFR times and System.nanoTime are two clocks; an interval this near a sample still counts. */
    private static final long SLACK_NANOS = 300_000L;

    /** A pause in System.nanoTime. */
    record Pause(String kind, long startNanos, long endNanos, String detail) {}

    private final List<Pause> pauses = new ArrayList<>();
    private final RecordingStream jfr;
    private final Thread hiccups;
    private final long wallMinusNano;
    private volatile boolean running = true;

    PauseLog() {
        Instant wall = Instant.now();
        long nano = System.nanoTime();
        wallMinusNano = wall.getEpochSecond() * 1_000_000_000L + wall.getNano() - nano;
        jfr = new RecordingStream();
        jfr.enable("jdk.GarbageCollection").withThreshold(Duration.ZERO);
        jfr.enable("jdk.SafepointBegin").withThreshold(Duration.ZERO);
        jfr.onEvent("jdk.GarbageCollection", e -> add("gc", e, e.getString("name") + " " + e.getString("cause"),
                e.getDuration("longestPause")));
        jfr.onEvent("jdk.SafepointBegin", e -> add("safepoint", e, "safepoint", e.getDuration()));
        jfr.setMaxAge(Duration.ofSeconds(10));
        jfr.startAsync();
        hiccups = new Thread(this::watch, "bench-hiccup-watch");
        hiccups.setDaemon(true);
        hiccups.start();
    }

    private void add(String kind, RecordedEvent e, String detail, Duration pause) {
        Instant s = e.getStartTime();
        long start = s.getEpochSecond() * 1_000_000_000L + s.getNano() - wallMinusNano;
        long length = Math.max(pause.toNanos(), 0);
        if (kind.equals("gc")) length = Math.max(length, e.getDuration().toNanos());
        synchronized (pauses) {
            pauses.add(new Pause(kind, start, start + length, detail));
        }
    }

    private void watch() {
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(PARK_NANOS);
            long late = System.nanoTime() - before - PARK_NANOS;
            if (late > LATE_NANOS) {
                synchronized (pauses) {
                    pauses.add(new Pause("stall", before + PARK_NANOS, before + PARK_NANOS + late,
                            "a bystander thread woke " + late / 1000 + " us late"));
                }
            }
        }
    }

    /**
     * The cause of a latency sample that started at {@code fromNanos} and lasted {@code nanos}: a
     * GC or safepoint inside it, else a stall every thread saw, else "control path" (the work or
     * the hand-over to the control thread itself).
     */
    String causeOf(long fromNanos, long nanos) {
        long to = fromNanos + nanos;
        Pause best = null;
        synchronized (pauses) {
            for (Pause p : pauses) {
                if (p.endNanos() + SLACK_NANOS < fromNanos || p.startNanos() - SLACK_NANOS > to) continue;
                if (best == null || rank(p) < rank(best)
                        || rank(p) == rank(best) && p.endNanos() - p.startNanos() > best.endNanos() - best.startNanos()) best = p;
            }
        }
        if (best == null) return "control path (no GC, safepoint or process-wide stall overlaps)";
        return best.kind() + ": " + best.detail() + ", " + (best.endNanos() - best.startNanos()) / 1000 + " us";
    }

    private static int rank(Pause p) {
        return switch (p.kind()) {
            case "gc" -> 0;
            case "safepoint" -> 1;
            default -> 2;
        };
    }

    /** How many pauses of {@code kind}, and the longest, in ns, over [from, to]. */
    long[] summary(String kind, long from, long to) {
        long count = 0, longest = 0;
        synchronized (pauses) {
            for (Pause p : pauses) {
                if (!p.kind().equals(kind) || p.startNanos() < from || p.startNanos() > to) continue;
                count++;
                longest = Math.max(longest, p.endNanos() - p.startNanos());
            }
        }
        return new long[]{count, longest};
    }

    @Override
    public void close() {
        running = false;
        jfr.close();
    }
}
