package org.conveyord.bench.daemon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench.jar startup [--runs 5] [--mqtt-url URL]}: exec of the daemon to READY=1 (sd_notify, as
 * systemd sees it) and to its first {@code ping} reply, {@code --runs} times each without a start-up
 * cache (the JDK's default CDS only) and with the one the package's wrapper adds under systemd on this
 * JVM: the AOT cache on Java 25+ (the first start records the configuration at exit, then a JVM of its
 * own assembles the cache), the class-data archive ({@code -XX:+AutoCreateSharedArchive}, written
 * when the first start exits) before. Making it is not counted. The state directory survives between
 * runs, as it does across restarts.
 */
public final class StartupBench {
    static final String USAGE = "bench.jar startup [--runs 5] [--mqtt-url URL] [--daemon-jar JAR] [--config demo.yaml] [--java-opts '...']";

    private StartupBench() {}

    public static void main(String[] args) throws Exception {
        BenchOptions o = BenchOptions.parse(args, USAGE);
        int runs = o.integer("runs", 5);
        try (Broker broker = new Broker(o); DemoLine line = new DemoLine(o, broker.url)) {
            String plain = line.javaOpts();
            String archived = plain + " " + line.archiveOpts();
            // the first start (training flags) and, on Java 25+, the assembly: not counted
            line.makeArchive(plain);
            List<Double> readyPlain = new ArrayList<>(), pingPlain = new ArrayList<>();
            List<Double> readyCds = new ArrayList<>(), pingCds = new ArrayList<>();
            try (Pinger p = new Pinger(broker.url, line.base)) {
                // alternated, so a change in the box's load falls on both alike
                for (int i = 0; i < runs; i++) {
                    double[] a = once(line, p, plain);
                    readyPlain.add(a[0]);
                    pingPlain.add(a[1]);
                    double[] b = once(line, p, archived);
                    readyCds.add(b[0]);
                    pingCds.add(b[1]);
                }
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("withoutArchive", figures(readyPlain, pingPlain));
            result.put("withArchive", figures(readyCds, pingCds));
            Json r = new Json().put("bench", "startup").put("runs", runs).put("cache", DemoLine.cacheKind());
            result.forEach(r::put);
            r.put("javaOpts", archived).put("loadavg", ThreadCpu.loadAverage());
            System.out.println("RESULT " + r);
        }
    }

    /** One start to READY and to the first ping reply, then a stop: {readyMs, firstPingMs}. */
    private static double[] once(DemoLine line, Pinger p, String javaOpts) throws Exception {
        line.startDaemon(javaOpts, List.of());
        long t0 = line.startedNanos();
        // asks from the start, as a caller retrying would; the daemon takes no command before it subscribed
        long replied = 0;
        while (replied == 0) {
            line.requireAlive();
            replied = p.awaitReply(p.send(), 20);
        }
        double ready = (line.awaitReady(60_000) - t0) / 1e6;
        double ping = (replied - t0) / 1e6;
        line.stopDaemon();
        return new double[]{ready, ping};
    }

    static Map<String, Object> figures(List<Double> ready, List<Double> ping) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("readyMs", ready);
        m.put("firstPingMs", ping);
        m.put("readyMsMedian", median(ready));
        m.put("firstPingMsMedian", median(ping));
        return m;
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }
}
