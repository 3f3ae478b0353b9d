package org.conveyord.bench.daemon;

import org.conveyord.config.ConfigLoader;
import org.conveyord.sim.DeviceSim;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo line for the daemon benchmarks: config/demo.yaml with every port made free (other runs on
 * the box keep theirs), device-sim playing it in this JVM, and the daemon jar started as a child
 * process the way the systemd unit starts it: the unit's JAVA_OPTS, NOTIFY_SOCKET and WATCHDOG_USEC.
 */
final class DemoLine implements AutoCloseable {
    static final String DEFAULT_JAVA_OPTS = "-Xms24m -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k "
            + "-XX:+ExitOnOutOfMemoryError -XX:-UsePerfData";

    final Path dir;
    final Path config;
    final String mqttUrl;
    final String base;
    private final BenchOptions opts;
    private final DeviceSim sim;
    private final NotifyReceiver notify;
    private Process daemon;
    private long startedNanos;

    DemoLine(BenchOptions opts, String mqttUrl) throws Exception {
        this.opts = opts;
        this.mqttUrl = mqttUrl;
        this.dir = Files.createTempDirectory("bench-daemon");
        this.config = dir.resolve("demo.yaml");
        Files.writeString(config, freePorts(Files.readString(opts.demoConfig()), mqttUrl, dir.resolve("state")));
        var loaded = ConfigLoader.load(config);
        if (!loaded.ok()) throw new IllegalStateException(config + ": " + loaded.problems());
        this.base = loaded.config().mqtt().prefixOrDefault() + "/" + loaded.config().site() + "/" + loaded.config().node();
        this.sim = DeviceSim.start(loaded.config(), mqttUrl);
        this.notify = new NotifyReceiver(dir);
    }

