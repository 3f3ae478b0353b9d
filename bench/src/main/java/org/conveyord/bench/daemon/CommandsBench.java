package org.conveyord.bench.daemon;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench.jar commands [--count 2000] [--warmup 500] [--idle-seconds 10] [--mqtt-url URL]}: sequential
 * {@code cmd/node/ping}s, each sent when the previous reply came. Reports the round trip (p50/p99/max) and
 * the daemon's CPU per command by thread: the CPU delta over the run, less what the same threads burn at
 * idle for that long (measured over {@code --idle-seconds} before), divided by the count.
 */
public final class CommandsBench {
    static final String USAGE = "bench.jar commands [--count 2000] [--warmup 500] [--idle-seconds 10] [--mqtt-url URL] "
            + "[--daemon-jar JAR] [--config demo.yaml] [--java-opts '...']";

    private CommandsBench() {}

    public static void main(String[] args) throws Exception {
        BenchOptions o = BenchOptions.parse(args, USAGE);
        int count = o.integer("count", 2000);
        int warmup = o.integer("warmup", 500);
        int idleSeconds = o.integer("idle-seconds", 10);
        try (Broker broker = new Broker(o); DemoLine line = new DemoLine(o, broker.url)) {
            line.primeArchive();
            line.startDaemon(List.of());
            line.awaitReady(60_000);
            long pid = line.pid();
            try (Pinger p = new Pinger(broker.url, line.base)) {
                if (!p.awaitFirstReply(30_000)) throw new IllegalStateException("no ping reply within 30 s; see " + line.dir);
                for (int i = 0; i < warmup; i++) ping(p);
                ThreadCpu i0 = ThreadCpu.of(pid);
                long ti = System.nanoTime();
                Thread.sleep(idleSeconds * 1000L);
                Map<String, Double> idle = ThreadCpu.of(pid).msSince(i0);
                double idleS = (System.nanoTime() - ti) / 1e9;

                String load = ThreadCpu.loadAverage();
                double[] rtt = new double[count];
                ThreadCpu before = ThreadCpu.of(pid);
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) rtt[i] = ping(p);
                double runS = (System.nanoTime() - t0) / 1e9;
                Map<String, Double> busy = ThreadCpu.of(pid).msSince(before);

                Map<String, Double> net = new LinkedHashMap<>();
                Map<String, Double> gross = new LinkedHashMap<>();
                busy.forEach((name, ms) -> {
                    gross.put(name, ms * 1000 / count);
                    net.put(name, (ms - idle.getOrDefault(name, 0.0) * runS / idleS) * 1000 / count);
                });
                Arrays.sort(rtt);
                Json r = new Json().put("bench", "commands").put("count", count)
                        .put("cpuUsPerCommand", net.values().stream().mapToDouble(Double::doubleValue).sum())
                        .put("cpuUsPerCommandGross", gross.values().stream().mapToDouble(Double::doubleValue).sum())
                        .put("cpuUsPerCommandByThread", IdleBench.sortedByValue(net))
                        .put("rttMsP50", rtt[count / 2]).put("rttMsP99", rtt[(int) (count * 0.99)])
                        .put("rttMsMax", rtt[count - 1]).put("commandsPerS", count / runS)
                        .put("javaOpts", line.unitJavaOpts()).put("loadavg", load);
                System.out.println("RESULT " + r);
            }
        }
    }

    private static double ping(Pinger p) throws Exception {
        long t0 = System.nanoTime();
        long t1 = p.awaitReply(p.send(), 5_000);
        if (t1 == 0) throw new IllegalStateException("a ping got no reply within 5 s");
        return (t1 - t0) / 1e6;
    }
}
