package org.conveyord.sim;

import java.time.Instant;

/**
 * Where one bag is: a zone id, {@code sorter}, a lane id (the exception lane included) or
 * {@code collected}; {@code since} is when it got there.
 */
public record BagPlace(String at, Instant since) {
    public static final String SORTER = "sorter";
    public static final String COLLECTED = "collected";
    public static final String QUEUED = "queued";
}
