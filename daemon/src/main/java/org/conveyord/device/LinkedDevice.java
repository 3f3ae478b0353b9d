package org.conveyord.device;

import org.conveyord.link.ByteLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The lifecycle every device behind a {@link ByteLink} shares (scales, printers, scanners), as
 * openHAB's BaseThingHandler:
 * <ul>
 *   <li>{@link #start()} returns at once; the connect runs on the context's scheduler, where the
 *       subclass's {@link #onStart()} registers its timers with {@link #every}.</li>
 *   <li>{@link #stop()} is safe to call twice, also before the connect ran: timers are cancelled, the
 *       link is closed, then {@link #onStop()} fails whatever still waits.</li>
 *   <li>Link up and down become a status: up is {@link #linkUpStatus()} (ONLINE unless the subclass
 *       knows better), down is {@link StatusDetail#LINK_DOWN} with the link's reason.</li>
 *   <li>Expected faults are statuses set with {@link #updateStatus}; an exception thrown by a timer
 *       or a link callback is logged and becomes the status {@link StatusDetail#INTERNAL}, never an
 *       exception out of the device.</li>
 * </ul>
 * A status change is logged once (a retry that fails with another reason is not news), handed to
 * {@link #statusChanged} and then to the state listener.
 * <p>
 * Threading: link callbacks come on the link's thread, timers on the context's scheduler, commands
 * from any thread. The status has its own lock and nothing is called out while holding it, so a
 * subclass may call {@link #updateStatus} from anywhere except while holding a lock a listener needs.
 */
public abstract class LinkedDevice implements Device {

    private final Logger log = LoggerFactory.getLogger(getClass());

    protected final String id;
    protected final ByteLink link;
    protected final DeviceContext ctx;

    private final Object lifecycle = new Object();
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();   // guarded by lifecycle
    private boolean started;                                               // guarded by lifecycle
    private volatile boolean stopped;

    private final Object statusLock = new Object();
    private DeviceStatus status = DeviceStatus.linkDown("not connected yet");   // guarded by statusLock

    protected LinkedDevice(String id, ByteLink link, DeviceContext ctx) {
        this.id = id;
        this.link = link;
        this.ctx = ctx;
    }

    /** On the scheduler, before the link starts: register timers with {@link #every}. */
    protected void onStart() { }

    /** The link is up (link thread): reset framers and per-connection state. */
    protected abstract void onLinkUp();

    /** Bytes from the device (link thread). */
    protected abstract void onBytes(byte[] data, int offset, int length);

    /** The link went down (link thread): fail what waits for an answer; the status follows. */
    protected void onLinkDown(String reason) { }

    /** After stop: fail what still waits. Timers are cancelled and the link closed already. */
    protected void onStop() { }

    /** The status once the link is up and {@link #onLinkUp} ran. */
    protected DeviceStatus linkUpStatus() { return DeviceStatus.ONLINE; }

    /** A status change, after it was logged and before the state listener hears of it; emit events here. */
    protected void statusChanged(DeviceStatus previous, DeviceStatus next) { }

    @Override public final String id() { return id; }

    @Override
    public final void start() {
        synchronized (lifecycle) {
            if (started || stopped) return;
            started = true;
        }
        try {
            ctx.scheduler().execute(this::connect);
        } catch (RejectedExecutionException e) {
            log.error("{}: cannot schedule the connect, the scheduler is shut down", id);
            updateStatus(DeviceStatus.fault(StatusDetail.INTERNAL, "the daemon's scheduler refused the connect"));
        }
    }

    private void connect() {
        synchronized (lifecycle) {
            if (stopped) return;
            guarded("start", this::onStart);
            link.start(new ByteLink.Listener() {
                @Override public void connected() {
                    if (stopped) return;
                    guarded("link up", LinkedDevice.this::onLinkUp);
                    updateStatus(linkUpStatus());
                }

                @Override public void received(byte[] data, int offset, int length) {
                    if (stopped) return;
                    guarded("reading", () -> onBytes(data, offset, length));
                }

                @Override public void disconnected(String reason) {
                    if (stopped) return;
                    guarded("link down", () -> onLinkDown(reason));
                    updateStatus(DeviceStatus.linkDown(reason));
                }
            });
        }
    }

    @Override
    public final void stop() {
        List<ScheduledFuture<?>> cancel;
        synchronized (lifecycle) {
            if (stopped) return;
            stopped = true;
            cancel = new ArrayList<>(timers);
            timers.clear();
        }
        cancel.forEach(t -> t.cancel(false));
        link.stop();
        guarded("stop", this::onStop);
    }

    protected final boolean isStopped() { return stopped; }

    /** Runs {@code task} every {@code periodMs} (first after one period) until stop; call from {@link #onStart}. */
    protected final void every(long periodMs, Runnable task) {
        synchronized (lifecycle) {
            if (stopped) return;
            timers.add(ctx.scheduler().scheduleWithFixedDelay(() -> {
                if (!stopped) guarded("timer", task);
            }, periodMs, periodMs, TimeUnit.MILLISECONDS));
        }
    }

    /**
     * Runs {@code task} after {@code firstMs}, then again after however many milliseconds
     * {@code nextDelayMs} gives once it ran, until stop: a poll that is fast while something happens
     * and slow while nothing does (an idle box should not wake ten times a second for a printer with
     * nothing to print). Call from {@link #onStart}.
     *
     * @return a handle whose {@link Repeating#soon()} runs the task at once instead of at its next time
     */
    protected final Repeating repeat(long firstMs, Runnable task, java.util.function.LongSupplier nextDelayMs) {
        Repeating r = new Repeating(task, nextDelayMs);
        r.scheduleIn(firstMs);
        return r;
    }

    /** A task of {@link #repeat}: one pending run at a time, replaced when woken. */
    protected final class Repeating {
        private final Runnable task;
        private final java.util.function.LongSupplier nextDelayMs;
        private ScheduledFuture<?> pending;   // guarded by lifecycle
        private volatile boolean woken;       // a run under way goes again at once

        private Repeating(Runnable task, java.util.function.LongSupplier nextDelayMs) {
            this.task = task;
            this.nextDelayMs = nextDelayMs;
        }

        /** Runs the task now (on the scheduler) rather than at its next time; any thread. */
        public void soon() {
            woken = true;
            synchronized (lifecycle) {
                // due or running already: that run sees woken and goes again straight after
                if (stopped || pending == null || pending.getDelay(TimeUnit.MILLISECONDS) <= 0) return;
                pending.cancel(false);
                scheduleIn(0);
            }
        }

        private void scheduleIn(long ms) {
            synchronized (lifecycle) {
                if (stopped) return;
                if (pending != null) timers.remove(pending);
                try {
                    pending = ctx.scheduler().schedule(this::run, ms, TimeUnit.MILLISECONDS);
                    timers.add(pending);
                } catch (RejectedExecutionException e) {
                    // the scheduler is shutting down with the daemon: nothing more to poll
                }
            }
        }

        private void run() {
            if (stopped) return;
            woken = false;
            guarded("timer", task);
            long next;
            try {
                next = woken ? 1 : Math.max(1, nextDelayMs.getAsLong());
            } catch (RuntimeException e) {
                log.warn("{}: cannot work out the next poll ({}); polling again in 1 s", id, e.toString());
                next = 1000;
            }
            scheduleIn(next);
        }
    }

    @Override
    public final DeviceStatus status() {
        synchronized (statusLock) {
            return status;
        }
    }

    /**
     * Sets the status; on a change logs it, calls {@link #statusChanged} and tells the state listener.
     * Ignored after stop. Do not hold a lock here that an event sink or state listener might need.
     *
     * @return whether it changed
     */
    protected final boolean updateStatus(DeviceStatus next) {
        DeviceStatus previous;
        synchronized (statusLock) {
            if (stopped || status.equals(next)) return false;
            previous = status;
            status = next;
        }
        if (next.isOnline()) {
            log.info("{} online via {}", id, link.describe());
        } else if (previous.state() == DeviceStatus.State.OFFLINE && next.state() == DeviceStatus.State.OFFLINE) {
            log.debug("{} still offline: {}", id, next.reason());
        } else {
            log.warn("{} {} ({}): {}", id, next.state().name().toLowerCase(), next.detail(), next.reason());
        }
        statusChanged(previous, next);
        ctx.stateListener().stateChanged(id);
        return true;
    }

    /** {@code status}, {@code detail} and {@code reason} for a {@link #state()} snapshot or a status answer. */
    protected final void putStatus(Map<String, Object> state) {
        DeviceStatus s = status();
        state.put("status", s.state().name().toLowerCase());
        state.put("detail", s.detail().name());
        state.put("reason", s.reason());
    }

    private void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("{}: {} failed: {}", id, what, e.toString(), e);
            updateStatus(DeviceStatus.fault(StatusDetail.INTERNAL, what + " failed: " + e));
        }
    }
}
