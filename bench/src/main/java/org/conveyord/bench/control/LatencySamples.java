package org.conveyord.bench.control;

import java.util.Arrays;

/**
 * Latency samples with the time each was taken, in preallocated arrays: adding one allocates
 * nothing (it is called on the control thread, whose allocation the benchmark reports). Samples
 * past the capacity are counted, not kept.
 */
final class LatencySamples {
    private final long[] at;
    private final long[] nanos;
    private int size;
    private long overflow;

    LatencySamples(int capacity) {
        at = new long[capacity];
        nanos = new long[capacity];
    }

    synchronized void add(long atNanos, long latencyNanos) {
        if (size == at.length) {
            overflow++;
            return;
        }
        at[size] = atNanos;
        nanos[size++] = latencyNanos;
    }

    synchronized int size() { return size; }

    synchronized long overflow() { return overflow; }

    /** The latencies, sorted. */
    synchronized long[] sorted() {
        long[] s = Arrays.copyOf(nanos, size);
        Arrays.sort(s);
        return s;
    }

    /** One sample: when it was taken (System.nanoTime) and its latency. */
    record Sample(long atNanos, long latencyNanos) {}

    /** The {@code n} largest, largest first. */
    synchronized Sample[] worst(int n) {
        Integer[] idx = new Integer[size];
        for (int i = 0; i < size; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Long.compare(nanos[b], nanos[a]));
        Sample[] w = new Sample[Math.min(n, size)];
        for (int i = 0; i < w.length; i++) w[i] = new Sample(at[idx[i]], nanos[idx[i]]);
        return w;
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
