package org.conveyord.bench.control;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.clock.ThreadControlClock;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.conveyor.LineController;
import org.conveyord.conveyor.LineDevice;
import org.conveyord.conveyor.LinePeripherals;
import org.conveyord.device.Command;
import org.conveyord.device.EventRelay;
import org.conveyord.mqtt.MqttGateway;
import org.conveyord.node.BuildInfo;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control path under load: {@code java -jar bench/target/bench.jar control [--layout default|big]
 * [--zones N] [--stations N] [--lanes N] [--speed M/S] [--rate BAGS/S | --bags-per-s BAGS/S]
 * [--seconds S | --minutes M] [--warmup-s S] [--drain-s S] [--estops N] [--mqtt-url tcp://…] [--no-state]}.
 * <p>
 * A generator plays the photo-eyes of the line (each bag inducted at its station's zone, crossing
 * every zone eye downstream, then the sorter's entry eye, then its lane eye) into the real
 * {@link LineController}, which runs with its production clock and publishes its events through a
 * real {@link MqttGateway} (embedded Moquette unless --mqtt-url). Measured: (1) eye edge → zone
 * motor output (the accumulation reaction), with the time and the likely cause of the 10 worst
 * samples ({@link PauseLog}); (2) how late each diverter output comes against the time the
 * controller planned for it from the entry-eye edge; (3) bytes allocated on the control thread per
 * bag, GC, RSS, CPU; (4) after the load, e-stop edge → the last motion output off over
 * {@code --estops} presses. Edge timing is a load, not a physics model. The last line printed is
 * {@code RESULT {json}} (see {@link #run}) for bench/run-all.sh.
 */
public final class ControlPathBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ControlPathBench() {}

    public static void main(String[] args) throws Exception {
        ObjectNode result = run(args);
        System.out.println("RESULT " + JSON.writeValueAsString(result));
        System.exit(0);
    }

    /**
     * Runs the benchmark and returns its figures: {@code p50Us, p99Us, p999Us, maxUs, samples,
     * worst10 [{atS, us, cause}], divert {…}, estop {…}, allocBytesPerBag, gcCount, gcMs,
     * gcMaxPauseMs, rssMiB, rssPeakMiB, heapUsedMiB, heapMaxMiB, cpuPct, controlCpuPct, loadBefore,
     * loadAfter} plus the layout. Times in µs (atS: seconds into the measurement); CPU in percent of
     * one core over the measured window (the whole process: line, gateway, broker, generator).
     */
    public static ObjectNode run(String[] args) throws Exception {
        BenchLayout layout = layout(args);
        int seconds = strArg(args, "--minutes", null) != null ? (int) Math.round(Double.parseDouble(strArg(args, "--minutes", null)) * 60)
                : intArg(args, "--seconds", 60);
        long stepNanos = layout.stepNanos();
        int warmup = intArg(args, "--warmup-s", (int) Math.max(10, Math.ceil(layout.zones() * stepNanos / 1e9) + 5));
        int estops = intArg(args, "--estops", 20);
        // after the last bag is fed: time for it to cross the line (its diverter and lane samples)
        int drain = intArg(args, "--drain-s", (int) Math.ceil(layout.zones() * stepNanos / 1e9) + 2);
        String mqttUrl = strArg(args, "--mqtt-url", null);
        // --no-state: leave out the retained state snapshots to see their share
        boolean noState = Arrays.asList(args).contains("--no-state");
        // the embedded broker logs every packet at INFO: its lines are the benchmark's, not the daemon's
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.moquette")).setLevel(Level.WARN);
        String loadBefore = loadAverage();

        EmbeddedBroker broker = mqttUrl == null ? EmbeddedBroker.start("127.0.0.1", 0) : null;
        String url = broker != null ? broker.url() : mqttUrl;
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>();
        devices.put("line-1", layout.lineConfig());
        Path dataDir = Files.createTempDirectory("conveyord-bench");
        ConveyordConfig cfg = new ConveyordConfig("bench", "edge-1", MqttConfig.defaults().withUrl(url),
                dataDir.toString(), new GpioConfig("mock", null, null), devices, null);

        long totalBags = Math.round((seconds + warmup) * layout.bagsPerS());
        long warmBags = Math.round(warmup * layout.bagsPerS());
        ControlProbe probe = new ControlProbe(layout, (int) Math.min(Integer.MAX_VALUE - 8, totalBags * layout.zones() + 1000),
                (int) totalBags + 1000);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        MqttGateway gateway = new MqttGateway(cfg, "bench", BuildInfo.load(), scheduler, Clock.systemUTC());
        BenchGpio gpio = new BenchGpio(probe);
        Map<String, LinePeripherals.ScanHandler> scanners = new ConcurrentHashMap<>();
        LinePeripherals peripherals = new LinePeripherals() {
            @Override public void onScan(String id, ScanHandler h) { scanners.put(id, h); }

            @Override
            public CompletionStage<Reading> weigh(String s) {
                return CompletableFuture.failedFuture(new IllegalStateException("no scale"));
            }

            @Override public void printBagLabel(String p, String o, String b, String l, String c) { }
        };
        // wired as the Daemon wires it: events leave the control thread through a relay
        EventRelay relay = new EventRelay(gateway.events(), "line-1-events", 65536);
        LineController controller = new LineController("line-1", layout.lineConfig(), gpio, peripherals, relay,
                noState ? id -> { } : gateway.stateListener(), new ThreadControlClock("line-1-control"), null);
        LineDevice device = new LineDevice(controller);
        gateway.register(device);
        device.start();
        gateway.start();
        long waitUntil = System.nanoTime() + 10_000_000_000L;
        while (!gateway.isConnected() && System.nanoTime() < waitUntil) Thread.sleep(20);
        if (!gateway.isConnected()) throw new IllegalStateException("broker " + url + " not reachable");
        send(device, "start", "{\"id\":\"s-1\"}");
        Thread.sleep(300);
        PauseLog pauses = new PauseLog("line-1-control");

        ScheduledExecutorService gen = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "eye-generator"));
        ScheduledExecutorService lanesGen = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "lane-generator"));
        probe.onDivert = (lane, nanos) -> {
            lanesGen.schedule(() -> gpio.edge(BenchLayout.laneEye(lane), true, System.nanoTime()), 250, TimeUnit.MILLISECONDS);
            lanesGen.schedule(() -> gpio.edge(BenchLayout.laneEye(lane), false, System.nanoTime()), 300, TimeUnit.MILLISECONDS);
            lanesGen.schedule(() -> send(device, "collect", "{\"id\":\"c-" + nanos + "\",\"lane\":\"lane-" + lane + "\"}"),
                    350, TimeUnit.MILLISECONDS);
        };

        long controlThread = findThread("line-1-control");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long periodNanos = (long) (1e9 / layout.bagsPerS());
        long start = System.nanoTime() + 600_000_000L;
        long measureFrom = start + warmBags * periodNanos;
        long[] atWarm = new long[6];   // alloc, gc count, gc ms, process cpu, control cpu, nanoTime
        gen.schedule(() -> {
            atWarm[0] = threads.getThreadAllocatedBytes(controlThread);
            atWarm[1] = gcCount();
            atWarm[2] = gcMillis();
            atWarm[3] = os.getProcessCpuTime();
            atWarm[4] = threads.getThreadCpuTime(controlThread);
            atWarm[5] = System.nanoTime();
        }, delay(measureFrom), TimeUnit.NANOSECONDS);
        // bags are fed one at a time, half a second ahead: a 10-minute run keeps only the bags in flight queued
        AtomicLong next = new AtomicLong();
        gen.scheduleAtFixedRate(() -> {
            long i = next.getAndIncrement();
            if (i < totalBags) feed(layout, i, start + i * periodNanos, i >= warmBags, gen, gpio, probe, device, scanners);
        }, delay(start - 500_000_000L), periodNanos, TimeUnit.NANOSECONDS);

        long lastFed = start + totalBags * periodNanos;
        long end = lastFed + drain * 1_000_000_000L;
        while (System.nanoTime() < end) Thread.sleep(200);
        probe.stopMotorSamples();
        long measuredNanos = System.nanoTime() - atWarm[5];
        long alloc = threads.getThreadAllocatedBytes(controlThread) - atWarm[0];
        long gcs = gcCount() - atWarm[1];
        long gcMs = gcMillis() - atWarm[2];
        double cpuPct = 100.0 * (os.getProcessCpuTime() - atWarm[3]) / measuredNanos;
        double controlCpuPct = 100.0 * (threads.getThreadCpuTime(controlThread) - atWarm[4]) / measuredNanos;
        long[] gcPauses = pauses.summary("gc", measureFrom, end);
        long[] stalls = pauses.summary("stall", measureFrom, end);
        long[] cpuWaits = pauses.summary("cpu-wait", measureFrom, end);
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long[] rss = rssKiB();
        String loadAfter = loadAverage();
        long[] estopOff = pressEstops(gpio, probe, device, estops);

        long measuredBags = totalBags - warmBags;
        long[] motor = probe.motor.sorted();
        ObjectNode r = JSON.createObjectNode();
        r.put("bench", "control");
        r.put("layout", layout.name());
        r.put("zones", layout.zones());
        r.put("stations", layout.stations());
        r.put("lanes", layout.lanes());
        r.put("speedMps", layout.speedMps());
        r.put("bagsPerS", layout.bagsPerS());
        r.put("seconds", seconds);
        r.put("warmupS", warmup);
        r.put("stateSnapshots", !noState);
        r.put("jvm", System.getProperty("java.version"));
        r.put("jvmFlags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        r.put("gc", gcNames());
        r.put("samples", motor.length);
        putPercentiles(r, motor);
        ArrayNode worst = r.putArray("worst10");
        for (LatencySamples.Sample s : probe.motor.worst(10)) {
            ObjectNode w = worst.addObject();
            w.put("atS", round((s.atNanos() - measureFrom) / 1e9, 3));
            w.put("us", round(s.latencyNanos() / 1e3, 0));
            w.put("cause", pauses.causeOf(s.atNanos(), s.latencyNanos()));
        }
        ObjectNode divert = r.putObject("divert");
        divert.put("samples", probe.divert.size());
        putPercentiles(divert, probe.divert.sorted());
        Arrays.sort(estopOff);
        ObjectNode estop = r.putObject("estop");
        estop.put("samples", estopOff.length);
        putPercentiles(estop, estopOff);
        r.put("allocBytesPerBag", Math.round(alloc / (double) measuredBags));
        r.put("gcCount", gcs);
        r.put("gcMs", gcMs);
        r.put("gcMaxPauseMs", round(gcPauses[1] / 1e6, 2));
        r.put("stalls", stalls[0]);
        r.put("stallMaxMs", round(stalls[1] / 1e6, 2));
        r.put("controlCpuWaits", cpuWaits[0]);
        r.put("controlCpuWaitMaxMs", round(cpuWaits[1] / 1e6, 2));
        r.put("rssMiB", round(rss[0] / 1024.0, 1));
        r.put("rssPeakMiB", round(rss[1] / 1024.0, 1));
        r.put("heapUsedMiB", round(heap.getUsed() / 1048576.0, 1));
        r.put("heapMaxMiB", round(heap.getMax() / 1048576.0, 1));
        r.put("cpuPct", round(cpuPct, 1));
        r.put("controlCpuPct", round(controlCpuPct, 1));
        r.put("loadBefore", loadBefore);
        r.put("loadAfter", loadAfter);
        r.put("at", Instant.now().toString());
        printHuman(r);

        gen.shutdownNow();
        lanesGen.shutdownNow();
        device.stop();
        relay.close();
        gateway.stop();
        scheduler.shutdownNow();
        pauses.close();
        if (broker != null) broker.stop();
        return r;
    }

    /** Schedules every edge of bag {@code i}, which is at zone 0's eye at {@code t} (as if it had come from there). */
    private static void feed(BenchLayout layout, long i, long t, boolean measured, ScheduledExecutorService gen,
                             BenchGpio gpio, ControlProbe probe, LineDevice device, Map<String, LinePeripherals.ScanHandler> scanners) {
        long step = layout.stepNanos();
        long block = layout.blockNanos();
        int station = (int) (i % layout.stations());
        int from = layout.stationZone(station);
        int lane = (int) (i % layout.lanes()) + 1;
        String bag = "B-" + i;
        long atStation = t + from * step;
        gen.schedule(() -> send(device, "order", "{\"id\":\"o-" + i + "\",\"order\":\"O-" + i + "\",\"bags\":[\""
                + bag + "\"],\"dest\":\"lane-" + lane + "\"}"), delay(atStation - 400_000_000L), TimeUnit.NANOSECONDS);
        LinePeripherals.ScanHandler scanner = scanners.get(BenchLayout.scanner(station));
        gen.schedule(() -> scanner.scanned(bag, System.nanoTime()), delay(atStation - 50_000_000L), TimeUnit.NANOSECONDS);
        for (int k = from; k < layout.zones(); k++) {
            final int z = k;
            long rise = t + k * step;
            gen.schedule(() -> {
                long now = System.nanoTime();
                probe.rise(z, now, measured);
                gpio.edge(2000 + z, true, now);
            }, delay(rise), TimeUnit.NANOSECONDS);
            gen.schedule(() -> gpio.edge(2000 + z, false, System.nanoTime()), delay(rise + block), TimeUnit.NANOSECONDS);
        }
        long entry = t + layout.zones() * step;
        gen.schedule(() -> gpio.edge(3001, true, System.nanoTime()), delay(entry), TimeUnit.NANOSECONDS);
        gen.schedule(() -> {
            long now = System.nanoTime();
            probe.planDivert(lane, now, block, measured);
            gpio.edge(3001, false, now);
        }, delay(entry + block), TimeUnit.NANOSECONDS);
    }

    private static BenchLayout layout(String[] args) {
        String name = strArg(args, "--layout", "default");
        BenchLayout base = switch (name) {
            case "default" -> BenchLayout.standard();
            case "big" -> BenchLayout.big();
            default -> throw new IllegalArgumentException("--layout: expected default or big, not '" + name + "'");
        };
        String rate = strArg(args, "--rate", strArg(args, "--bags-per-s", null));
        return base.with(intArg(args, "--zones", base.zones()), intArg(args, "--stations", base.stations()),
                intArg(args, "--lanes", base.lanes()),
                Double.parseDouble(strArg(args, "--speed", String.valueOf(base.speedMps()))),
                rate == null ? base.bagsPerS() : Double.parseDouble(rate));
    }

    /**
     * Presses the e-stop of the running line {@code n} times (release, reset and start in between)
     * and returns, per press, the time from just before the edge is delivered to the last motion
     * output switched off; presses that found no motion output on are left out.
     */
    private static long[] pressEstops(BenchGpio gpio, ControlProbe probe, LineDevice device, int n) throws InterruptedException {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            send(device, "start", "{\"id\":\"es-start-" + i + "\"}");
            Thread.sleep(300);   // the layout's start warning is 0 s: the motors are on by now
            probe.motionOff.set(0);
            long edge = System.nanoTime();
            gpio.edge(BenchLayout.ESTOP_PIN, true, edge);
            long off = probe.motionOff.get();
            if (off != 0) samples.add(off - edge);
            Thread.sleep(50);
            gpio.edge(BenchLayout.ESTOP_PIN, false, System.nanoTime());
            Thread.sleep(50);
            send(device, "reset", "{\"id\":\"es-reset-" + i + "\"}");
            Thread.sleep(50);
        }
        return samples.stream().mapToLong(Long::longValue).toArray();
    }

    private static void send(LineDevice device, String action, String payload) {
        try {
            ObjectNode p = (ObjectNode) JSON.readTree(payload);
            device.handle(new Command(p.path("id").asText(), "line-1", action, p, Optional.of("bench"), Optional.empty(), 5000));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long delay(long at) { return Math.max(0, at - System.nanoTime()); }

    private static void putPercentiles(ObjectNode n, long[] sorted) {
        n.put("p50Us", round(LatencySamples.percentile(sorted, 50) / 1e3, 0));
        n.put("p99Us", round(LatencySamples.percentile(sorted, 99) / 1e3, 0));
        n.put("p999Us", round(LatencySamples.percentile(sorted, 99.9) / 1e3, 0));
        n.put("maxUs", round(sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e3, 0));
    }

    private static double round(double v, int places) {
        if (Double.isNaN(v)) return -1;
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static void printHuman(ObjectNode r) {
        System.out.printf("control path: layout %s, %d zones, %d stations, %d lanes, %.1f m/s, %.1f bags/s, %d s measured after %d s warm-up,"
                        + " JVM %s, GC %s, flags [%s]%s%n", r.get("layout").asText(), r.get("zones").asInt(), r.get("stations").asInt(),
                r.get("lanes").asInt(), r.get("speedMps").asDouble(), r.get("bagsPerS").asDouble(), r.get("seconds").asInt(),
                r.get("warmupS").asInt(), r.get("jvm").asText(), r.get("gc").asText(), r.get("jvmFlags").asText(),
                r.get("stateSnapshots").asBoolean() ? "" : ", state snapshots off");
        System.out.printf("load average before: %s, after: %s%n", r.get("loadBefore").asText(), r.get("loadAfter").asText());
        printLatency("eye edge -> zone motor output", r);
        printLatency("diverter output vs planned time", (ObjectNode) r.get("divert"));
        printLatency("e-stop edge -> last motion output off", (ObjectNode) r.get("estop"));
        System.out.println("worst 10 eye edge -> zone motor samples (seconds into the measurement, latency, likely cause):");
        r.get("worst10").forEach(w -> System.out.printf("  %9.3f s %8.0f us  %s%n", w.get("atS").asDouble(), w.get("us").asDouble(),
                w.get("cause").asText()));
        System.out.printf("control thread allocation: %d bytes per bag%n", r.get("allocBytesPerBag").asLong());
        System.out.printf("GC during measurement: %d collections, %d ms in total, longest pause %.2f ms; control thread waiting > 0.25 ms"
                        + " for a CPU: %d times, longest %.2f ms; bystander stalls > 0.5 ms: %d, longest %.2f ms%n",
                r.get("gcCount").asLong(), r.get("gcMs").asLong(), r.get("gcMaxPauseMs").asDouble(), r.get("controlCpuWaits").asLong(),
                r.get("controlCpuWaitMaxMs").asDouble(), r.get("stalls").asLong(), r.get("stallMaxMs").asDouble());
        System.out.printf("memory: RSS %.1f MiB (peak %.1f), heap used %.1f of %.1f MiB; CPU %.1f %% of a core (control thread %.1f %%)%n",
                r.get("rssMiB").asDouble(), r.get("rssPeakMiB").asDouble(), r.get("heapUsedMiB").asDouble(),
                r.get("heapMaxMiB").asDouble(), r.get("cpuPct").asDouble(), r.get("controlCpuPct").asDouble());
    }

    private static void printLatency(String what, ObjectNode n) {
        System.out.printf("%s (%d samples): p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us%n", what, n.get("samples").asInt(),
                n.get("p50Us").asDouble(), n.get("p99Us").asDouble(), n.get("p999Us").asDouble(), n.get("maxUs").asDouble());
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** VmRSS and VmHWM in KiB, -1 where /proc is not there. */
    private static long[] rssKiB() {
        long[] r = {-1, -1};
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) r[0] = Long.parseLong(line.replaceAll("\\D", ""));
                if (line.startsWith("VmHWM:")) r[1] = Long.parseLong(line.replaceAll("\\D", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return r;
        }
        return r;
    }

    private static long findThread(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().equals(name)) return t.threadId();
        throw new IllegalStateException("no thread " + name);
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static String gcNames() {
        return String.join("+", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
    }

    private static int intArg(String[] a, String name, int def) {
        String v = strArg(a, name, null);
        try {
            return v == null ? def : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected a whole number, not '" + v + "'");
        }
    }

    private static String strArg(String[] a, String name, String def) {
        for (int i = 0; i + 1 < a.length; i++) if (a[i].equals(name)) return a[i + 1];
        return def;
    }
}
