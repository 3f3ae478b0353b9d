package org.conveyord.conveyor;

/**
 * Counts one eye's edges where they arrive (the GPIO thread), before anything is posted to the
 * control loop: a bag makes two edges, and even the shortest bags at full speed cannot make more
 * than a few dozen a second. More than that is a loose wire or a dirty reflector, and posting
 * each edge would fill the control queue. Once tripped the eye is ignored until the line re-arms
 * it (after the person's {@code reset}).
 */
final class EyeChatter {
    private static final long WINDOW_NANOS = 1_000_000_000L;

    enum Verdict { PASS, TRIP, DROP }

    private final long[] recent;   // the last maxEdgesPerS + 1 edge times, a ring
    private int next;
    private int seen;
    private boolean tripped;

    EyeChatter(int maxEdgesPerS) {
        recent = new long[maxEdgesPerS + 1];
    }

    /** At an edge of time {@code nanos}: post it, report the chatter once, or drop it. */
    synchronized Verdict edge(long nanos) {
        if (tripped) return Verdict.DROP;
        recent[next] = nanos;
        next = (next + 1) % recent.length;
        if (seen < recent.length) seen++;
        // the ring is full of edges and the oldest of them is less than a second old: too many
        if (seen == recent.length && nanos - recent[next] < WINDOW_NANOS) {
            tripped = true;
            return Verdict.TRIP;
        }
        return Verdict.PASS;
    }

    synchronized boolean tripped() { return tripped; }

    /** Counts from nothing again: a person looked at the eye and reset the line. */
    synchronized void rearm() {
        tripped = false;
        seen = 0;
        next = 0;
    }
}
