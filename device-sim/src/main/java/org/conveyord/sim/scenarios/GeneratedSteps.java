package org.conveyord.sim.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Scenario steps generated reproducibly from a seed: rush-hour traffic (orders and their bags) and
 * jams in random zones. The same spec and seed give the same steps on every JVM ({@link Random} is a
 * specified generator), so a failing run can be replayed.
 *
 * <p>Pure functions; no state.
 */
public final class GeneratedSteps {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The {@code order} command goes out this long before the order's first bag is hung on. */
    static final double ORDER_LEAD_S = 0.5;

    private GeneratedSteps() {}

    /**
     * Orders arriving at random times over a period, each with its bags hung on at random stations
     * shortly after the order was placed.
     *
     * @param from          seconds from the scenario start
     * @param minutes       length of the period
     * @param ordersPerHour rate; the period gets {@code round(minutes * ordersPerHour / 60)} orders
     * @param minBags       bags per order, drawn uniformly from [minBags, maxBags]
     * @param stations      where bags are hung on, drawn uniformly per bag
     * @param gramsMin      bag weight, uniform in [gramsMin, gramsMax], rounded to a gram
     * @param lengthMin     bag length in metres, uniform in [lengthMin, lengthMax], rounded to a cm
     * @param noReadRate    probability that a bag's barcode cannot be read
     * @param bagSpreadS    an order's bags are hung on within this many seconds after the order
     * @param prefix        order ids are {@code <prefix>-0001}, bag ids {@code <prefix>-0001-1}
     */
    public record Traffic(double from, double minutes, double ordersPerHour, int minBags, int maxBags,
                          List<String> stations, double gramsMin, double gramsMax, double lengthMin, double lengthMax,
                          double noReadRate, double bagSpreadS, long seed, String prefix) {
        public int orderCount() {
            return (int) Math.round(minutes * ordersPerHour / 60.0);
        }
    }

    /**
     * Jams in random zones: each jam holds its zone for a while, then frees it; the operator then
     * sends {@code reset} to the daemon (jam resets may be remote) and {@code start} again. Jams are
     * spread over the period, one per equal slot, so they never overlap.
     */
    public record Jams(double from, double minutes, int count, List<String> zones, double holdMinS, double holdMaxS,
                       double resetAfterS, double startAfterS, long seed) {}

    /** A step before it gets its file line: time, kind, parameters. */
    public record Timed(double at, String kind, ObjectNode params) {}

