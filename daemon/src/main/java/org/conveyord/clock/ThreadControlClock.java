package org.conveyord.clock;

import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The production clock: {@link System#nanoTime()} and one high-priority thread per line. */
public final class ThreadControlClock implements ControlClock {
    private final ScheduledThreadPoolExecutor loop;

    public ThreadControlClock(String threadName) {
        loop = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
        loop.setRemoveOnCancelPolicy(true);
    }

    @Override public long nanos() { return System.nanoTime(); }

    @Override public void execute(Runnable task) { loop.execute(task); }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        var f = loop.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void every(Runnable task, long periodNanos) {
        loop.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> T call(Callable<T> task, long timeoutMillis) throws Exception {
        return loop.submit(task).get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override public void shutdown() { loop.shutdownNow(); }
}
