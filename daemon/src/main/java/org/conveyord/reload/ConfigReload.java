package org.conveyord.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConfigProblem;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.device.EventSink;
import org.conveyord.node.NodeDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A config reload (SIGHUP, the unit's ExecReload): the file is read again and, when every key that
 * changed is one that applies while running, handed to the daemon; otherwise the old config stays in
 * force. Motion is never touched: nothing here reaches the line.
 * <p>
 * Keys that apply live: {@code logging.*}, {@code mqtt.telemetryIntervalS}, {@code mqtt.commands.*},
 * {@code health.*}, a line's jam timers and retries ({@code sensorJamS}, {@code arrivalJamMarginS},
 * {@code jamRetries}) and check-weigh tolerances, and a printer's {@code templates}; the line takes its
 * own between two control ticks (see {@code LiveLineSettings} for what a bag already being timed uses).
 * Any other change (layout, pins, devices otherwise, broker, identity, state directory) needs a
 * restart: the whole reload is refused with one log line listing
 * those keys and a {@code config-rejected} event. A file with errors is refused the same way, with
 * {@code FILE:LINE: key: message} in the log and one {@code config-rejected} event per error. A reload
 * that applies sends {@code config-reloaded {hash, changed[]}}; one that changes nothing sends it too,
 * with an empty list.
 */
public final class ConfigReload {

    private static final Logger log = LoggerFactory.getLogger(ConfigReload.class);
    /**
     * Key paths (or their prefixes, ending in a dot) whose new value the running daemon can take; a
     * {@code *} stands for one key (a device id).
     */
    static final List<String> LIVE_KEYS = List.of("logging.", "mqtt.telemetryIntervalS", "mqtt.commands.", "health.",
            "devices.*.sensorJamS", "devices.*.arrivalJamMarginS", "devices.*.jamRetries",
            "devices.*.checkweighTolerancePct", "devices.*.checkweighToleranceGrams",
            "devices.*.templates", "devices.*.templates.");
    private static final List<Pattern> LIVE_PATTERNS = LIVE_KEYS.stream().map(ConfigReload::keyPattern).toList();
    private static final String LIVE_SUMMARY = "only logging, mqtt.telemetryIntervalS, mqtt.commands, health, a line's jam timers,"
            + " jam retries and check-weigh tolerances and a printer's templates apply live";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What applies a new config's live keys (the daemon's parts). */
    public interface LiveTarget {
        void apply(ConveyordConfig cfg, String sha256);
    }

    /** How a reload ended. */
    public enum Outcome { APPLIED, UNCHANGED, REFUSED_RESTART_KEYS, REFUSED_BAD_FILE }

    private final Path file;
    private final UnaryOperator<ConveyordConfig> commandLineOverrides;
    private final LiveTarget target;
    private final EventSink events;
    private ConveyordConfig current;
    private String currentSha;

    /**
     * @param commandLineOverrides what the command line changes in every config read (--mqtt-url,
     *                             --state-dir), so that those keys do not count as changed
     */
    public ConfigReload(Path file, ConveyordConfig current, String currentSha, UnaryOperator<ConveyordConfig> commandLineOverrides,
                        LiveTarget target, EventSink events) {
        this.file = file;
        this.current = current;
        this.currentSha = currentSha;
        this.commandLineOverrides = commandLineOverrides;
        this.target = target;
        this.events = events;
    }

    public synchronized String currentSha() { return currentSha; }

    public synchronized Outcome reload() {
        ConfigLoader.Result r = ConfigLoader.load(file);
        if (!r.ok()) {
            List<ConfigProblem> errors = r.problems().stream().filter(ConfigProblem::isError).toList();
            if (errors.isEmpty()) errors = List.of(new ConfigProblem(file, 0, "", "the file could not be read as a config",
                    ConfigProblem.Severity.ERROR));
            log.error("Config reload refused, the old config stays in force: {} has {} error(s)", file, errors.size());
            for (ConfigProblem p : errors) {
                log.error("{}", p.format());
                rejected(p.line(), p.keyPath(), p.message());
            }
            return Outcome.REFUSED_BAD_FILE;
        }
        ConveyordConfig next = commandLineOverrides.apply(r.config());
        List<String> changed = changedKeys(current, next);
        List<String> needRestart = changed.stream().filter(k -> !isLive(k)).toList();
        if (!needRestart.isEmpty()) {
            log.warn("Config reload refused, the old config stays in force: these keys need a restart: {}",
                    String.join(", ", needRestart));
            rejected(r.lineOf(needRestart.getFirst()), String.join(", ", needRestart),
                    "needs a restart (systemctl restart conveyord); " + LIVE_SUMMARY);
            return Outcome.REFUSED_RESTART_KEYS;
        }
        r.warnings().forEach(p -> log.warn("{}", p.format()));
        target.apply(next, r.sha256());
        current = next;
        currentSha = r.sha256();
        log.info("Config reloaded from {} (sha-256 {}): {}", file, r.sha256(), changed.isEmpty() ? "nothing changed" : String.join(", ", changed));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("hash", r.sha256());
        f.put("changed", changed);
        events.emit(NodeDevice.ID, "config-reloaded", f);
        return changed.isEmpty() ? Outcome.UNCHANGED : Outcome.APPLIED;
    }

    private void rejected(int line, String key, String message) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("file", file.toString());
        f.put("line", line);
        f.put("key", key);
        f.put("message", message);
        events.emit(NodeDevice.ID, "config-rejected", f);
    }

    static boolean isLive(String keyPath) {
        for (Pattern p : LIVE_PATTERNS) {
            if (p.matcher(keyPath).matches()) return true;
        }
        return false;
    }

    private static Pattern keyPattern(String liveKey) {
        String regex = Arrays.stream(liveKey.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining("[^.]+"));
        return Pattern.compile(liveKey.endsWith(".") ? regex + ".+" : regex);
    }

    /** The key paths whose values differ (a section added or removed counts as each key in it; a list as a whole). */
    static List<String> changedKeys(ConveyordConfig before, ConveyordConfig after) {
        TreeSet<String> out = new TreeSet<>();
        diff("", MAPPER.valueToTree(before), MAPPER.valueToTree(after), out);
        return new ArrayList<>(out);
    }

    private static void diff(String path, JsonNode a, JsonNode b, TreeSet<String> out) {
        a = a == null || a.isMissingNode() ? MAPPER.nullNode() : a;
        b = b == null || b.isMissingNode() ? MAPPER.nullNode() : b;
        if (a.equals(b)) return;
        if (a.isObject() || b.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            if (names.isEmpty()) {
                out.add(path);
                return;
            }
            for (Iterator<String> it = names.iterator(); it.hasNext(); ) {
                String n = it.next();
                diff(path.isEmpty() ? n : path + "." + n, a.get(n), b.get(n), out);
            }
            return;
        }
        out.add(path);
    }
}
