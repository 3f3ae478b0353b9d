package org.conveyord.device;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Takes events off a time-critical thread (a line's control loop) and hands them, in order, to the
 * real sink on a thread of its own: serialising JSON and appending to the durable outbox (a disk
 * write) must not delay the next output. The queue is bounded and preallocated; if it ever fills,
 * the caller waits briefly rather than dropping an event.
 */
public final class EventRelay implements EventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRelay.class);

    private record Pending(String device, String type, Map<String, Object> fields, String cmdId) {}

    private final EventSink target;
    private final BlockingQueue<Pending> queue;
    private final Thread worker;
    private volatile boolean running = true;

    public EventRelay(EventSink target, String name, int capacity) {
        this.target = target;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.worker = new Thread(this::run, name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Returns 0: the seq is assigned by the target when the relay hands the event on. */
    @Override
    public long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        Pending p = new Pending(device, type, fields, cmdId);
        try {
            if (!queue.offer(p)) {
                log.warn("event relay {} is full ({} events): the caller waits for the outbox", worker.getName(), queue.size());
                queue.put(p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            target.emit(device, type, fields, cmdId);   // shutting down: deliver directly rather than lose it
        }
        return 0;
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            try {
                Pending p = queue.poll(200, TimeUnit.MILLISECONDS);
                if (p != null) target.emit(p.device(), p.type(), p.fields(), p.cmdId());
            } catch (InterruptedException e) {
                if (!running) break;
            } catch (RuntimeException e) {
                log.error("event relay {}: an event could not be handed on: {}", worker.getName(), e.toString());
            }
        }
    }

    /** Hands on everything still queued (bounded wait), then stops. */
    @Override
    public void close() {
        running = false;
        try {
            worker.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!queue.isEmpty()) log.error("event relay {}: {} events not handed on at shutdown", worker.getName(), queue.size());
    }
}
