package org.conveyord.mqtt;

import java.time.Instant;
import java.util.List;

/**
 * Messages waiting for the broker's PUBACK, in the order they were appended. An entry leaves only by
 * {@link #remove} (acknowledged or expired) or by being dropped at the cap. {@link DurableOutbox} keeps
 * them on disk (mqtt-api.md, Delivery) and is the gateway's default; {@link InMemoryOutbox} is for tests.
 * Implementations are thread-safe: devices append from their threads, the gateway reads and removes.
 */
public interface Outbox extends AutoCloseable {

    /** Told about an entry dropped at the cap; called on the appending thread, must not block or append. */
    interface DropListener {
        void dropped(Entry entry);
    }

    /**
     * @param expiresAt when an unsent entry stops being worth sending (replies), or null for never (events)
     * @return the entry's id, increasing with every append (also across restarts for a durable outbox)
     */
    long append(String topic, byte[] payload, Instant expiresAt);

    /** Up to {@code max} entries with an id greater than {@code afterId}, oldest first. */
    List<Entry> after(long afterId, int max);

    /** Idempotent; ids already gone are ignored. */
    void remove(long id);

    int size();

    /** How full the outbox is against its hard cap, 0.0 to 1.0. */
    double fill();

    /** Bytes it takes on disk (0 for one in memory). */
    default long bytesOnDisk() { return 0; }

    /** Records found unreadable (bad checksum, torn by a power cut) and skipped since it was opened. */
    default long corruptRecords() { return 0; }

    /** Writes everything still buffered to disk; the outbox cannot be used afterwards. */
    @Override
    default void close() {}

    record Entry(long id, String topic, byte[] payload, Instant expiresAt) {
        public boolean expired(Instant now) { return expiresAt != null && now.isAfter(expiresAt); }
    }
}
