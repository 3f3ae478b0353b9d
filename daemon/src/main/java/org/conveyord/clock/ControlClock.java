package org.conveyord.clock;

import java.util.concurrent.Callable;

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

    interface Cancellable {
        void cancel();
    }
}
