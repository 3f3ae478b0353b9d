package org.conveyord.sim;

import java.time.Instant;

/**
 * Where one bag is: a zone id, {@code sorter}, a lane id (the exception lane included),
 * {@code collected} or {@code queued} (waiting at its station); {@code since} is when it got there;
 * {@code lane} is the lane it went into (kept after it was collected), null before.
 */
public record BagPlace(String at, Instant since, String lane) {
    public static final String SORTER = "sorter";
    public static final String COLLECTED = "collected";
    public static final String QUEUED = "queued";
}
