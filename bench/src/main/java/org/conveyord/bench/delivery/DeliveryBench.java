package org.conveyord.bench.delivery;

import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.device.EventSink;
import org.conveyord.mqtt.DurableOutbox;
import org.conveyord.mqtt.MqttGateway;
import org.conveyord.node.BuildInfo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The event path under load, end to end: {@link MqttGateway} with its {@link DurableOutbox} on this
 * machine's disk, a real Mosquitto (started here on loopback, or {@code MQTT_BENCH_URL}), and a
 * consumer with a persistent session that counts every seq. Phases:
 * <ol>
 *   <li>warm-up: {@code --warmup-s} of the throughput load, not counted (JIT compilation);</li>
 *   <li>sustained throughput: events emitted as fast as the path takes them (at most 20,000 ahead of
 *       the consumer), QoS 1, outbox on; every seq must arrive;</li>
 *   <li>latency: events at a fixed rate, emit to consumer receipt (same JVM, System.nanoTime());</li>
 *   <li>replay: the broker stopped for {@code --outage-s} while events keep coming, then started;
 *       how fast the backlog drains once the gateway has reconnected;</li>
 *   <li>outbox cost per event: bytes on disk and microseconds per append, for each fsync policy.</li>
 * </ol>
 * Usage: {@code bench.jar delivery [--warmup-s 5] [--throughput-s 10] [--latency-rate 2000] [--latency-s 10]
 * [--outage-s 60] [--outage-rate 1000] [--fsync batched|every-write]}. Prints its figures; asserts nothing
 * except that no seq is missing (exit 1 otherwise).
 */
public final class DeliveryBench {

    private static final String BASE = "conveyord/bench/edge-1";

    private DeliveryBench() {}

    /** {@code java -cp bench/target/bench.jar org.conveyord.bench.delivery.DeliveryBench [options]} (bench/run-delivery.sh). */
    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    public static int run(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --option value, got " + args[i]);
            opt.put(args[i].substring(2), args[i + 1]);
        }
        int warmupS = Integer.parseInt(opt.getOrDefault("warmup-s", "5"));
        int throughputS = Integer.parseInt(opt.getOrDefault("throughput-s", "10"));
        int latencyRate = Integer.parseInt(opt.getOrDefault("latency-rate", "2000"));
        int latencyS = Integer.parseInt(opt.getOrDefault("latency-s", "10"));
        int outageS = Integer.parseInt(opt.getOrDefault("outage-s", "60"));
        int outageRate = Integer.parseInt(opt.getOrDefault("outage-rate", "1000"));
        String fsync = opt.getOrDefault("fsync", "batched");