    /** demo.yaml's fixed ports (gpio bridge, device links, broker) replaced by free ones, its state dir by {@code state}. */
    static String freePorts(String yaml, String mqttUrl, Path state) throws IOException {
        String out = yaml.replaceAll("(?m)^(\\s*url:\\s*)tcp://\\S+", "$1" + Matcher.quoteReplacement(mqttUrl))
                .replaceAll("(?m)^stateDir:.*$", "stateDir: " + Matcher.quoteReplacement(state.toString()));
        Matcher m = Pattern.compile("(port: |127\\.0\\.0\\.1:)(7\\d{3})\\b").matcher(out);
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, m.group(1) + freePort());
        m.appendTail(sb);
        return sb.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The unit's JAVA_OPTS (without java.io.tmpdir, which names the box's state directory). */
    String javaOpts() { return opts.javaOpts(); }

    /**
     * Whether packaging/src/deb/bin/conveyord would use the JDK's AOT cache on this JVM (Java 25 and
     * newer) rather than the class-data archive (AppCDS) it uses on 21 to 24.
     */
    static final boolean AOT_CACHE = Runtime.version().feature() >= 25;

    /** Which start-up cache the wrapper uses on this JVM, for the results: "aot" or "cds". */
    static String cacheKind() { return AOT_CACHE ? "aot" : "cds"; }

    /**
     * What the wrapper adds under systemd once the cache is made (here in this run's directory): the
     * AOT cache on Java 25+, else the class-data archive (which its first start writes at exit).
     */
    String archiveOpts() {
        if (AOT_CACHE) return "-XX:AOTCache=" + dir.resolve("conveyord.aot");
        return "-XX:SharedArchiveFile=" + dir.resolve("conveyord.jsa")
                + " -XX:+AutoCreateSharedArchive -Xlog:cds=error -Xlog:cds+dynamic=error";
    }

    /** What the wrapper adds at the first start: on Java 25+ it records the AOT configuration at exit. */
    String trainingOpts() {
        if (AOT_CACHE) return "-XX:AOTMode=record -XX:AOTConfiguration=" + dir.resolve("conveyord.aotconf") + " -Xlog:aot=error";
        return archiveOpts();
    }

    /** The unit's flags plus the archive when the unit has one: how the installed daemon runs. */
    String unitJavaOpts() { return opts.archive() ? javaOpts() + " " + archiveOpts() : javaOpts(); }

    /** The archive, made before the measured starts when the unit has one. */
    void primeArchive() throws Exception {
        if (!opts.archive()) return;
        makeArchive(javaOpts());
    }

    /**
     * Makes the cache as the wrapper does for a daemon with {@code javaOpts}: a first start with the
     * training flags and its stop (the JVM writes the archive or the AOT configuration at exit), then
     * on Java 25+ the AOT cache assembled by a JVM of its own, as the wrapper does at the next start.
     */
    void makeArchive(String javaOpts) throws Exception {
        startDaemon(javaOpts + " " + trainingOpts(), List.of());
        awaitReady(60_000);
        stopDaemon();
        if (!AOT_CACHE) return;
        Path conf = dir.resolve("conveyord.aotconf"), aot = dir.resolve("conveyord.aot");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String o : javaOpts.split("\\s+")) if (!o.isBlank()) cmd.add(o);
        cmd.addAll(List.of("-Xlog:aot=error", "-XX:AOTMode=create", "-XX:AOTConfiguration=" + conf,
                "-XX:AOTCache=" + aot, "-jar", opts.daemonJar().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.log").toFile()));
        pb.environment().putAll(opts.unitEnvironment());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        if (p.exitValue() != 0 || !Files.isRegularFile(aot))
            throw new IllegalStateException("assembling the AOT cache failed (exit " + p.exitValue() + "); see " + dir.resolve("daemon.log"));
        Files.deleteIfExists(conf);
    }

    Process startDaemon(List<String> extraJavaOpts) throws IOException {
        return startDaemon(unitJavaOpts(), extraJavaOpts);
    }

    /** Starts the daemon with {@code javaOpts}, then {@code extraJavaOpts}. */
    Process startDaemon(String javaOpts, List<String> extraJavaOpts) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String o : javaOpts.split("\\s+")) if (!o.isBlank()) cmd.add(o);
        cmd.addAll(extraJavaOpts);
        cmd.addAll(List.of("-jar", opts.daemonJar().toString(), "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.log").toFile()));
        Map<String, String> env = pb.environment();
        env.putAll(opts.unitEnvironment());
        env.put("NOTIFY_SOCKET", notify.path.toString());
        env.put("WATCHDOG_USEC", "10000000");
        notify.reset();
        startedNanos = System.nanoTime();
        daemon = pb.start();
        return daemon;
    }

    long startedNanos() { return startedNanos; }

    /** Waits for READY=1 on the notify socket; the nanoTime it came. */
    long awaitReady(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (notify.readyNanos() == 0) {
            if (!daemon.isAlive()) throw new IllegalStateException("the daemon exited " + daemon.exitValue() + " before READY; see " + dir.resolve("daemon.log"));
            if (System.nanoTime() > deadline) throw new IllegalStateException("no READY=1 within " + timeoutMs + " ms; see " + dir.resolve("daemon.log"));
            Thread.sleep(2);
        }
        return notify.readyNanos();
    }

    long pid() { return daemon.pid(); }

    /** Throws when the daemon has exited (e.g. its HTTP port taken), so a wait for it does not hang. */
    void requireAlive() {
        if (!daemon.isAlive()) throw new IllegalStateException("the daemon exited " + daemon.exitValue() + "; see " + dir.resolve("daemon.log"));
    }

    void stopDaemon() throws InterruptedException {
        if (daemon == null) return;
        daemon.destroy();
        if (!daemon.waitFor(30, TimeUnit.SECONDS)) daemon.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        daemon = null;
    }

    @Override
    public void close() throws InterruptedException {
        stopDaemon();
        notify.close();
        sim.close();
    }
}
