package org.conveyord.mqtt;

import java.time.Instant;
import java.util.List;

/**
 * Messages waiting for the broker's PUBACK, in the order they were appended. An entry leaves only by
 * {@link #remove} (acknowledged) or by expiring. The durable on-disk outbox (mqtt-api.md, Delivery)
 * implements this same interface; {@link InMemoryOutbox} is the one in use today.
 * Implementations are thread-safe: devices append from their threads, the gateway reads and removes.
 */
public interface Outbox {

    /**
     * @param expiresAt when an unsent entry stops being worth sending (replies), or null for never (events)
     * @return the entry's id, increasing with every append
     */
    long append(String topic, byte[] payload, Instant expiresAt);

    /** Up to {@code max} entries with an id greater than {@code afterId}, oldest first. */
    List<Entry> after(long afterId, int max);

    void remove(long id);

    int size();

    record Entry(long id, String topic, byte[] payload, Instant expiresAt) {
        public boolean expired(Instant now) { return expiresAt != null && now.isAfter(expiresAt); }
    }
}
