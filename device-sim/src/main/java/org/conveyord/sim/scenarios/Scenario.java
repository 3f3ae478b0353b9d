package org.conveyord.sim.scenarios;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.conveyord.config.ConfigException;
import org.conveyord.config.ConfigProblem;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A scripted run (device-sim/scenarios/*.yaml): actions on a timeline, orders placed on the daemon,
 * when to stop, and what the scorecard must show.
 * <pre>
 * name: smoke
 * line: line-1
 * waitForDaemonS: 60                 # how long to wait for the daemon's status online/degraded
 * steps:
 *   - {at: 0.0, daemon: {action: start}}                       # cmd/&lt;line&gt;/start on the daemon
 *   - {at: 0.5, order: {order: O-1, bags: [B-1, B-2]}}         # cmd/&lt;line&gt;/order on the daemon
 *   - {at: 4.0, bag: {bag: B-1, station: pick-1, grams: 1200}} # the sim's own actions:
 *   - {at: 9.0, estop: {active: true}}                         #   bag estop jam printer scale button collect reset
 *   - {at: 60, restart: {}}                                    # the daemon is killed (kill -9) and started again
 * generate:                          # rush-hour traffic from a seed (a map, or a list of maps), see GeneratedSteps.Traffic
 *   {from: 0, minutes: 10, ordersPerHour: 300, bagsPerOrder: [1, 4], stations: [pick-1, pick-2],
 *    gramsRange: [300, 3000], lengthRange: [0.25, 0.45], noReadRate: 0.02, bagSpreadS: 10, seed: 42}
 * jams: {from: 30, minutes: 8, count: 4, zones: [p1, m1, z1], holdS: [8, 12], seed: 7}   # see GeneratedSteps.Jams
 * rider: {collectCompleteAfterS: 20, collectIncompleteAfterS: 30}                     # see Rider
 * saturate: {minutes: 10, stations: [pick-1, pick-2], bagsPerOrder: [1, 4], seed: 11}  # see Saturation
 * until: {settled: true, timeoutS: 90}
 * expect: {delivered: 3, exception: 1, misSorted: 0, lost: 0, collisions: 0, unexpectedMotion: 0, labels: 3}
 * </pre>
 *
 * @param steps sorted by {@code at}; generated steps carry the file line of their {@code generate}/{@code jams} key
 * @param rider      null: nobody collects lanes during the run
 * @param saturation null: no station hangs bags on by itself
 */
public record Scenario(Path file, String name, String line, double waitForDaemonS, List<Step> steps,
                       boolean untilSettled, double timeoutS, Map<String, Integer> expect, Rider rider,
                       Saturation saturation) {

    /** One step: when (seconds from the start), what kind, its parameters, and its line in the file. */
    public record Step(int fileLine, double at, String kind, ObjectNode params) {}

    /**
     * Riders taking orders out of their lanes so lanes do not stay full. An order is collected
     * {@code collectCompleteAfterS} after the daemon's {@code order-complete}. An order that never
     * completes because some of its bags went to exception (or were lost) is collected
     * {@code collectIncompleteAfterS} after every one of its hung-on bags came to rest in a lane or
     * the exception lane, as staff would bring the exception bags over by hand (0: never). A
     * collection is the simulator's {@code collect} (the bags leave) followed by {@code collect} to
     * the daemon.
     */
    public record Rider(double collectCompleteAfterS, double collectIncompleteAfterS) {}

    static final Set<String> SIM_ACTIONS = Set.of("bag", "estop", "jam", "printer", "scale", "button", "collect", "reset");
    static final Set<String> EXPECT_KEYS = Set.of("delivered", "exception", "misSorted", "lost", "collisions",
            "unexpectedMotion", "labels", "divertMisses", "watchdogTrips", "unexplained");

    /** Orders the scenario places, order id -&gt; its bags. */
    public Map<String, List<String>> orders() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Step s : steps) {
            if (!s.kind().equals("order")) continue;
            List<String> bags = new ArrayList<>();
            for (JsonNode b : s.params().path("bags")) bags.add(b.isTextual() ? b.asText() : b.path("bag").asText());
            out.put(s.params().path("order").asText(), bags);
        }
        return out;
    }

    /** Bags the scenario hangs on, bag id -&gt; whether it is a deliberate no-read. */
    public Map<String, Boolean> bags() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (Step s : steps) {
            if (s.kind().equals("bag")) out.put(s.params().path("bag").asText(), s.params().path("noread").asBoolean(false));
        }
        return out;
    }

    /** Reads and checks a scenario file; every problem carries its file line. */
    public static Scenario load(Path file) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        YAMLMapper yaml = new YAMLMapper();
        String name = null, line = null;
        double wait = 60, timeout = 120;
        boolean settled = true;
        List<Step> steps = new ArrayList<>();
        Map<String, Integer> expect = new LinkedHashMap<>();
        Rider rider = null;
        Saturation saturation = null;
        try (JsonParser p = yaml.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ConfigException(List.of(problem(file, 1, "", "expected a YAML map with name, line, steps, until, expect")));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                switch (key) {
                    case "name" -> name = p.getValueAsString();
                    case "line" -> line = p.getValueAsString();
                    case "waitForDaemonS" -> wait = number(p, file, key, problems, wait);
                    case "steps" -> {
                        if (p.currentToken() != JsonToken.START_ARRAY) {
                            problems.add(problem(file, keyLine, key, "expected a list of steps"));
                            p.skipChildren();
                            break;
                        }
                        int i = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            int stepLine = p.currentTokenLocation().getLineNr();
                            JsonNode n = yaml.readTree(p);
                            step(file, stepLine, "steps[" + i++ + "]", n, problems).ifPresent(steps::add);
                        }
                    }
                    case "generate" -> {
                        JsonNode n = yaml.readTree(p);
                        List<JsonNode> specs = new ArrayList<>();
                        if (n.isArray()) n.forEach(specs::add); else specs.add(n);
                        int i = 0;
                        for (JsonNode spec : specs) {
                            String where = n.isArray() ? "generate[" + i + "]" : "generate";
                            if (!spec.isObject()) {
                                problems.add(problem(file, keyLine, where, "expected a map {minutes, ordersPerHour, stations, seed, ...}"));
                                continue;
                            }
                            List<String> ps = new ArrayList<>();
                            GeneratedSteps.Traffic t = GeneratedSteps.parseTraffic(spec, n.isArray() && i > 0 ? "R" + (i + 1) : "R", ps);
                            i++;
                            ps.forEach(m -> problems.add(problem(file, keyLine, where + "." + m.substring(0, m.indexOf(':')),
                                    m.substring(m.indexOf(':') + 2))));
                            if (ps.isEmpty()) GeneratedSteps.traffic(t).forEach(g -> steps.add(new Step(keyLine, g.at(), g.kind(), g.params())));
                        }
                    }
                    case "jams" -> {
                        JsonNode n = yaml.readTree(p);
                        if (!n.isObject()) {
                            problems.add(problem(file, keyLine, key, "expected a map {minutes, count, zones, seed, ...}"));
                            break;
                        }
                        List<String> ps = new ArrayList<>();
                        GeneratedSteps.Jams j = GeneratedSteps.parseJams(n, ps);
                        ps.forEach(m -> problems.add(problem(file, keyLine, "jams." + m.substring(0, m.indexOf(':')),
                                m.substring(m.indexOf(':') + 2))));
                        if (ps.isEmpty()) GeneratedSteps.jams(j).forEach(g -> steps.add(new Step(keyLine, g.at(), g.kind(), g.params())));
                    }
                    case "rider" -> {
                        JsonNode n = yaml.readTree(p);
                        rider = rider(file, keyLine, n, problems);
                    }
                    case "saturate" -> {
                        JsonNode n = yaml.readTree(p);
                        if (!n.isObject()) {
                            problems.add(problem(file, keyLine, key, "expected a map {minutes, stations, seed, ...}"));
                            break;
                        }
                        List<String> ps = new ArrayList<>();
                        saturation = Saturation.parse(n, ps);
                        ps.forEach(m -> problems.add(problem(file, keyLine, "saturate." + m.substring(0, m.indexOf(':')),
                                m.substring(m.indexOf(':') + 2))));
                    }
                    case "until" -> {
                        JsonNode n = yaml.readTree(p);
                        if (!n.isObject()) problems.add(problem(file, keyLine, key, "expected {settled: true, timeoutS: 90}"));
                        settled = n.path("settled").asBoolean(true);
                        if (n.has("timeoutS") && (!n.get("timeoutS").isNumber() || n.get("timeoutS").asDouble() <= 0)) {
                            problems.add(problem(file, keyLine, "until.timeoutS", "expected a number of seconds > 0"));
                        }
                        timeout = n.path("timeoutS").asDouble(timeout);
                    }
                    case "expect" -> {
                        JsonNode n = yaml.readTree(p);
                        n.properties().forEach(e -> {
                            if (!EXPECT_KEYS.contains(e.getKey())) {
                                problems.add(problem(file, keyLine, "expect." + e.getKey(), "unknown; expected one of " + EXPECT_KEYS));
                            } else if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                                problems.add(problem(file, keyLine, "expect." + e.getKey(), "expected a count >= 0"));
                            } else {
                                expect.put(e.getKey(), e.getValue().asInt());
                            }
                        });
                    }
                    default -> {
                        problems.add(problem(file, keyLine, key, "unknown key; expected name, line, waitForDaemonS, steps, generate, jams, saturate, rider, until, expect"));
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            int ln = e instanceof com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null
                    ? jp.getLocation().getLineNr() : 0;
            problems.add(problem(file, ln, "", "cannot read the scenario: " + e.getMessage().lines().findFirst().orElse("")));
        }
        if (line == null) problems.add(problem(file, 1, "line", "missing; expected the id of the line the scenario drives"));
        if (problems.isEmpty() && steps.isEmpty()) problems.add(problem(file, 1, "steps", "missing or empty"));
        if (!problems.isEmpty()) throw new ConfigException(problems);
        steps.sort(Comparator.comparingDouble(Step::at));
        return new Scenario(file, name == null ? file.getFileName().toString() : name, line, wait, List.copyOf(steps),
                settled, timeout, expect, rider, saturation);
    }

    private static Rider rider(Path file, int ln, JsonNode n, List<ConfigProblem> problems) {
        if (!n.isObject()) {
            problems.add(problem(file, ln, "rider", "expected {collectCompleteAfterS: 20, collectIncompleteAfterS: 30}"));
            return null;
        }
        double[] v = {20, 0};
        String[] keys = {"collectCompleteAfterS", "collectIncompleteAfterS"};
        n.fieldNames().forEachRemaining(k -> {
            if (!List.of(keys).contains(k)) problems.add(problem(file, ln, "rider." + k, "unknown key; expected one of " + List.of(keys)));
        });
        for (int i = 0; i < keys.length; i++) {
            JsonNode x = n.get(keys[i]);
            if (x == null) continue;
            if (!x.isNumber() || x.asDouble() < 0) problems.add(problem(file, ln, "rider." + keys[i], "expected seconds >= 0"));
            else v[i] = x.asDouble();
        }
        return new Rider(v[0], v[1]);
    }

    private static Optional<Step> step(Path file, int ln, String path, JsonNode n, List<ConfigProblem> problems) {
        if (!n.isObject()) {
            problems.add(problem(file, ln, path, "expected {at: seconds, <action>: {...}}"));
            return Optional.empty();
        }
        JsonNode at = n.get("at");
        if (at == null || !at.isNumber() || at.asDouble() < 0) {
            problems.add(problem(file, ln, path + ".at", "expected seconds from the start (a number >= 0)"));
            return Optional.empty();
        }
        List<String> kinds = new ArrayList<>();
        n.fieldNames().forEachRemaining(k -> { if (!k.equals("at")) kinds.add(k); });
        if (kinds.size() != 1) {
            problems.add(problem(file, ln, path, "expected exactly one action besides 'at', found " + kinds
                    + "; actions: daemon, order, restart, " + SIM_ACTIONS));
            return Optional.empty();
        }
        String kind = kinds.get(0);
        JsonNode params = n.get(kind);
        String where = path + "." + kind;
        if (!params.isObject()) {
            problems.add(problem(file, ln, where, "expected a map of parameters"));
            return Optional.empty();
        }
        String missing = switch (kind) {
            case "daemon" -> params.path("action").isTextual() ? null : "action";
            case "order" -> params.path("order").isTextual() && params.path("bags").isArray() ? null : "order and bags";
            case "bag" -> params.path("bag").isTextual() && params.path("station").isTextual() ? null : "bag and station";
            case "estop" -> params.path("active").isBoolean() ? null : "active (true/false)";
            case "jam" -> params.path("zone").isTextual() ? null : "zone";
            case "printer" -> params.path("printer").isTextual() && params.has("fault") ? null : "printer and fault";
            case "scale" -> params.path("scale").isTextual() && (params.has("offline") || params.has("noise")) ? null : "scale and offline or noise";
            case "button" -> params.path("button").isTextual() ? null : "button";
            case "collect" -> params.path("lane").isTextual() ? null : "lane";
            case "reset", "restart" -> null;
            default -> "";
        };
        if ("".equals(missing)) {
            problems.add(problem(file, ln, where, "unknown action; expected daemon, order, restart or one of " + SIM_ACTIONS));
            return Optional.empty();
        }
        if (missing != null) {
            problems.add(problem(file, ln, where, "needs " + missing));
            return Optional.empty();
        }
        return Optional.of(new Step(ln, at.asDouble(), kind, (ObjectNode) params));
    }

    private static double number(JsonParser p, Path file, String key, List<ConfigProblem> problems, double dflt) throws IOException {
        if (!p.currentToken().isNumeric()) {
            problems.add(problem(file, p.currentTokenLocation().getLineNr(), key, "expected a number"));
            return dflt;
        }
        return p.getDoubleValue();
    }

    private static ConfigProblem problem(Path file, int line, String key, String msg) {
        return new ConfigProblem(file, line, key, msg, ConfigProblem.Severity.ERROR);
    }
}
