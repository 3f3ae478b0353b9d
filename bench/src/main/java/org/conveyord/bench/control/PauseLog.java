package org.conveyord.bench.control;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What else stopped the control thread while the benchmark ran, so that each of the worst samples
 * can be given a cause: GC pauses and safepoints (JFR streaming, {@code jdk.GarbageCollection},
 * {@code jdk.SafepointBegin}); time the control thread spent runnable but waiting for a CPU (its
 * run-queue wait in {@code /proc/self/task/<tid>/schedstat}, read every millisecond: the OS
 * scheduler and the other processes on the box); and stalls of a bystander thread that only parks
 * for 1 ms and notes how late it woke up.
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
    private final FileChannel schedstat;   // the control thread's; null where there is none
    private final ByteBuffer statBuf = ByteBuffer.allocate(128);
    private volatile boolean running = true;

    /** @param threadName the control thread's name (its /proc comm; it must be running) */
    PauseLog(String threadName) {
        schedstat = openSchedstat(threadName);
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

    private static FileChannel openSchedstat(String threadName) {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                if (Files.readString(t.resolve("comm")).trim().equals(threadName)) {
                    return FileChannel.open(t.resolve("schedstat"), StandardOpenOption.READ);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** The control thread's run-queue wait so far, in ns; -1 if unknown. Allocates nothing. */
    private long runQueueWait() {
        if (schedstat == null) return -1;
        try {
            statBuf.clear();
            int n = schedstat.read(statBuf, 0);
            int field = 0;
            long v = 0;
            for (int i = 0; i < n; i++) {
                byte b = statBuf.get(i);
                if (b == ' ') {
                    if (field == 1) return v;
                    field++;
                    v = 0;
                } else if (field == 1) {
                    v = v * 10 + (b - '0');
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private void watch() {
        long lastWait = runQueueWait();
        long lastPoll = System.nanoTime();
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(PARK_NANOS);
            long now = System.nanoTime();
            long wait = runQueueWait();
            if (wait >= 0 && lastWait >= 0 && wait - lastWait > LATE_NANOS / 2) {
                synchronized (pauses) {
                    // the kernel books a wait when it ends: it lies just before this poll, however long it was
                    long waited = wait - lastWait;
                    pauses.add(new Pause("cpu-wait", Math.min(lastPoll, now - waited), now,
                            "the control thread waited " + waited / 1000 + " us for a CPU (run queue)"));
                }
            }
            lastWait = wait;
            lastPoll = now;
            long late = now - before - PARK_NANOS;
            if (late > LATE_NANOS) {
                synchronized (pauses) {
                    pauses.add(new Pause("stall", before + PARK_NANOS, before + PARK_NANOS + late,
                            "a bystander thread woke " + late / 1000 + " us late"));
                }
            }
        }
    }

    /**
     * The cause of a latency sample that started at {@code fromNanos} and lasted {@code nanos}: the
     * GC pause, safepoint, run-queue wait of the control thread or bystander stall that covers most
     * of it; else "control path" (the work or the hand-over to the control thread itself).
     */
    String causeOf(long fromNanos, long nanos) {
        long to = fromNanos + nanos;
        Pause best = null;
        long bestOverlap = 0;
        synchronized (pauses) {
            for (Pause p : pauses) {
                long overlap = Math.min(to, p.endNanos() + SLACK_NANOS) - Math.max(fromNanos, p.startNanos() - SLACK_NANOS);
                if (overlap <= 0) continue;
                if (best == null || overlap > bestOverlap || overlap == bestOverlap && rank(p) < rank(best)) {
                    best = p;
                    bestOverlap = overlap;
                }
            }
        }
        if (best == null) return "control path (no GC, safepoint, run-queue wait or stall overlaps)";
        return best.kind() + ": " + best.detail() + ", " + (best.endNanos() - best.startNanos()) / 1000 + " us";
    }

    private static int rank(Pause p) {
        return switch (p.kind()) {
            case "gc" -> 0;
            case "safepoint" -> 1;
            case "cpu-wait" -> 2;
            default -> 3;
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
        try {
            if (schedstat != null) schedstat.close();
        } catch (IOException e) {
            // only the benchmark's own file handle
        }
    }
}
