package org.conveyord.bench.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.clock.ThreadControlClock;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.conveyor.LineController;
import org.conveyord.conveyor.LineDevice;
import org.conveyord.conveyor.LinePeripherals;
import org.conveyord.device.Command;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.mqtt.MqttGateway;
import org.conveyord.node.BuildInfo;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control path under load: {@code java -jar bench/target/bench.jar control [--seconds 60]
 * [--bags-per-s 10] [--zones 32] [--mqtt-url tcp://…] [--no-state]}.
 * <p>
 * A generator plays the photo-eyes of a {@code zones}-zone line (each bag crossing every zone eye,
 * then the sorter's entry eye, then its lane eye) into the real {@link LineController}, which runs
 * with its production clock and publishes its events through a real {@link MqttGateway} (embedded
 * Moquette unless --mqtt-url). Measured: (1) eye edge → zone motor output (the accumulation
 * reaction), (2) how late each diverter output comes against the time the controller planned for
 * it from the entry-eye edge (timer jitter), (3) bytes allocated on the control thread per bag, GC,
 * (4) after the load, e-stop edge → the last motion output off (the press acts on the GPIO thread,
 * not through the loop), over {@code --estops} presses of the running line.
 * Edge timing is synthetic (a fast belt) so that 10 bags/s fit; it is a load, not a physics model.
 */
public final class ControlPathBench {
    private static final double SPEED = 5.0;
    private static final double ZONE_M = 1.0;
    private static final double EYE_AT = 0.9;
    private static final double ENTRY_EYE_AT = 0.4;
    private static final int LANES = 12;
    private static final int ACTUATION_MS = 50;
    private static final long ZONE_STEP_NANOS = 200_000_000L;   // a bag reaches the next eye every 0.2 s
    private static final long BLOCK_NANOS = 60_000_000L;        // 0.3 m bag at 5 m/s

    private ControlPathBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 60);
        int warmup = intArg(args, "--warmup-s", 10);
        double bagsPerS = Double.parseDouble(strArg(args, "--bags-per-s", "10"));
        int zones = intArg(args, "--zones", 32);
        int estops = intArg(args, "--estops", 20);
        String mqttUrl = strArg(args, "--mqtt-url", null);
        // --no-state: leave out the retained state snapshots (built on the control thread) to see their share
        boolean noState = Arrays.asList(args).contains("--no-state");

        LineConfig line = layout(zones);
        EmbeddedBroker broker = mqttUrl == null ? EmbeddedBroker.start("127.0.0.1", 0) : null;
        String url = broker != null ? broker.url() : mqttUrl;
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>();
        devices.put("line-1", line);
        ConveyordConfig cfg = new ConveyordConfig("bench", "edge-1", MqttConfig.defaults().withUrl(url),
                Files.createTempDirectory("conveyord-bench").toString(), new GpioConfig("mock", null, null), devices, null);

        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        MqttGateway gateway = new MqttGateway(cfg, "bench", BuildInfo.load(), scheduler, Clock.systemUTC());
        Probe probe = new Probe(zones);
        BenchGpio gpio = new BenchGpio(probe);
        LinePeripherals.ScanHandler[] scanner = new LinePeripherals.ScanHandler[1];
        LinePeripherals peripherals = new LinePeripherals() {
            @Override public void onScan(String id, ScanHandler h) { scanner[0] = h; }

            @Override
            public java.util.concurrent.CompletionStage<Reading> weigh(String s) {
                return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("no scale"));
            }

            @Override public void printBagLabel(String p, String o, String b, String l, String c) { }
        };
        // wired as the Daemon wires it: events leave the control thread through a relay
        org.conveyord.device.EventRelay relay = new org.conveyord.device.EventRelay(gateway.events(), "line-1-events", 65536);
        LineController controller = new LineController("line-1", line, gpio, peripherals, relay,
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

        ScheduledExecutorService gen = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "eye-generator"));
        ScheduledExecutorService lanesGen = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "lane-generator"));
        probe.onDivert = (lane, nanos) -> {
            lanesGen.schedule(() -> gpio.edge(laneEye(lane), true, System.nanoTime()), 250, TimeUnit.MILLISECONDS);
            lanesGen.schedule(() -> gpio.edge(laneEye(lane), false, System.nanoTime()), 300, TimeUnit.MILLISECONDS);
            lanesGen.schedule(() -> send(device, "collect", "{\"id\":\"c-" + nanos + "\",\"lane\":\"lane-" + lane + "\"}"),
                    350, TimeUnit.MILLISECONDS);
        };

        long periodNanos = (long) (1e9 / bagsPerS);
        long total = (long) ((seconds + warmup) * bagsPerS);
        long start = System.nanoTime() + 200_000_000L;
        long controlThread = findThread("line-1-control");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] allocAtWarm = new long[1];
        long[] gcAtWarm = new long[2];
        for (long i = 0; i < total; i++) {
            long t = start + i * periodNanos;
            final long n = i;
            String bag = "B-" + i;
            int lane = (int) (i % LANES) + 1;
            gen.schedule(() -> send(device, "order", "{\"id\":\"o-" + n + "\",\"order\":\"O-" + n + "\",\"bags\":[\""
                    + bag + "\"],\"dest\":\"lane-" + lane + "\"}"), delay(t - 400_000_000L), TimeUnit.NANOSECONDS);
            gen.schedule(() -> scanner[0].scanned(bag, System.nanoTime()), delay(t - 50_000_000L), TimeUnit.NANOSECONDS);
            for (int k = 0; k < zones; k++) {
                final int z = k;
                long rise = t + k * ZONE_STEP_NANOS;
                gen.schedule(() -> {
                    long now = System.nanoTime();
                    probe.rise(z, now, n >= warmup * bagsPerS);
                    gpio.edge(2000 + z, true, now);
                }, delay(rise), TimeUnit.NANOSECONDS);
                gen.schedule(() -> gpio.edge(2000 + z, false, System.nanoTime()), delay(rise + BLOCK_NANOS), TimeUnit.NANOSECONDS);
            }
            long entry = t + zones * ZONE_STEP_NANOS;
            gen.schedule(() -> gpio.edge(3001, true, System.nanoTime()), delay(entry), TimeUnit.NANOSECONDS);
            gen.schedule(() -> {
                long now = System.nanoTime();
                probe.planDivert(lane, now, BLOCK_NANOS, n >= warmup * bagsPerS);
                gpio.edge(3001, false, now);
            }, delay(entry + BLOCK_NANOS), TimeUnit.NANOSECONDS);
            if (i == (long) (warmup * bagsPerS)) {
                gen.schedule(() -> {
                    allocAtWarm[0] = threads.getThreadAllocatedBytes(controlThread);
                    gcAtWarm[0] = gcCount();
                    gcAtWarm[1] = gcMillis();
                }, delay(t), TimeUnit.NANOSECONDS);
            }
        }
        long end = start + total * periodNanos + zones * ZONE_STEP_NANOS + 2_000_000_000L;
        while (System.nanoTime() < end) Thread.sleep(200);
        long measuredBags = total - (long) (warmup * bagsPerS);
        long alloc = threads.getThreadAllocatedBytes(controlThread) - allocAtWarm[0];
        long gcs = gcCount() - gcAtWarm[0];
        long gcMs = gcMillis() - gcAtWarm[1];
        long[] estopOff = pressEstops(gpio, probe, device, estops);

        System.out.printf("control path: %d zones, %.1f bags/s, %d s measured after %d s warm-up, JVM %s, GC %s, max heap %d MB%s%n",
                zones, bagsPerS, seconds, warmup, System.getProperty("java.version"), gcNames(),
                Runtime.getRuntime().maxMemory() >> 20, noState ? ", state snapshots off" : "");
        print("eye edge -> zone motor output", probe.motorLatency());
        print("diverter output vs planned time", probe.divertLateness());
        print("e-stop edge -> last motion output off", estopOff);
        System.out.printf("control thread allocation: %.0f bytes per bag (%d bags, %d eye edges per bag)%n",
                alloc / (double) measuredBags, measuredBags, 2 * zones + 4);
        System.out.printf("GC during measurement: %d collections, %d ms in total%n", gcs, gcMs);
        System.out.printf("events published: see the broker; gateway connected: %s%n", gateway.isConnected());

        gen.shutdownNow();
        lanesGen.shutdownNow();
        device.stop();
        gateway.stop();
        scheduler.shutdownNow();
        if (broker != null) broker.stop();
        System.exit(0);
    }

    private static final int ESTOP_PIN = 4000;

    /**
     * Presses the e-stop of the running line {@code n} times (release, reset and start in between)
     * and returns, per press, the time from just before the edge is delivered to the last motion
     * output switched off; presses that found no motion output on are left out.
     */
    private static long[] pressEstops(BenchGpio gpio, Probe probe, LineDevice device, int n) throws InterruptedException {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            send(device, "start", "{\"id\":\"es-start-" + i + "\"}");
            Thread.sleep(300);   // the layout's start warning is 0 s: the motors are on by now
            probe.motionOff.set(0);
            long edge = System.nanoTime();
            gpio.edge(ESTOP_PIN, true, edge);
            long off = probe.motionOff.get();
            if (off != 0) samples.add(off - edge);
            Thread.sleep(50);
            gpio.edge(ESTOP_PIN, false, System.nanoTime());
            Thread.sleep(50);
            send(device, "reset", "{\"id\":\"es-reset-" + i + "\"}");
            Thread.sleep(50);
        }
        return samples.stream().mapToLong(Long::longValue).toArray();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void send(LineDevice device, String action, String payload) {
        try {
            ObjectNode p = (ObjectNode) JSON.readTree(payload);
            device.handle(new Command(p.path("id").asText(), "line-1", action, p, Optional.of("bench"), Optional.empty(), 5000));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int laneEye(int lane) { return 3200 + lane; }

    private static long delay(long at) { return Math.max(0, at - System.nanoTime()); }

    /** Records what the benchmark measures; called from the generator and the control thread. */
    static final class Probe implements BenchGpio.OutputProbe {
        private final long[] lastRise;
        private final boolean[] measure;
        private final ConcurrentLinkedQueue<Long> motor = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Long> divert = new ConcurrentLinkedQueue<>();
        private final List<ConcurrentLinkedQueue<long[]>> planned = new ArrayList<>();
        java.util.function.BiConsumer<Integer, Long> onDivert = (l, n) -> { };
        /** When a motion output (zone motor, sorter, diverter) last went off. */
        final java.util.concurrent.atomic.AtomicLong motionOff = new java.util.concurrent.atomic.AtomicLong();

        Probe(int zones) {
            lastRise = new long[zones];
            measure = new boolean[zones];
            for (int i = 0; i <= LANES; i++) planned.add(new ConcurrentLinkedQueue<>());
        }

        synchronized void rise(int zone, long nanos, boolean measured) {
            lastRise[zone] = nanos;
            measure[zone] = measured;
        }

        /** The same plan the controller makes from the entry-eye tail edge (see SorterBelt#schedule). */
        void planDivert(int lane, long tailNanos, long coverNanos, boolean measured) {
            double length = coverNanos / 1e9 * SPEED;
            double centre = ENTRY_EYE_AT + length / 2;
            double atM = divertAt(lane);
            long early = tailNanos + (long) ((atM - centre) / (SPEED * 1.07) * 1e9);
            long fireAt = early - (ACTUATION_MS + LineConfig.DIVERT_HEAD_START_MS) * 1_000_000L;
            planned.get(lane).add(new long[]{fireAt, measured ? 1 : 0});
        }

        @Override
        public void changed(int pin, boolean active, long nanos) {
            if (!active && (pin >= 1000 && pin < 2000 || pin >= 3000 && pin < 3200 && pin != 3001)) motionOff.set(nanos);
            if (pin >= 1000 && pin < 2000 && !active) {
                int z = pin - 1000;
                synchronized (this) {
                    if (lastRise[z] != 0) {
                        if (measure[z]) motor.add(nanos - lastRise[z]);
                        lastRise[z] = 0;
                    }
                }
            } else if (pin >= 3100 && pin < 3200 && active) {
                int lane = pin - 3100;
                long[] plan = planned.get(lane).poll();
                if (plan != null && plan[1] == 1) divert.add(nanos - plan[0]);
                onDivert.accept(lane, nanos);
            }
        }

        long[] motorLatency() { return motor.stream().mapToLong(Long::longValue).toArray(); }

        long[] divertLateness() { return divert.stream().mapToLong(Long::longValue).toArray(); }
    }

    private static double divertAt(int lane) { return 1.4 + (lane - 1) * 0.25; }

    static LineConfig layout(int zoneCount) {
        List<LineConfig.Zone> zones = new ArrayList<>();
        for (int k = 0; k < zoneCount; k++) {
            zones.add(new LineConfig.Zone("z" + k, ZONE_M, EYE_AT, PinConfig.of(1000 + k), PinConfig.of(2000 + k),
                    k + 1 < zoneCount ? "z" + (k + 1) : LineConfig.SORTER, null));
        }
        List<LineConfig.Diverter> diverters = new ArrayList<>();
        List<LineConfig.Lane> lanes = new ArrayList<>();
        for (int l = 1; l <= LANES; l++) {
            diverters.add(new LineConfig.Diverter("lane-" + l, divertAt(l), PinConfig.of(3100 + l), ACTUATION_MS));
            lanes.add(new LineConfig.Lane("lane-" + l, PinConfig.of(laneEye(l)), null, 10_000));
        }
        lanes.add(new LineConfig.Lane("exception", PinConfig.of(3300), null, 100_000));
        LineConfig.Sorter sorter = new LineConfig.Sorter(4.4, PinConfig.of(3000), PinConfig.of(3001), ENTRY_EYE_AT,
                diverters, "exception", 0.2);
        return new LineConfig(SPEED, 0.0, PinConfig.of(ESTOP_PIN), PinConfig.of(4001), null, PinConfig.of(4002), null, true, 0.3,
                zones, List.of(new LineConfig.Station("pick-1", "z0", "scanner-1", 0.5)), sorter, lanes, null, 4.0, 5.0);
    }

    private static void print(String what, long[] nanos) {
        if (nanos.length == 0) {
            System.out.printf("%s: no samples%n", what);
            return;
        }
        Arrays.sort(nanos);
        System.out.printf("%s (%d samples): p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us%n", what, nanos.length,
                pct(nanos, 50) / 1e3, pct(nanos, 99) / 1e3, pct(nanos, 99.9) / 1e3, nanos[nanos.length - 1] / 1e3);
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
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
        return v == null ? def : Integer.parseInt(v);
    }

    private static String strArg(String[] a, String name, String def) {
        for (int i = 0; i + 1 < a.length; i++) if (a[i].equals(name)) return a[i + 1];
        return def;
    }
}
