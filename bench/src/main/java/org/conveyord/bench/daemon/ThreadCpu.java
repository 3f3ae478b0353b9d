package org.conveyord.bench.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU per thread of another process from {@code /proc/PID/task/TID/stat} (utime + stime, in clock ticks
 * of 10 ms), summed by thread name with trailing digits folded ("devices", "link-io-2-1" -> "link-io-#-#")
 * so pools report as one line.
 */
public record ThreadCpu(Map<Long, Sample> byTid) {
    public record Sample(String name, long ticks) {}

    static final double MS_PER_TICK = 10.0;

    public static ThreadCpu of(long pid) {
        Map<Long, Sample> m = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    // after "(comm) ": state=0 ... utime=11 stime=12
                    m.put(Long.parseLong(t.getFileName().toString()),
                            new Sample(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between list and read: it has no CPU to report any more
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/task (is the process running?)", e);
        }
        return new ThreadCpu(m);
    }

    public int threads() { return byTid.size(); }

    /** Milliseconds of CPU per folded thread name between {@code before} and this sample (threads new since count whole). */
    public Map<String, Double> msSince(ThreadCpu before) {
        Map<String, Double> out = new TreeMap<>();
        byTid.forEach((tid, s) -> {
            Sample b = before.byTid.get(tid);
            long d = s.ticks - (b == null ? 0 : b.ticks);
            if (d > 0) out.merge(fold(s.name), d * MS_PER_TICK, Double::sum);
        });
        return out;
    }

    static String fold(String name) {
        return name.replaceAll("\\d+", "#").strip();
    }

    /** VmRSS of the process in KiB. */
    public static long rssKib(long pid) { return status(pid, "VmRSS:"); }

    /**
     * One KiB figure of {@code /proc/PID/status}: {@code VmRSS:}, {@code RssAnon:} (heap, metaspace, stacks:
     * the process's own) or {@code RssFile:} (the JVM's libraries and the class-data archive: clean pages
     * the kernel can drop and other JVMs share).
     */
    public static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("\\D", ""));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
        }
        return -1;
    }

    /** The first three fields of /proc/loadavg: the load the figures were taken under. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
