package org.conveyord.mqtt;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbox kept in memory: survives broker outages and network cuts, not a daemon crash. Bounded
 * by {@code capacity}: at the cap the oldest entry is dropped and reported to the {@link DropListener}
 * (the gateway turns it into {@code event/node/events-dropped}). Thread-safe. For tests and
 * for a gateway that must not touch the disk.
 */
public final class InMemoryOutbox implements Outbox {

    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final int capacity;
    private final DropListener onDrop;

    public InMemoryOutbox(int capacity, DropListener onDrop) {
        if (capacity < 1) throw new IllegalArgumentException("outbox capacity must be at least 1, got " + capacity);
        this.capacity = capacity;
        this.onDrop = onDrop;
    }

    @Override
    public long append(String topic, byte[] payload, Instant expiresAt) {
        long id = ids.incrementAndGet();
        entries.put(id, new Entry(id, topic, payload, expiresAt));
        while (entries.size() > capacity) {
            var oldest = entries.pollFirstEntry();
            if (oldest != null && onDrop != null) onDrop.dropped(oldest.getValue());
        }
        return id;
    }

    @Override
    public List<Entry> after(long afterId, int max) {
        List<Entry> out = new ArrayList<>(Math.min(max, 64));
        for (Entry e : entries.tailMap(afterId, false).values()) {
            if (out.size() >= max) break;
            out.add(e);
        }
        return out;
    }

    @Override
    public void remove(long id) { entries.remove(id); }

    @Override
    public int size() { return entries.size(); }

    @Override
    public double fill() { return (double) entries.size() / capacity; }
}
