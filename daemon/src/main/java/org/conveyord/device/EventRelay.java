package org.conveyord.device;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes events off a time-critical thread (a line's control loop) and hands them, in order, to the
 * real sink on a thread of its own: serialising JSON and appending to the durable outbox (a disk
 * write) must not delay the next output.
 *
 * <p>{@link #emit} never waits: the hand-over is a lock-free queue. The queue holds up to
 * {@code capacity} events while the sink is slow; only an event that finds it full is dropped. The
 * drops are counted ({@link #dropped}) and, in the place of the lost events, the sink gets one
 * {@code events-dropped {count, reason: "relay-full"}} on the device of the first lost event. Those
 * events never had a seq (the sink assigns it), so consumers see no seq gap, only this event.
 */
public final class EventRelay implements EventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRelay.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private sealed interface Entry permits Pending, Gap {}

    private record Pending(String device, String type, Map<String, Object> fields, String cmdId) implements Entry {}

    /** Where events were lost: {@code count} of them, the first on {@code device}. */
    private record Gap(String device, long count) implements Entry {}

    private final EventSink target;
    private final int capacity;
    private final Queue<Entry> queue = new ConcurrentLinkedQueue<>();
    /** Events in the queue (gap markers not counted). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Events lost since the last gap marker; the marker goes in with the next event that fits. */
    private final AtomicLong unreportedDrops = new AtomicLong();
    private volatile String firstUnreportedDevice;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread worker;
    private volatile boolean running = true;

    public EventRelay(EventSink target, String name, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        this.target = target;
        this.capacity = capacity;
        this.worker = new Thread(this::run, name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Returns 0: the seq is assigned by the target when the relay hands the event on. Never blocks. */
    @Override
    public long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            drop(device, type);
            return 0;
        }
        takeGap().ifPresent(queue::add);
        queue.add(new Pending(device, type, fields, cmdId));
        LockSupport.unpark(worker);
        return 0;
    }

    /** Events lost because the relay was full, since it started. */
    public long dropped() { return dropped.get(); }

    private void drop(String device, String type) {
        if (unreportedDrops.getAndIncrement() == 0) firstUnreportedDevice = device;
        long n = dropped.incrementAndGet();
        // the control thread logs the first drop and then one in a thousand, not a flood
        if (n == 1 || n % 1000 == 0) {
            log.error("event relay {} is full ({} events): dropped {} event on {} ({} dropped so far)",
                    worker.getName(), capacity, type, device, n);
        }
    }

    private Optional<Gap> takeGap() {
        if (unreportedDrops.get() == 0) return Optional.empty();
        String device = firstUnreportedDevice;
        long n = unreportedDrops.getAndSet(0);
        return n == 0 ? Optional.empty() : Optional.of(new Gap(device, n));
    }

    private void run() {
        while (true) {
            Entry e = queue.poll();
            if (e == null) {
                // nothing queued behind the lost events: report them now rather than with the next event
                var gap = takeGap();
                if (gap.isPresent()) {
                    handOn(gap.get());
                    continue;
                }
                if (!running) return;
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            if (e instanceof Pending) queued.decrementAndGet();
            handOn(e);
        }
    }

    private void handOn(Entry e) {
        try {
            switch (e) {
                case Pending p -> target.emit(p.device(), p.type(), p.fields(), p.cmdId());
                case Gap g -> {
                    log.error("event relay {}: {} events were dropped while it was full", worker.getName(), g.count());
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("count", g.count());
                    f.put("reason", "relay-full");
                    target.emit(g.device(), "events-dropped", f, null);
                }
            }
        } catch (RuntimeException ex) {
            log.error("event relay {}: an event could not be handed on: {}", worker.getName(), ex.toString());
        }
    }

    /** Hands on everything still queued (bounded wait), then stops. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(worker);
        try {
            worker.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!queue.isEmpty()) log.error("event relay {}: {} events not handed on at shutdown", worker.getName(), queued.get());
    }
}
