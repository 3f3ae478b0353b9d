package org.conveyord.bench.delivery;

import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;

/**
 * The consumer the benchmark counts with: {@code mosquitto_sub} with a persistent session (clean
 * session off, QoS 1) on {@code <base>/event/#}; it reconnects by itself while the broker is away.
 * A C client, so the consumer is not what limits the figures (Paho's receive path costs more than
 * the whole daemon side per message). Records which seqs arrived, and for events carrying
 * {@code "t"} (the emitter's System.nanoTime()) the latency at the moment the line is read.
 * Threading: one reader thread writes, the benchmark thread reads under the same lock.
 */
final class SeqCounter implements AutoCloseable {

    private final Process sub;
    private final Thread reader;
    private final BitSet seen = new BitSet();
    private long deliveries;
    private long[] latencies = new long[1 << 16];
    private int latencyCount;
    private boolean recordLatency;

    SeqCounter(String url, String base) throws IOException, InterruptedException {
        java.net.URI u = java.net.URI.create(url);
        sub = new ProcessBuilder("mosquitto_sub", "-h", u.getHost(), "-p", Integer.toString(u.getPort()), "-i", "bench-consumer",
                "-c", "-q", "1", "-t", base + "/event/#").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        reader = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(sub.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8), 1 << 16)) {
                for (String line; (line = in.readLine()) != null; ) onEvent(line, System.nanoTime());
            } catch (IOException e) {
                // mosquitto_sub ended
            }
        }, "bench-consumer");
        reader.setDaemon(true);
        reader.start();
        // its subscription must exist before the first event: give it a moment to connect
        TimeUnit.MILLISECONDS.sleep(500);
    }

    private static long field(String line, String name) {
        int i = line.indexOf("\"" + name + "\":");
        if (i < 0) return -1;
        i += name.length() + 3;
        long v = 0;
        for (; i < line.length() && Character.isDigit(line.charAt(i)); i++) v = v * 10 + (line.charAt(i) - '0');
        return v;
    }

    private void onEvent(String line, long now) {
        long seq = field(line, "seq");
        long t = field(line, "t");
        synchronized (this) {
            deliveries++;
            if (seq >= 0) seen.set((int) seq);
            if (recordLatency && t > 0) {
                if (latencyCount == latencies.length) latencies = Arrays.copyOf(latencies, latencies.length * 2);
                latencies[latencyCount++] = now - t;
            }
        }
    }

    synchronized void recordLatency(boolean on) {
        recordLatency = on;
        if (on) latencyCount = 0;
    }

    /** Whether every seq in [from, to] has arrived at least once. */
    synchronized boolean hasAll(long from, long to) {
        return seen.nextClearBit((int) from) > to;
    }

    synchronized long missing(long from, long to) {
        long n = 0;
        for (long s = from; s <= to; s++) if (!seen.get((int) s)) n++;
        return n;
    }

    synchronized long deliveries() { return deliveries; }

    /** CPU time of the thread here that reads mosquitto_sub's lines (bench overhead, not the daemon's), in nanoseconds. */
    long readerCpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(reader.threadId());
    }

    /** CPU time mosquitto_sub used so far (user + system), in nanoseconds; -1 when unknown. */
    long cpuNanos() { return sub.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L); }

    /** Latency percentile in microseconds over the events recorded since {@link #recordLatency}(true). */
    synchronized double latencyUs(double pct) {
        if (latencyCount == 0) return Double.NaN;
        long[] c = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(c);
        return c[(int) Math.min(c.length - 1, Math.floor(pct / 100.0 * c.length))] / 1000.0;
    }

    @Override
    public void close() throws InterruptedException {
        sub.destroy();
        sub.waitFor(5, TimeUnit.SECONDS);
    }
}
