package org.conveyord.sim.physics;

import java.time.Instant;

/**
 * Where one bag is: a zone id, {@code sorter}, a lane id (the exception lane included),
 * {@code collected} or {@code queued} (waiting at its station); {@code since} is when it got there;
 * {@code lane} is the lane it went into (kept after it was collected), null before; {@code load} counts
 * the collections of that lane before the bag went in, so bags sharing lane and load lay in the lane
 * together (a scorecard tells successive orders in one lane apart by it).
 */
public record BagPlace(String at, Instant since, String lane, int load) {
    public BagPlace(String at, Instant since, String lane) {
        this(at, since, lane, 0);
    }

    public static final String SORTER = "sorter";
    public static final String COLLECTED = "collected";
    public static final String QUEUED = "queued";
    /** A person took the bag off the line (clearing a jam). */
    public static final String TAKEN_OFF = "taken-off";
}
