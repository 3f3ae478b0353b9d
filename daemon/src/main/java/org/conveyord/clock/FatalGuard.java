package org.conveyord.clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What a clock does when something escapes one of its tasks: an {@link Error} (out of memory,
 * stack overflow, a class that fails to link) leaves the control state unknowable, so the machine
 * is made safe first (every safety stop, each on its own) and then the process is told to end.
 * The line's own step wrapper turns runtime exceptions into a latched fault; only what gets past it
 * arrives here. Shared by both clocks so that virtual time takes the same path as production.
 */
final class FatalGuard {
    private static final Logger log = LoggerFactory.getLogger(FatalGuard.class);

    private final String name;
    private final List<Runnable> safetyStops = new CopyOnWriteArrayList<>();
    private volatile Consumer<Throwable> handler;
    private volatile boolean tripped;

    FatalGuard(String name) {
        this.name = name;
    }

    void addSafetyStop(Runnable stop) { safetyStops.add(stop); }

    void onFatal(Consumer<Throwable> h) { handler = h; }

    boolean tripped() { return tripped; }

    /**
     * Runs {@code task}; anything escaping it trips the guard. True if the task finished normally.
     * With no fatal handler set (a test's clock) the throwable goes on to the caller after the
     * safety stops, so that a failed assertion inside a task still fails the test.
     */
    boolean run(Runnable task) {
        if (tripped) return false;
        try {
            task.run();
            return true;
        } catch (RuntimeException | Error t) {
            if (!trip(t)) throw t;
            return false;
        }
    }

    /** Makes safe and tells the handler; false if there is no handler to tell. */
    boolean trip(Throwable t) {
        if (tripped) return true;
        tripped = true;
        for (Runnable stop : safetyStops) {
            try {
                stop.run();
            } catch (Throwable again) {
                // the next stop must still run: one failing output write must not keep another motor on
                log.error("{}: a safety stop failed after a fatal error: {}", name, again.toString());
            }
        }
        Consumer<Throwable> h = handler;
        if (h == null) {
            log.error("{}: fatal {} on the control thread; outputs off, the loop stops", name, t.toString());
            return false;
        }
        try {
            h.accept(t);
        } catch (Throwable again) {
            log.error("{}: the fatal handler failed: {}", name, again.toString());
        }
        return true;
    }
}
