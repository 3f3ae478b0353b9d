package org.conveyord.sim.scenarios;

import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.SimReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The result of a scenario, judged against the orders the scenario itself placed and where the bags
 * physically ended up (never against where the daemon says they are).
 * <ul>
 *   <li>delivered: an order bag in a normal lane, together with every bag of its order that reached a
 *       normal lane, and with no bag of another order (or without order) in that lane load</li>
 *   <li>misSorted: an order bag split from its order or sharing a lane load with another order; a bag
 *       without order or a deliberate no-read in a normal lane</li>
 *   <li>exception: bags in the exception lane; lost: bags hung on that are in no lane at the end</li>
 *   <li>unexplained: bags in the exception lane without a daemon {@code bag-diverted} event to exception
 *       carrying a {@code reason}; any of these fails the scorecard whatever {@code expect} says</li>
 * </ul>
 * A bag that was collected counts in the lane it was collected from. A lane used by several orders
 * one after another (a rider collected it in between) is judged per load ({@link BagPlace#load()}).
 *
 * <p>Reasons: the daemon names a bag it read by its barcode; a bag it could not identify (a no-read,
 * an unknown item after a restart) gets a generated id. So a bag in exception is explained by an event
 * with its own id, or else by one of the events whose id is not a scenario bag, each such event
 * explaining one bag.
 *
 * @param notes      things worth reading that are not counts, e.g. a command the daemon refused
 * @param mismatches one line per failed expectation; empty = passed
 * @param throughput what a {@link Saturation saturation} run achieved; null for other scenarios
 */
public record Scorecard(String scenario, int delivered, int misSorted, int exception, int lost, int collisions,
                        int unexpectedMotion, int labels, int divertMisses, int watchdogTrips, int unexplained,
                        boolean settled, List<String> notes, List<String> mismatches, Saturation.Throughput throughput) {

    public boolean passed() { return mismatches.isEmpty(); }

    public Scorecard withThroughput(Saturation.Throughput t) {
        return new Scorecard(scenario, delivered, misSorted, exception, lost, collisions, unexpectedMotion, labels,
                divertMisses, watchdogTrips, unexplained, settled, notes, mismatches, t);
    }

    /**
     * What the daemon said about the bags it sent to exception.
     *
     * @param reasonByBag bag id -&gt; reason, from {@code bag-diverted} events with {@code dest} exception
     *                    and a non-empty {@code reason}
     * @param eventBags   the bag id of every such event, repeats included (a restarted daemon may
     *                    hand out a generated id again)
     */
    public record ExceptionReasons(Map<String, String> reasonByBag, List<String> eventBags) {
        public static final ExceptionReasons NONE = new ExceptionReasons(Map.of(), List.of());

        public ExceptionReasons {
            reasonByBag = Map.copyOf(reasonByBag);
            eventBags = List.copyOf(eventBags);
        }
    }

    /**
     * Judging without the daemon's events (a deliberate no-read is the only accepted cause for an
     * order bag in exception; nothing counts as unexplained).
     *
     * @param orders        order id -&gt; bag ids, as the scenario placed them
     * @param hung          bag id -&gt; deliberate no-read, for every bag the scenario hung on
     * @param exceptionLane the line's run-out lane
     */
    public static Scorecard judge(String scenario, Map<String, List<String>> orders, Map<String, Boolean> hung,
                                  SimReport report, String exceptionLane, boolean settled, Map<String, Integer> expect) {
        return judge(scenario, orders, hung, report, exceptionLane, settled, expect, null, List.of());
    }

    /**
     * @param reasons what the daemon reported for bags sent to exception; null = not observed
     * @param notes   carried into the scorecard as they are
     */
    public static Scorecard judge(String scenario, Map<String, List<String>> orders, Map<String, Boolean> hung,
                                  SimReport report, String exceptionLane, boolean settled, Map<String, Integer> expect,
                                  ExceptionReasons reasons, List<String> notes) {
        Map<String, String> orderOf = new HashMap<>();
        orders.forEach((o, bags) -> bags.forEach(b -> orderOf.put(b, o)));
        Map<String, String> loadOf = new HashMap<>();
        for (String bag : hung.keySet()) {
            BagPlace p = report.bags().get(bag);
            if (p != null && p.lane() != null) {
                loadOf.put(bag, p.lane().equals(exceptionLane) ? exceptionLane : p.lane() + "#" + p.load());
            }
        }
        // which orders (a marker stands for "no order") each load of a normal lane holds
        Map<String, Set<String>> ordersInLoad = new HashMap<>();
        for (var e : loadOf.entrySet()) {
            if (e.getValue().equals(exceptionLane)) continue;
            String order = hung.get(e.getKey()) ? null : orderOf.get(e.getKey());
            ordersInLoad.computeIfAbsent(e.getValue(), k -> new HashSet<>()).add(order == null ? "\u0000none" : order);
        }
        int anonymous = 0;
        if (reasons != null) {
            for (String bag : reasons.eventBags()) if (!hung.containsKey(bag)) anonymous++;
        }
        int delivered = 0, misSorted = 0, exception = 0, lost = 0, unexplained = 0;
        List<String> unexplainedBags = new ArrayList<>();
        for (var e : hung.entrySet()) {
            String bag = e.getKey();
            boolean noRead = e.getValue();
            String load = loadOf.get(bag);
            String order = orderOf.get(bag);
            if (load == null) {
                lost++;
            } else if (load.equals(exceptionLane)) {
                exception++;
                if (reasons == null) {
                    if (order != null && !noRead) misSorted++;
                } else if (!reasons.reasonByBag().containsKey(bag)) {
                    if (anonymous > 0) {
                        anonymous--;
                    } else {
                        unexplained++;
                        unexplainedBags.add(bag);
                    }
                }
            } else if (order == null || noRead) {
                misSorted++;
            } else {
                boolean together = orders.get(order).stream().filter(loadOf::containsKey)
                        .filter(b -> reasons == null || !exceptionLane.equals(loadOf.get(b)))
                        .allMatch(b -> load.equals(loadOf.get(b)));
                boolean alone = ordersInLoad.get(load).size() == 1;
                if (together && alone) delivered++;
                else misSorted++;
            }
        }
        Map<String, Integer> actual = new LinkedHashMap<>();
        actual.put("delivered", delivered);
        actual.put("misSorted", misSorted);
        actual.put("exception", exception);
        actual.put("lost", lost);
        actual.put("collisions", report.collisions());
        actual.put("unexpectedMotion", report.unexpectedMotion());
        actual.put("labels", report.labels());
        actual.put("divertMisses", report.divertMisses());
        actual.put("watchdogTrips", report.watchdogTrips());
        actual.put("unexplained", unexplained);
        List<String> mismatches = new ArrayList<>();
        expect.forEach((k, v) -> {
            if (!Objects.equals(actual.get(k), v)) mismatches.add(k + ": expected " + v + ", got " + actual.get(k));
        });
        if (report.unexpectedMotion() > 0 && !expect.containsKey("unexpectedMotion")) {
            // motion nobody was warned of fails every scenario, whether it says so or not
            mismatches.add("unexpectedMotion: " + report.unexpectedMotion() + " motor start(s) after a latched stop without the horn");
        }
        if (unexplained > 0 && !expect.containsKey("unexplained")) {
            mismatches.add("unexplained: " + unexplained + " bag(s) in exception without a reason from the daemon: "
                    + (unexplainedBags.size() > 10 ? unexplainedBags.subList(0, 10) + " ..." : unexplainedBags));
        }
        return new Scorecard(scenario, delivered, misSorted, exception, lost, report.collisions(), report.unexpectedMotion(),
                report.labels(), report.divertMisses(), report.watchdogTrips(), unexplained, settled, List.copyOf(notes),
                List.copyOf(mismatches), null);
    }

    /** A small table for stdout. */
    public String table(Map<String, Integer> expect) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "scenario %s: %s%s%n", scenario, passed() ? "PASSED" : "FAILED",
                settled ? "" : " (not settled at the timeout)"));
        sb.append(String.format(Locale.ROOT, "  %-17s %6s %8s%n", "", "actual", "expected"));
        row(sb, "delivered", delivered, expect);
        row(sb, "misSorted", misSorted, expect);
        row(sb, "exception", exception, expect);
        row(sb, "unexplained", unexplained, expect);
        row(sb, "lost", lost, expect);
        row(sb, "collisions", collisions, expect);
        row(sb, "unexpectedMotion", unexpectedMotion, expect);
        row(sb, "labels", labels, expect);
        row(sb, "divertMisses", divertMisses, expect);
        row(sb, "watchdogTrips", watchdogTrips, expect);
        if (throughput != null) sb.append(throughput.table().replace("\n", System.lineSeparator()));
        notes.forEach(n -> sb.append("  note: ").append(n).append(System.lineSeparator()));
        mismatches.forEach(m -> sb.append("  MISMATCH ").append(m).append(System.lineSeparator()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String key, int actual, Map<String, Integer> expect) {
        Integer e = expect.get(key);
        sb.append(String.format(Locale.ROOT, "  %-17s %6d %8s%s%n", key, actual, e == null ? "-" : e.toString(),
                e != null && e != actual ? "  <--" : ""));
    }
}
