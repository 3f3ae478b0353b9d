package org.conveyord.conveyor;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Re-aligns a station's reads with the bags reaching its eye after the daemon lost count: a person
 * cleared a jam between the scanner and the eye (the stuck bags may have been taken off or pushed
 * on), or a read went stale (its bag may still come). Up to {@code k} bags from before are unknown;
 * each may or may not still arrive, and always ahead of every bag read since.
 *
 * <p>Each possible number {@code m} (0..k) of those bags still to come is a "world". In world m,
 * arrivals 1..m are bags from before and arrival j &gt; m is the bag of read j - m. A world dies
 * when it would need a read that has not happened (every bag that passes the scanner is read or
 * reported as a no-read) or when the bag it expects next is overdue. An arrival gets a read only
 * when every living world gives it that read; otherwise it is unknown (exception). When one world is left the station is in step again:
 * the reads that world used for unknown arrivals are lost bags, the rest go back to the FIFO.
 *
 * <p>The usual case, one stuck bag, resolves at the first arrival with fewer than two bags
 * between scanner and eye, or when the bag a wrong world waits for is overdue: a hand-cleared jam
 * costs a bag or two sent to exception, never a shift of identities along the queue. Pure logic; the control thread owns it.
 */
final class StationResync {
    /** What the bag at the eye is. {@code read} is null for a bag that cannot be named. */
    record Arrival(PendingRead read) {}

    /** In step again: reads given up (reported lost) and reads still waiting for their bags, in order. */
    record Resolved(List<PendingRead> lost, List<PendingRead> pending) {}

    private final BitSet alive = new BitSet();
    private final List<PendingRead> reads = new ArrayList<>();
    private final BitSet bound = new BitSet();   // read index (0-based) given to an arrival by every world
    private int arrivals;

    StationResync(int k, List<PendingRead> readsSoFar) {
        alive.set(0, k + 1);
        reads.addAll(readsSoFar);
    }

    void read(PendingRead r) {
        reads.add(r);
    }

    int readCount() {
        return reads.size();
    }

    /** Reads no arrival has been given yet, in order. */
    List<PendingRead> unbound() {
        List<PendingRead> out = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) if (!bound.get(i)) out.add(reads.get(i));
        return out;
    }

    boolean hasUnboundReads() {
        return bound.cardinality() < reads.size();
    }

    /** A bag reached the eye. */
    Arrival arrive() {
        arrivals++;
        for (int m = alive.nextSetBit(0); m >= 0; m = alive.nextSetBit(m + 1)) {
            if (arrivals > m && arrivals - m > reads.size()) alive.clear(m);
        }
        int agreed = Integer.MIN_VALUE;   // -1: a bag from before; i >= 0: read index i
        for (int m = alive.nextSetBit(0); m >= 0; m = alive.nextSetBit(m + 1)) {
            int label = arrivals <= m ? -1 : arrivals - m - 1;
            if (agreed == Integer.MIN_VALUE) agreed = label;
            else if (agreed != label) return new Arrival(null);
        }
        if (agreed >= 0) {
            bound.set(agreed);
            return new Arrival(reads.get(agreed));
        }
        return new Arrival(null);
    }

    /**
     * Kills the worlds whose next bag is overdue: a bag from before when the zone has run for
     * {@code limitNanos} since the last arrival, or the bag of a read older than that (motor-on
     * time, the clock reads age by). A bag that late would have made an arrival jam.
     */
    void expire(long movingNow, long quietNanos, long limitNanos) {
        for (int m = alive.nextSetBit(0); m >= 0; m = alive.nextSetBit(m + 1)) {
            boolean overdue;
            if (arrivals < m) overdue = quietNanos > limitNanos;
            else if (arrivals - m < reads.size()) overdue = movingNow - reads.get(arrivals - m).movingNanos() > limitNanos;
            else overdue = false;
            if (overdue && alive.cardinality() > 1) alive.clear(m);
        }
    }

    /** Every world died: a bag passed the scanner unreported. Nothing can be trusted. */
    boolean broken() {
        return alive.isEmpty();
    }

    /** One world left, and in it every bag from before has arrived. */
    boolean resolved() {
        return alive.cardinality() == 1 && alive.nextSetBit(0) <= arrivals;
    }

    /** Only when {@link #resolved()} or {@link #broken()}; a broken resync gives up every unbound read. */
    Resolved finish() {
        int used = broken() ? reads.size() : Math.max(0, arrivals - alive.nextSetBit(0));
        List<PendingRead> lost = new ArrayList<>();
        List<PendingRead> pending = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            if (i < used) {
                if (!bound.get(i)) lost.add(reads.get(i));
            } else {
                pending.add(reads.get(i));
            }
        }
        return new Resolved(lost, pending);
    }

    /** At most this many bags from before can still arrive (for a resync begun on top of this one). */
    int stillToCome() {
        int max = alive.isEmpty() ? 0 : alive.length() - 1;
        return Math.max(0, max - arrivals);
    }
}
