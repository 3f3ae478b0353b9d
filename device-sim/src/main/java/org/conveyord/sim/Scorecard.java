package org.conveyord.sim;

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
 * The result of a scenario, judged against the orders the scenario itself placed (never against what
 * the daemon reported).
 * <ul>
 *   <li>delivered: a bag in a normal lane where every hung-on bag of its order is in that one lane and
 *       no bag of another order (or without order) shares it</li>
 *   <li>misSorted: an order bag split from its order or sharing a lane with another order; an order bag
 *       in exception without cause (a no-read is a cause); a bag without order or a no-read in a normal lane</li>
 *   <li>exception: bags in the exception lane; lost: bags hung on that are in no lane at the end</li>
 * </ul>
 * A bag that was collected counts in the lane it was collected from.
 *
 * @param mismatches one line per {@code expect} entry that does not hold; empty = passed
 */
public record Scorecard(String scenario, int delivered, int misSorted, int exception, int lost, int collisions,
                        int unexpectedMotion, int labels, int divertMisses, int watchdogTrips, boolean settled,
                        List<String> mismatches) {

    public boolean passed() { return mismatches.isEmpty(); }

    /**
     * @param orders        order id -&gt; bag ids, as the scenario placed them
     * @param hung          bag id -&gt; deliberate no-read, for every bag the scenario hung on
     * @param exceptionLane the line's run-out lane
     */
    public static Scorecard judge(String scenario, Map<String, List<String>> orders, Map<String, Boolean> hung,
                                  SimReport report, String exceptionLane, boolean settled, Map<String, Integer> expect) {
        Map<String, String> orderOf = new HashMap<>();
        orders.forEach((o, bags) -> bags.forEach(b -> orderOf.put(b, o)));
        Map<String, String> laneOf = new HashMap<>();
        for (String bag : hung.keySet()) {
            BagPlace p = report.bags().get(bag);
            if (p != null && p.lane() != null) laneOf.put(bag, p.lane());
        }
        // which orders (null key stands for "no order") each normal lane holds
        Map<String, Set<String>> ordersInLane = new HashMap<>();
        for (var e : laneOf.entrySet()) {
            if (e.getValue().equals(exceptionLane)) continue;
            ordersInLane.computeIfAbsent(e.getValue(), k -> new HashSet<>()).add(orderOf.getOrDefault(e.getKey(), "\u0000none"));
        }
        int delivered = 0, misSorted = 0, exception = 0, lost = 0;
        for (var e : hung.entrySet()) {
            String bag = e.getKey();
            boolean noRead = e.getValue();
            String lane = laneOf.get(bag);
            String order = orderOf.get(bag);
            if (lane == null) {
                lost++;
            } else if (lane.equals(exceptionLane)) {
                exception++;
                if (order != null && !noRead) misSorted++;
            } else if (order == null || noRead) {
                misSorted++;
            } else {
                boolean together = orders.get(order).stream().filter(hung::containsKey)
                        .allMatch(b -> lane.equals(laneOf.get(b)));
                boolean alone = ordersInLane.get(lane).size() == 1;
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
        List<String> mismatches = new ArrayList<>();
        expect.forEach((k, v) -> {
            if (!Objects.equals(actual.get(k), v)) mismatches.add(k + ": expected " + v + ", got " + actual.get(k));
        });
        return new Scorecard(scenario, delivered, misSorted, exception, lost, report.collisions(), report.unexpectedMotion(),
                report.labels(), report.divertMisses(), report.watchdogTrips(), settled, List.copyOf(mismatches));
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
        row(sb, "lost", lost, expect);
        row(sb, "collisions", collisions, expect);
        row(sb, "unexpectedMotion", unexpectedMotion, expect);
        row(sb, "labels", labels, expect);
        row(sb, "divertMisses", divertMisses, expect);
        row(sb, "watchdogTrips", watchdogTrips, expect);
        mismatches.forEach(m -> sb.append("  MISMATCH ").append(m).append(System.lineSeparator()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String key, int actual, Map<String, Integer> expect) {
        Integer e = expect.get(key);
        sb.append(String.format(Locale.ROOT, "  %-17s %6d %8s%s%n", key, actual, e == null ? "-" : e.toString(),
                e != null && e != actual ? "  <--" : ""));
    }
}
