package org.conveyord.clock;

import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Virtual time for running a line against an in-process simulator faster than real time. Nothing
 * runs by itself: the owner calls {@link #advanceTo(long)} (typically once per physics tick) from a
 * single thread, which then is the control thread. Deterministic: tasks due at the same time run in
 * the order they were scheduled.
 */
public final class VirtualControlClock implements ControlClock {

    private record Task(long due, long order, Runnable run, long period, boolean[] cancelled) {}

    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) ->
            a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private long now;
    private long order;
    private boolean shutdown;
    private final FatalGuard guard = new FatalGuard("virtual control clock");

    public VirtualControlClock(long startNanos) {
        this.now = startNanos;
    }

    @Override public synchronized long nanos() { return now; }

    @Override
    public synchronized void execute(Runnable task) {
        add(now, task, 0);
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayNanos) {
        Task t = add(now + Math.max(0, delayNanos), task, 0);
        return () -> t.cancelled[0] = true;
    }

    @Override
    public synchronized void every(Runnable task, long periodNanos) {
        add(now + periodNanos, task, periodNanos);
    }

    private Task add(long due, Runnable r, long period) {
        Task t = new Task(due, order++, r, period, new boolean[1]);
        if (!shutdown) queue.add(t);
        return t;
    }

    /** Queries run at once: the caller is the control thread. */
    @Override
    public <T> T call(Callable<T> task, long timeoutMillis) throws Exception {
        return task.call();
    }

    /** Never full: virtual time has no other thread to outrun the loop. */
    @Override
    public synchronized boolean offer(Runnable task) {
        if (shutdown || guard.tripped()) return false;
        add(now, task, 0);
        return true;
    }

    /** How long the earliest task that is due has been due: a task that {@link #spend spent} time makes the rest late. */
    @Override
    public synchronized long oldestWaitNanos() {
        Task head = queue.peek();
        return head == null || head.due > now ? 0 : now - head.due;
    }

    /** Tasks waiting to run (due or not; cancelled ones do not count). */
    public synchronized int pendingTasks() {
        int n = 0;
        for (Task t : queue) if (!t.cancelled[0]) n++;
        return n;
    }

    /**
     * The task now running takes {@code nanos} of control-thread time: the clock moves on while
     * nothing else runs, as a stalled loop (a long GC, a slow write) does in production.
     */
    public synchronized void spend(long nanos) {
        now += nanos;
    }

    @Override public void addSafetyStop(Runnable stop) { guard.addSafetyStop(stop); }

    @Override public void onFatal(Consumer<Throwable> handler) { guard.onFatal(handler); }

    @Override public synchronized void shutdown() {
        shutdown = true;
        queue.clear();
    }

    /** Runs every task due up to {@code t}, in time order, and leaves the clock at {@code t}. */
    public void advanceTo(long t) {
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > t) {
                    now = Math.max(now, t);
                    return;
                }
                queue.poll();
                now = Math.max(now, next.due);
                if (next.period > 0 && !next.cancelled[0]) add(next.due + next.period, next.run, next.period);
            }
            if (!next.cancelled[0] && !guard.run(next.run)) {
                shutdown();   // after a fatal error nothing more runs, as on the real thread
                return;
            }
        }
    }
}
