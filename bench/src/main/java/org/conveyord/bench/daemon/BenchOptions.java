package org.conveyord.bench.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The daemon benchmarks' command line: {@code --name value} pairs. Common: {@code --mqtt-url URL}
 * (default: a Mosquitto started for the run), {@code --daemon-jar}, {@code --config} (the demo line),
 * {@code --java-opts} (default: the unit's JAVA_OPTS, read from systemd/conveyord.service; its other Environment= too),
 * {@code --archive true|false} (default: as the unit, i.e. with the class-data archive when it has CacheDirectory=).
 */
record BenchOptions(Map<String, String> values) {

    static BenchOptions parse(String[] args, String usage) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("bad argument '" + args[i] + "'; usage: " + usage);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return new BenchOptions(m);
    }

    String string(String key, String dflt) { return values.getOrDefault(key, dflt); }

    int integer(String key, int dflt) {
        String v = values.get(key);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + ": expected a whole number, got '" + v + "'");
        }
    }

    String mqttUrl() { return values.get("mqtt-url"); }

    Path daemonJar() { return existing("daemon-jar", "daemon/target/conveyord.jar"); }

    Path demoConfig() { return existing("config", "config/demo.yaml"); }

    Path unitFile() { return existing("unit", "systemd/conveyord.service"); }

    /** The unit's JAVA_OPTS (so the figures are the installed daemon's), unless --java-opts says otherwise. */
    String javaOpts() {
        if (values.containsKey("java-opts")) return values.get("java-opts");
        try {
            for (String line : Files.readAllLines(unitFile())) {
                var m = java.util.regex.Pattern.compile("^Environment=\"JAVA_OPTS=([^\"]*)\"").matcher(line.strip());
                if (m.find()) return m.group(1).replaceAll("-Djava\\.io\\.tmpdir=\\S+", "").strip();
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            // no unit file at hand (run outside the repository): the flags it had when this was written
        }
        return DemoLine.DEFAULT_JAVA_OPTS;
    }

    /** The unit's other {@code Environment=K=V} lines (not JAVA_OPTS), e.g. MALLOC_ARENA_MAX. */
    Map<String, String> unitEnvironment() {
        Map<String, String> env = new HashMap<>();
        try {
            for (String line : Files.readAllLines(unitFile())) {
                var m = java.util.regex.Pattern.compile("^Environment=\"?([A-Z_]+)=([^\"]*)\"?$").matcher(line.strip());
                if (m.find() && !m.group(1).equals("JAVA_OPTS")) env.put(m.group(1), m.group(2));
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            // no unit file at hand: the JVM's defaults
        }
        return env;
    }

    /**
     * Whether the daemon runs with the class-data archive the package's wrapper adds under systemd:
     * {@code --archive true|false}, by default when the unit has {@code CacheDirectory=}.
     */
    boolean archive() {
        if (values.containsKey("archive")) return Boolean.parseBoolean(values.get("archive"));
        try {
            return Files.readAllLines(unitFile()).stream().anyMatch(l -> l.strip().startsWith("CacheDirectory="));
        } catch (java.io.IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code --key} if given, else {@code rel} under the working directory or its parent (tests run in bench/). */
    private Path existing(String key, String rel) {
        if (values.containsKey(key)) return Path.of(values.get(key));
        Path here = Path.of(rel);
        if (Files.exists(here)) return here.toAbsolutePath();
        Path up = Path.of("..").resolve(rel);
        if (Files.exists(up)) return up.toAbsolutePath().normalize();
        throw new IllegalArgumentException(rel + " not found (run from the repository root, build it first, or pass --" + key + ")");
    }
}
