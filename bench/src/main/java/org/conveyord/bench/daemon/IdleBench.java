package org.conveyord.bench.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench.jar idle [--seconds 60] [--warmup-seconds 20] [--nmt true] [--mqtt-url URL]}: the daemon on
 * the demo line with nothing moving. CPU per thread over {@code --seconds}, RSS, thread count, and with
 * {@code --nmt true} the JVM's committed memory by component (Native Memory Tracking).
 */
public final class IdleBench {
    static final String USAGE = "bench.jar idle [--seconds 60] [--warmup-seconds 20] [--nmt true] [--mqtt-url URL] "
            + "[--daemon-jar JAR] [--config demo.yaml] [--java-opts '...']";

    private IdleBench() {}

    public static void main(String[] args) throws Exception {
        BenchOptions o = BenchOptions.parse(args, USAGE);
        int seconds = o.integer("seconds", 60);
        int warmup = o.integer("warmup-seconds", 20);
        boolean nmt = Boolean.parseBoolean(o.string("nmt", "false"));
        try (Broker broker = new Broker(o); DemoLine line = new DemoLine(o, broker.url)) {
            List<String> extra = new ArrayList<>();
            if (nmt) extra.add("-XX:NativeMemoryTracking=summary");
            line.primeArchive();
            line.startDaemon(extra);
            line.awaitReady(60_000);
            try (Pinger p = new Pinger(broker.url, line.base)) {
                if (!p.awaitFirstReply(30_000)) throw new IllegalStateException("no ping reply; see " + line.dir);
            }
            Thread.sleep(warmup * 1000L);
            long pid = line.pid();
            String loadBefore = ThreadCpu.loadAverage();
            ThreadCpu before = ThreadCpu.of(pid);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            ThreadCpu after = ThreadCpu.of(pid);
            double wallMs = (System.nanoTime() - t0) / 1e6;
            Map<String, Double> byThread = sortedByValue(after.msSince(before));
            double total = byThread.values().stream().mapToDouble(Double::doubleValue).sum();
            Json r = new Json().put("bench", "idle").put("seconds", seconds)
                    .put("cpuPctOfCore", 100.0 * total / wallMs)
                    .put("rssMiB", ThreadCpu.rssKib(pid) / 1024.0)
                    .put("rssAnonMiB", ThreadCpu.status(pid, "RssAnon:") / 1024.0)
                    .put("rssFileMiB", ThreadCpu.status(pid, "RssFile:") / 1024.0)
                    .put("threads", after.threads())
                    .put("cpuMsByThread", byThread)
                    .put("javaOpts", line.unitJavaOpts())
                    .put("loadavgBefore", loadBefore).put("loadavgAfter", ThreadCpu.loadAverage());
            if (nmt) r.put("nmtCommittedKiB", NativeMemory.summary(pid));
            System.out.println("RESULT " + r);
        }
    }

    static Map<String, Double> sortedByValue(Map<String, Double> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static Path jcmd() { return Path.of(System.getProperty("java.home"), "bin", "jcmd"); }
}