        System.out.printf("delivery benchmark: %d cores, Java %s, fsync %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version(), fsync);
        outboxCost();

        String envUrl = System.getenv("MQTT_BENCH_URL");
        LocalMosquitto broker = envUrl == null ? new LocalMosquitto() : null;
        if (broker != null) broker.start();
        String url = envUrl != null ? envUrl : broker.url();
        Path state = Files.createTempDirectory("bench-state");
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        var mqtt = new MqttConfig(url, "conveyord", 10, null, null, 30, new MqttConfig.OutboxConfig(512, fsync, 100), null);
        var cfg = new ConveyordConfig("bench", "edge-1", mqtt, state.toString(), null, new LinkedHashMap<>(), null);
        MqttGateway gw = new MqttGateway(cfg, "bench", new BuildInfo("bench", "-"), scheduler, Clock.systemUTC());
        int exit = 0;
        try (SeqCounter consumer = new SeqCounter(url, BASE)) {
            gw.start();
            waitFor(gw::isConnected, 10, "the gateway to connect to " + url);
            EventSink events = gw.events();

            // 0. warm-up: the same load, not counted, so the JIT's compiling is not charged to the figures
            long w0 = events.emit("bench", "warm-up", Map.of());
            long w1 = blast(events, consumer, w0, warmupS);
            waitFor(() -> consumer.hasAll(w0, w1), 120, "every seq of the warm-up");

            // 1. sustained throughput
            long first = events.emit("bench", "start", Map.of());
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long brokerCpu0 = broker == null ? -1 : broker.cpuNanos();
            long consumerCpu0 = consumer.cpuNanos();
            long readerCpu0 = consumer.readerCpuNanos();
            double load0 = os.getSystemLoadAverage();
            long t0 = System.nanoTime();
            long lastSeq = blast(events, consumer, first, throughputS);
            long n = lastSeq - first;
            waitFor(() -> consumer.hasAll(first, lastSeq), 120, "every seq of the throughput phase");
            double secs = (System.nanoTime() - t0) / 1e9;
            double readerUs = (consumer.readerCpuNanos() - readerCpu0) / 1e3 / n;
            double cpuUs = (os.getProcessCpuTime() - cpu0) / 1e3 / n - readerUs;
            double brokerUs = broker == null || brokerCpu0 < 0 ? Double.NaN : (broker.cpuNanos() - brokerCpu0) / 1e3 / n;
            double consumerUs = consumerCpu0 < 0 ? Double.NaN : (consumer.cpuNanos() - consumerCpu0) / 1e3 / n;
            System.out.printf("sustained: %,d events in %.1f s = %,.0f events/s delivered (QoS 1, outbox on), missing %d;"
                    + " CPU per event: daemon side %.1f us (this JVM: gateway + outbox + MQTT client + the emitting loop,"
                    + " without the %.1f us of the thread reading mosquitto_sub), mosquitto %.1f us, mosquitto_sub %.1f us;"
                    + " load average %.2f before, %.2f after%n",
                    n, secs, n / secs, consumer.missing(first, lastSeq), cpuUs, readerUs, brokerUs, consumerUs, load0,
                    os.getSystemLoadAverage());

            // 2. latency at a fixed rate
            consumer.recordLatency(true);
            long period = 1_000_000_000L / latencyRate;
            long next = System.nanoTime();
            long firstL = -1;
            long lastL = -1;
            for (long i = 0; i < (long) latencyRate * latencyS; i++) {
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                lastL = events.emit("line-1", "bag-diverted", fields(i, System.nanoTime()));
                if (firstL < 0) firstL = lastL;
            }
            long fl = firstL;
            long ll = lastL;
            waitFor(() -> consumer.hasAll(fl, ll), 60, "every seq of the latency phase");
            System.out.printf("latency at %,d events/s: p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us%n", latencyRate,
                    consumer.latencyUs(50), consumer.latencyUs(99), consumer.latencyUs(99.9), consumer.latencyUs(100));
            consumer.recordLatency(false);

            // 3. replay after an outage
            if (broker == null) {
                System.out.println("replay: skipped (MQTT_BENCH_URL given: the benchmark cannot stop that broker)");
            } else {
                broker.stop();
                waitFor(() -> !gw.isConnected(), 30, "the gateway to notice the outage");
                long firstO = -1;
                long lastO = -1;
                period = 1_000_000_000L / outageRate;
                next = System.nanoTime();
                for (long i = 0; i < (long) outageRate * outageS; i++) {
                    next += period;
                    long wait = next - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                    lastO = events.emit("line-1", "bag-diverted", fields(i, 0));
                    if (firstO < 0) firstO = lastO;
                }
                long backlog = lastO - firstO + 1;
                broker.start();
                long started = System.nanoTime();
                waitFor(gw::isConnected, 60, "the gateway to reconnect");
                long reconnected = System.nanoTime();
                long fo = firstO;
                long lo = lastO;
                waitFor(() -> consumer.hasAll(fo, lo), 300, "every seq of the outage backlog");
                double replayS = (System.nanoTime() - reconnected) / 1e9;
                System.out.printf("replay: %d s outage at %,d events/s = %,d events backlog; gateway back %.1f s after the broker;"
                                + " backlog delivered in %.1f s = %,.0f events/s (window %d in flight), missing %d%n",
                        outageS, outageRate, backlog, (reconnected - started) / 1e9, replayS, backlog / replayS,
                        windowSize(), consumer.missing(fo, lo));
            }
            if (consumer.missing(first, lastSeq) > 0) exit = 1;
        } finally {
            gw.stop();
            scheduler.shutdownNow();
            if (broker != null) broker.stop();
        }
        return exit;
    }

    /** Events as fast as the path takes them, at most 20,000 ahead of the consumer; returns the last seq. */
    private static long blast(EventSink events, SeqCounter consumer, long first, int seconds) {
        long d0 = consumer.deliveries();
        long last = first;
        long n = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (last - first - (consumer.deliveries() - d0) > 20_000) {
                LockSupport.parkNanos(100_000); // not a spin: this machine has two cores
                continue;
            }
            last = events.emit("line-1", "bag-diverted", fields(++n, 0));
        }
        return last;
    }

    private static int windowSize() { return MqttGateway.window(); }

    private static Map<String, Object> fields(long n, long t) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", "B-" + (100000 + n % 900000));
        f.put("dest", "lane-" + (1 + n % 8));
        f.put("order", "O-" + (n / 3));
        if (t > 0) f.put("t", t);
        return f;
    }

    /** Bytes and microseconds per append of a typical event (~200 bytes), for each fsync policy. */
    private static void outboxCost() throws Exception {
        byte[] payload = ("{\"id\":\"edge-1-1b2c3d4e-123456\",\"seq\":123456,\"ts\":\"2026-11-25T10:15:30.123Z\",\"device\":\"line-1\","
                + "\"type\":\"bag-diverted\",\"bag\":\"B-123456\",\"dest\":\"lane-3\",\"order\":\"O-41152\"}").getBytes(StandardCharsets.UTF_8);
        String topic = BASE + "/event/line-1/bag-diverted";
        for (DurableOutbox.Fsync policy : DurableOutbox.Fsync.values()) {
            int n = policy == DurableOutbox.Fsync.EVERY_WRITE ? 2_000 : 200_000;
            Path dir = Files.createTempDirectory("bench-outbox");
            try (DurableOutbox o = DurableOutbox.open(dir, DurableOutbox.Settings.of(512L << 20, policy, 100), e -> {})) {
                for (int i = 0; i < Math.min(n, 5_000); i++) o.append(topic, payload, null); // warm-up
                long before = o.bytesOnDisk();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) o.append(topic, payload, null);
                double us = (System.nanoTime() - t0) / 1e3 / n;
                System.out.printf("outbox append, fsync %-11s: %6.2f us/event, %d bytes/event on disk (payload %d, topic %d)%n",
                        policy.configName(), us, (o.bytesOnDisk() - before) / n, payload.length, topic.length());
            }
        }
    }

    private static void waitFor(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("gave up waiting for " + what + " after " + seconds + " s");
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }
}
