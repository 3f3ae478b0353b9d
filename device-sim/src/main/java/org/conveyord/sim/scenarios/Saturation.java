package org.conveyord.sim.scenarios;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Locale;

/**
 * The {@code saturate:} key of a scenario: every station hangs bags on as fast as its zone takes
 * them, for a while, and the run reports how close the line came to its physical limit.
 * <pre>
 * saturate: {from: 3, minutes: 10, stations: [pick-1, pick-2], bagsPerOrder: [1, 4],
 *            lengthRange: [0.25, 0.45], gramsRange: [300, 3000], queueDepth: 2, seed: 11}
 * </pre>
 * Each station always has {@code queueDepth} bags waiting to be hung on (the simulator hangs a
 * queued bag as soon as its zone has room), so the stations never wait for a picker. A station
 * works through one order at a time; the order is placed on the daemon when its first bag is
 * queued. Orders carry no expected weight: a check-weighed bag stands still on the scale, which
 * measures the scale, not the sorter.
 *
 * @param queueDepth bags kept waiting at each station
 * @param prefix     order ids are {@code <prefix>-<station>-0001}, bag ids {@code <order>-1}
 */
public record Saturation(double from, double minutes, List<String> stations, int minBags, int maxBags,
                         double lengthMin, double lengthMax, double gramsMin, double gramsMax, int queueDepth,
                         long seed, String prefix) {

    static final List<String> KEYS = List.of("from", "minutes", "stations", "bagsPerOrder", "lengthRange",
            "gramsRange", "queueDepth", "seed", "prefix");

    public double endS() { return from + minutes * 60; }

    /** Reads a {@code saturate:} map; every problem is added as "key: message" to {@code problems}. */
    static Saturation parse(JsonNode n, List<String> problems) {
        n.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) problems.add(k + ": unknown key; expected one of " + KEYS);
        });
        double from = GeneratedSteps.num(n, "from", 0, 0, 1e7, problems);
        double minutes = GeneratedSteps.num(n, "minutes", 10, 1e-3, 24 * 60, problems);
        List<String> stations = GeneratedSteps.names(n, "stations", problems);
        double[] bags = GeneratedSteps.range(n, "bagsPerOrder", new double[]{1, 4}, 1, 100, problems);
        double[] length = GeneratedSteps.range(n, "lengthRange", new double[]{0.25, 0.45}, 0.01, 10, problems);
        double[] grams = GeneratedSteps.range(n, "gramsRange", new double[]{300, 3000}, 0, 100_000, problems);
        double depth = GeneratedSteps.num(n, "queueDepth", 2, 1, 100, problems);
        long seed = n.path("seed").canConvertToLong() ? n.path("seed").asLong() : GeneratedSteps.seedProblem(n, problems);
        if (bags[0] != Math.rint(bags[0]) || bags[1] != Math.rint(bags[1])) problems.add("bagsPerOrder: expected whole numbers");
        if (depth != Math.rint(depth)) problems.add("queueDepth: expected a whole number");
        return new Saturation(from, minutes, stations, (int) bags[0], (int) bags[1], length[0], length[1], grams[0],
                grams[1], (int) depth, seed, n.path("prefix").asText("S"));
    }

    /**
     * What a saturation run achieved, counted from where the bags physically went (the simulator),
     * over the saturated window: from the first bag into a lane until the stations stopped hanging on.
     *
     * @param windowS          length of that window
     * @param sortedPerHour    bags into any lane (the exception lane included) per hour
     * @param deliveredPerHour bags into order lanes per hour (every one judged by the scorecard)
     * @param meanLengthM      mean length of the bags hung on
     * @param limitPerHour     speed / (mean bag length + the sorter's minimum gap), per hour
     * @param zoneGapM         the gap zero-pressure accumulation leaves between bags: a zone takes a bag
     *                         only once its eye saw the last one leave, so the next bag, waiting at the
     *                         eye before, starts that far behind (the widest over every hand-over; into
     *                         the sorter, the eye-to-entry-eye distance plus the minimum gap)
     * @param zoneLimitPerHour speed / (mean bag length + zoneGapM): what one bag per zone allows
     */
    public record Throughput(int hung, double windowS, int sortedInWindow, int deliveredInWindow, double sortedPerHour,
                             double deliveredPerHour, double speedMps, double meanLengthM, double minGapM,
                             double limitPerHour, double zoneGapM, double zoneLimitPerHour) {

        /** Delivered bags per hour as a share of the physical limit, 0..1. */
        public double ratio() { return limitPerHour <= 0 ? 0 : deliveredPerHour / limitPerHour; }

        public String table() {
            return String.format(Locale.ROOT, """
                      saturation over %.0f s: %d bags hung on, mean length %.3f m, speed %.2f m/s, minimum gap %.2f m
                      physical limit    %8.0f bags/h  (speed / (mean length + minimum gap))
                      sorted            %8.0f bags/h  (%d bags into a lane in the window)
                      one bag per zone  %8.0f bags/h  (speed / (mean length + %.2f m, the accumulation gap))
                      delivered         %8.0f bags/h  (%d bags into order lanes) = %.1f %% of the limit, %.1f %% of one bag per zone
                    """, windowS, hung, meanLengthM, speedMps, minGapM, limitPerHour, sortedPerHour, sortedInWindow,
                    zoneLimitPerHour, zoneGapM, deliveredPerHour, deliveredInWindow, ratio() * 100,
                    zoneLimitPerHour <= 0 ? 0 : deliveredPerHour / zoneLimitPerHour * 100);
        }

        public String json() {
            return String.format(Locale.ROOT, "{\"hung\":%d,\"windowS\":%.1f,\"sortedPerHour\":%.0f,\"deliveredPerHour\":%.0f,"
                            + "\"limitPerHour\":%.0f,\"ratio\":%.4f,\"speedMps\":%.3f,\"meanLengthM\":%.4f,\"minGapM\":%.3f,"
                            + "\"zoneGapM\":%.3f,\"zoneLimitPerHour\":%.0f}",
                    hung, windowS, sortedPerHour, deliveredPerHour, limitPerHour, ratio(), speedMps, meanLengthM, minGapM,
                    zoneGapM, zoneLimitPerHour);
        }
    }
}
