package org.conveyord.clock;

import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The production clock: {@link System#nanoTime()} and one high-priority thread per line.
 * <p>
 * Tasks handed over from other threads ({@link #execute}, {@link #offer}) are bounded: the
 * executor's own queue is not, and an edge flood must not grow the heap until the JVM dies with
 * motion on. Each carries its hand-over time, so the loop can tell how far it has fallen behind
 * ({@link #oldestWaitNanos}). Timers ({@link #schedule}, {@link #every}) are not counted: the
 * line itself bounds how many it keeps.
 */
public final class ThreadControlClock implements ControlClock {
    /** Far more than a line posts between two ticks, far less than would take the heap. */
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;

    private final ScheduledThreadPoolExecutor loop;
    private final int capacity;
    private final LongSupplier time;
    private final AtomicInteger queued = new AtomicInteger();
    private final ConcurrentLinkedQueue<Queued> waiting = new ConcurrentLinkedQueue<>();
    private final FatalGuard guard;
    private long periodicLateNanos;   // control thread only: how late the periodic task now running started

    /** A handed-over task and when it was handed over; runs in hand-over order. */
    private final class Queued implements Runnable {
        final Runnable task;
        final long since;

        Queued(Runnable task, long since) {
            this.task = task;
            this.since = since;
        }

        @Override
        public void run() {
            waiting.remove(this);
            queued.decrementAndGet();
            guard.run(task);
            if (guard.tripped()) loop.shutdownNow();
        }
    }

    public ThreadControlClock(String threadName) {
        this(threadName, DEFAULT_QUEUE_CAPACITY, System::nanoTime);
    }

    /** @param time monotonic nanoseconds (a test may drive it by hand) */
    public ThreadControlClock(String threadName, int queueCapacity, LongSupplier time) {
        if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be at least 1, was " + queueCapacity);
        this.capacity = queueCapacity;
        this.time = time;
        this.guard = new FatalGuard(threadName);
        loop = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
        loop.setRemoveOnCancelPolicy(true);
    }

    @Override public long nanos() { return time.getAsLong(); }

    /** As {@link #offer}, but a full queue is an error the caller must handle. */
    @Override
    public void execute(Runnable task) {
        if (!offer(task)) {
            throw new RejectedExecutionException("the control queue is full (" + capacity + " tasks) or shut down");
        }
    }

    @Override
    public boolean offer(Runnable task) {
        if (guard.tripped() || loop.isShutdown()) return false;
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            return false;
        }
        Queued q = new Queued(task, time.getAsLong());
        waiting.add(q);
        try {
            loop.execute(q);
            return true;
        } catch (RejectedExecutionException e) {
            waiting.remove(q);
            queued.decrementAndGet();
            return false;
        }
    }

    @Override
    public long oldestWaitNanos() {
        Queued head = waiting.peek();
        long queueWait = head == null ? 0 : Math.max(0, time.getAsLong() - head.since);
        return Math.max(queueWait, periodicLateNanos);
    }

    /** Timers the thread keeps (one-shot and periodic, the shared beat counting once). */
    int timers() { return loop.getQueue().size(); }

    /** Tasks handed over and not yet started. */
    public int queuedTasks() { return queued.get(); }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        var f = loop.schedule(() -> runGuarded(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    /**
     * Periodic tasks whose period is a multiple of this share one timer: the line's 50 ms tick, its
     * 100 ms lag probe and the 500 ms liveness beat wake the thread 20 times a second, not 32. An idle
     * box pays for every wake-up (issue 12).
     */
    public static final long SHARED_BEAT_NANOS = 50_000_000L;

    /** A task on the shared beat: runs on every {@code everyBeats}-th beat, in registration order. */
    private static final class OnBeat {
        final Runnable task;
        final long everyBeats;
        long beats;   // control thread only

        OnBeat(Runnable task, long everyBeats) {
            this.task = task;
            this.everyBeats = everyBeats;
        }
    }

    private final java.util.List<OnBeat> onBeat = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean beatStarted;   // guarded by onBeat

    @Override
    public void every(Runnable task, long periodNanos) {
        if (periodNanos > 0 && periodNanos % SHARED_BEAT_NANOS == 0) {
            onBeat.add(new OnBeat(task, periodNanos / SHARED_BEAT_NANOS));
            synchronized (onBeat) {
                if (beatStarted) return;
                beatStarted = true;
            }
            ownTimer(() -> {
                for (OnBeat b : onBeat) {
                    if (++b.beats % b.everyBeats != 0) continue;
                    runGuarded(b.task);
                    if (guard.tripped()) return;
                }
            }, SHARED_BEAT_NANOS, false);
            return;
        }
        ownTimer(task, periodNanos, true);
    }

    private void ownTimer(Runnable task, long periodNanos, boolean guarded) {
        long first = time.getAsLong() + periodNanos;
        long[] run = {0};
        loop.scheduleAtFixedRate(() -> {
            // fixed rate catches up after a stall: a run that starts late says the loop is behind
            periodicLateNanos = Math.max(0, time.getAsLong() - (first + run[0]++ * periodNanos));
            try {
                if (guarded) runGuarded(task);
                else task.run();
            } finally {
                periodicLateNanos = 0;
            }
        }, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    private void runGuarded(Runnable task) {
        guard.run(task);
        if (guard.tripped()) loop.shutdownNow();
    }

    @Override
    public <T> T call(Callable<T> task, long timeoutMillis) throws Exception {
        FutureTask<T> f = new FutureTask<>(task);
        // an Error inside a query is as fatal as anywhere else on this thread
        execute(() -> {
            f.run();
            if (f.isDone() && !f.isCancelled()) rethrowError(f);
        });
        return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private static void rethrowError(FutureTask<?> f) {
        try {
            f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error err) throw err;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override public void addSafetyStop(Runnable stop) { guard.addSafetyStop(stop); }

    @Override public void onFatal(Consumer<Throwable> handler) { guard.onFatal(handler); }

    @Override public void shutdown() { loop.shutdownNow(); }
}
