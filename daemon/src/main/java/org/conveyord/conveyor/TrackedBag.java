package org.conveyord.conveyor;

/**
 * A bag the line is following. Identity comes from the station scanner and is never re-assigned:
 * an item without a read gets a generated id and is bound for the exception lane.
 *
 * Mutable, owned by the control thread only.
 */
final class TrackedBag {
    final String id;
    final String station;
    final boolean noRead;
    final boolean unknownItem;
    String lastSeen;
    String dest;            // decided at the sorter
    String reason;          // why it goes to exception, if it does
    Double grams;           // weighed at the weigh zone
    long deadlineNanos;     // when it must have reached its lane eye (0: not on its way yet)
    // the window in which its lane eye may name it (see LaneState#inWindow)
    long routedNanos;       // its tail cleared the sorter's entry eye
    long routedDeadline;    // deadlineNanos as routed: a different value means the sorter stopped on the way
    long earliestNanos;     // it cannot pass its divert point before
    boolean windowLoosened; // the speed changed on the way: any time up to the deadline, and no calibration sample

    TrackedBag(String id, String station, boolean noRead, boolean unknownItem) {
        this.id = id;
        this.station = station;
        this.noRead = noRead;
        this.unknownItem = unknownItem;
        this.lastSeen = station;
    }
}