    public static List<Timed> traffic(Traffic t) {
        Random rnd = new Random(t.seed());
        int n = t.orderCount();
        double period = t.minutes() * 60;
        double[] times = new double[n];
        for (int i = 0; i < n; i++) times[i] = t.from() + rnd.nextDouble() * period;
        Arrays.sort(times);
        List<Timed> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String order = String.format(Locale.ROOT, "%s-%04d", t.prefix(), i + 1);
            int bagCount = t.minBags() + rnd.nextInt(t.maxBags() - t.minBags() + 1);
            ObjectNode orderParams = NODES.objectNode().put("order", order);
            ArrayNode bags = orderParams.putArray("bags");
            double[] offsets = new double[bagCount];
            for (int k = 0; k < bagCount; k++) offsets[k] = rnd.nextDouble() * t.bagSpreadS();
            Arrays.sort(offsets);
            List<Timed> bagSteps = new ArrayList<>();
            for (int k = 0; k < bagCount; k++) {
                String bag = order + "-" + (k + 1);
                double grams = Math.round(t.gramsMin() + rnd.nextDouble() * (t.gramsMax() - t.gramsMin()));
                double length = Math.round((t.lengthMin() + rnd.nextDouble() * (t.lengthMax() - t.lengthMin())) * 100) / 100.0;
                String station = t.stations().get(rnd.nextInt(t.stations().size()));
                boolean noRead = rnd.nextDouble() < t.noReadRate();
                bags.addObject().put("bag", bag).put("grams", grams);
                ObjectNode bagParams = NODES.objectNode().put("bag", bag).put("station", station).put("grams", grams)
                        .put("lengthM", length);
                if (noRead) bagParams.put("noread", true);
                bagSteps.add(new Timed(round3(times[i] + ORDER_LEAD_S + offsets[k]), "bag", bagParams));
            }
            out.add(new Timed(round3(times[i]), "order", orderParams));
            out.addAll(bagSteps);
        }
        return out;
    }

    public static List<Timed> jams(Jams j) {
        Random rnd = new Random(j.seed());
        double slot = j.minutes() * 60 / j.count();
        List<Timed> out = new ArrayList<>();
        for (int i = 0; i < j.count(); i++) {
            double hold = j.holdMinS() + rnd.nextDouble() * (j.holdMaxS() - j.holdMinS());
            double busy = hold + j.resetAfterS() + j.startAfterS();
            double t = j.from() + i * slot + rnd.nextDouble() * Math.max(0, slot - busy);
            String zone = j.zones().get(rnd.nextInt(j.zones().size()));
            out.add(new Timed(round3(t), "jam", NODES.objectNode().put("zone", zone).put("active", true)));
            out.add(new Timed(round3(t + hold), "jam", NODES.objectNode().put("zone", zone).put("active", false)));
            out.add(new Timed(round3(t + hold + j.resetAfterS()), "daemon", NODES.objectNode().put("action", "reset")));
            out.add(new Timed(round3(t + busy), "daemon", NODES.objectNode().put("action", "start")));
        }
        return out;
    }

    // ------------------------------------------------------------------ parsing

    static final List<String> TRAFFIC_KEYS = List.of("from", "minutes", "ordersPerHour", "bagsPerOrder", "stations",
            "gramsRange", "lengthRange", "noReadRate", "bagSpreadS", "seed", "prefix");
    static final List<String> JAM_KEYS = List.of("from", "minutes", "count", "zones", "holdS", "resetAfterS",
            "startAfterS", "seed");

    /** Reads a {@code generate:} map; every problem is added as "key: message" to {@code problems}. */
    static Traffic parseTraffic(JsonNode n, String prefixDefault, List<String> problems) {
        unknownKeys(n, TRAFFIC_KEYS, problems);
        double from = num(n, "from", 0, 0, 1e7, problems);
        double minutes = num(n, "minutes", Double.NaN, 1e-9, 24 * 60, problems);
        double rate = num(n, "ordersPerHour", Double.NaN, 1e-9, 100_000, problems);
        double[] bags = range(n, "bagsPerOrder", new double[]{1, 4}, 1, 100, problems);
        List<String> stations = names(n, "stations", problems);
        double[] grams = range(n, "gramsRange", new double[]{300, 3000}, 0, 100_000, problems);
        double[] length = range(n, "lengthRange", new double[]{0.25, 0.45}, 0.01, 10, problems);
        double noRead = num(n, "noReadRate", 0, 0, 1, problems);
        double spread = num(n, "bagSpreadS", 10, 0, 3600, problems);
        long seed = n.path("seed").canConvertToLong() ? n.path("seed").asLong() : seedProblem(n, problems);
        String prefix = n.path("prefix").asText(prefixDefault);
        if (bags[0] != Math.rint(bags[0]) || bags[1] != Math.rint(bags[1])) problems.add("bagsPerOrder: expected whole numbers");
        return new Traffic(from, minutes, rate, (int) bags[0], (int) bags[1], stations, grams[0], grams[1], length[0],
                length[1], noRead, spread, seed, prefix);
    }

    static Jams parseJams(JsonNode n, List<String> problems) {
        unknownKeys(n, JAM_KEYS, problems);
        double from = num(n, "from", 0, 0, 1e7, problems);
        double minutes = num(n, "minutes", Double.NaN, 1e-9, 24 * 60, problems);
        double count = num(n, "count", Double.NaN, 1, 10_000, problems);
        List<String> zones = names(n, "zones", problems);
        double[] hold = range(n, "holdS", new double[]{8, 12}, 0, 3600, problems);
        double resetAfter = num(n, "resetAfterS", 1, 0, 3600, problems);
        double startAfter = num(n, "startAfterS", 1, 0, 3600, problems);
        long seed = n.path("seed").canConvertToLong() ? n.path("seed").asLong() : seedProblem(n, problems);
        if (count != Math.rint(count)) problems.add("count: expected a whole number");
        return new Jams(from, minutes, (int) count, zones, hold[0], hold[1], resetAfter, startAfter, seed);
    }

    static long seedProblem(JsonNode n, List<String> problems) {
        // a generated scenario without a seed could not be replayed
        problems.add("seed: " + (n.has("seed") ? "expected a whole number" : "missing; generated steps need a seed to be repeatable"));
        return 0;
    }

    private static void unknownKeys(JsonNode n, List<String> known, List<String> problems) {
        n.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) problems.add(k + ": unknown key; expected one of " + known);
        });
    }

    static double num(JsonNode n, String key, double dflt, double min, double max, List<String> problems) {
        JsonNode v = n.get(key);
        if (v == null) {
            if (Double.isNaN(dflt)) problems.add(key + ": missing; expected a number");
            return dflt;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            problems.add(key + ": expected a number from " + fmt(min) + " to " + fmt(max) + ", got " + v);
            return Double.isNaN(dflt) ? min : dflt;
        }
        return v.asDouble();
    }

    static double[] range(JsonNode n, String key, double[] dflt, double min, double max, List<String> problems) {
        JsonNode v = n.get(key);
        if (v == null) return dflt;
        if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()
                || v.get(0).asDouble() < min || v.get(1).asDouble() > max || v.get(0).asDouble() > v.get(1).asDouble()) {
            problems.add(key + ": expected [low, high] with " + fmt(min) + " <= low <= high <= " + fmt(max) + ", got " + v);
            return dflt;
        }
        return new double[]{v.get(0).asDouble(), v.get(1).asDouble()};
    }

    static List<String> names(JsonNode n, String key, List<String> problems) {
        JsonNode v = n.get(key);
        List<String> out = new ArrayList<>();
        if (v != null && v.isArray()) v.forEach(x -> { if (x.isTextual() && !x.asText().isBlank()) out.add(x.asText()); });
        if (v == null || !v.isArray() || out.isEmpty() || out.size() != v.size()) {
            problems.add(key + ": expected a non-empty list of ids, e.g. [pick-1, pick-2]");
            if (out.isEmpty()) out.add("?");
        }
        return List.copyOf(out);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static double round3(double s) {
        return Math.round(s * 1000) / 1000.0;
    }
}
