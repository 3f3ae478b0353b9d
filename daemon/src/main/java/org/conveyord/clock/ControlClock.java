package org.conveyord.clock;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Time and the single control thread of a line, behind one small interface so that the same
 * control code runs on the wall clock ({@link ThreadControlClock}) or in virtual time
 * ({@link VirtualControlClock}: the simulator and the line share one clock in-process and run
 * faster than real time, deterministically).
 * <p>
 * Every task runs on the control thread, one at a time, in time order.
 */
public interface ControlClock {

    /** Monotonic nanoseconds, the scale of every edge time the line sees. */
    long nanos();

    /** Runs {@code task} on the control thread as soon as possible. */
    void execute(Runnable task);

    /** Runs {@code task} on the control thread after {@code delayNanos}. */
    Cancellable schedule(Runnable task, long delayNanos);

    /** Runs {@code task} every {@code periodNanos}, first after one period. */
    void every(Runnable task, long periodNanos);

    /** Runs {@code task} on the control thread and waits for its result (bounded). */
    <T> T call(Callable<T> task, long timeoutMillis) throws Exception;

    /** Stops running tasks; pending ones are dropped. */
    void shutdown();

    /**
     * Hands {@code task} to the control thread if its queue has room; false when it is full (or
     * shut down), so that a caller from another thread never blocks and can count what it lost.
     */
    boolean offer(Runnable task);

    /**
     * How long the oldest task handed over with {@link #execute} or {@link #offer} has waited
     * without running, in nanoseconds; 0 when none waits. A control loop that falls behind shows
     * here before it shows anywhere else.
     */
    long oldestWaitNanos();

    /**
     * A step that makes the machine safe when an {@link Error} escapes a task (motion outputs
     * off): every one runs, in the order added, before the fatal handler.
     */
    void addSafetyStop(Runnable stop);

    /**
     * Told once when an {@link Error} (or anything else) escapes a task, after the safety stops.
     * The clock runs nothing after that: the process must end (see {@code Main}).
     */
    void onFatal(Consumer<Throwable> handler);

    interface Cancellable {
        void cancel();
    }
}
