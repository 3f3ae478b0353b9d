package org.conveyord.systemd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Tells systemd how the service is: READY=1 once, STATUS= when the summary changes, WATCHDOG=1 at
 * half the watchdog timeout while every {@link Liveness} part makes progress, STOPPING=1 on the way
 * out. A stalled part stops the pings, so systemd kills and restarts the service, which comes back
 * up stopped (nothing restarts motion on its own).
 */
public final class ServiceNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceNotifier.class);
    /** STATUS= is refreshed this often when there is no watchdog to tick with. */
    private static final Duration STATUS_PERIOD = Duration.ofSeconds(2);

    private final SdNotify notify;
    private final Liveness liveness;
    private final Supplier<String> status;
    private final ScheduledExecutorService timer;
    private final long maxSilenceNanos;
    private String lastStatus;
    private List<String> lastStalled = List.of();

    public ServiceNotifier(SdNotify notify, Liveness liveness, Supplier<String> status) {
        this.notify = notify;
        this.liveness = liveness;
        this.status = status;
        Duration period = notify.watchdogInterval().orElse(STATUS_PERIOD);
        // a part may be silent for one whole watchdog timeout (two ping periods) before it counts as stalled
        this.maxSilenceNanos = period.toNanos() * 2;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "service-notifier");
            t.setDaemon(true);
            return t;
        });
        if (notify.enabled()) {
            long p = period.toNanos();
            timer.scheduleAtFixedRate(this::tick, p, p, TimeUnit.NANOSECONDS);
        }
    }

    /** The control loop runs and the outputs are claimed (the broker may still be coming). */
    public void ready() {
        if (!notify.enabled()) return;
        timer.execute(() -> {
            publishStatus();
            notify.ready();
            log.info("systemd notified: ready{}", notify.watchdogInterval().map(d -> ", watchdog ping every " + d.toMillis() + " ms").orElse(""));
        });
    }

    private void tick() {
        try {
            publishStatus();
            if (notify.watchdogInterval().isEmpty()) return;
            List<String> stalled = liveness.stalled(maxSilenceNanos);
            if (stalled.isEmpty()) {
                if (!lastStalled.isEmpty()) log.warn("watchdog: every part makes progress again");
                notify.watchdog();
            } else if (!stalled.equals(lastStalled)) {
                log.error("watchdog: no progress from {} for more than {} ms: systemd watchdog pings stopped",
                        stalled, maxSilenceNanos / 1_000_000);
            }
            lastStalled = stalled;
        } catch (RuntimeException e) {
            log.warn("service notifier tick failed: {}", e.toString());
        }
    }

    private void publishStatus() {
        String s = status.get();
        if (!Objects.equals(s, lastStatus)) {
            notify.status(s);
            lastStatus = s;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notify.stopping();
        notify.close();
    }
}
