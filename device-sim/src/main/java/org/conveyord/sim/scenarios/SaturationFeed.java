package org.conveyord.sim.scenarios;

import org.conveyord.config.LineConfig;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.physics.BagPlace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Plays a {@link Saturation}: keeps every station's queue full while the window lasts, placing each
 * station's next order when its first bag is queued, and notes when each bag physically reached a
 * lane. Used by the scenario runner's thread only.
 */
final class SaturationFeed {

    /** How the feed places an order on the daemon (the runner's resending command path). */
    interface OrderPlacer {
        void place(String order, List<String> bags) throws InterruptedException;
    }

    private record Pending(String bag, double grams, double lengthM) {}

    private static final long POLL_NANOS = 200_000_000L;

    private final Saturation spec;
    private final DeviceSim sim;
    private final OrderPlacer placer;
    private final Random random;
    private final Set<String> normalLanes;
    private final String exceptionLane;
    private final double speedMps;
    private final double minGapM;
    private final double zoneGapM;
    private final Map<String, Deque<Pending>> orderLeft = new HashMap<>();
    private final Map<String, Integer> ordersPlaced = new HashMap<>();
    private final Map<String, List<String>> orders = new LinkedHashMap<>();
    private final Map<String, Boolean> hung = new LinkedHashMap<>();
    private final Map<String, Long> laneArrival = new HashMap<>();
    private final Map<String, String> laneOf = new HashMap<>();
    private final long t0;
    private long nextPoll;
    private double lengthSum;

    SaturationFeed(Saturation spec, DeviceSim sim, LineConfig line, Set<String> normalLanes, String exceptionLane,
                   long t0, OrderPlacer placer) {
        this.spec = spec;
        this.sim = sim;
        this.placer = placer;
        this.random = new Random(spec.seed());
        this.normalLanes = normalLanes;
        this.exceptionLane = exceptionLane;
        this.speedMps = line.speedMpsOrDefault();
        this.minGapM = line.sorter() == null ? 0 : line.sorter().minGapMOrDefault();
        this.zoneGapM = accumulationGapM(line);
        this.t0 = t0;
        spec.stations().forEach(s -> orderLeft.put(s, new ArrayDeque<>()));
    }

    /**
     * Tops up the station queues while the window lasts, and after it until each station's order is
     * whole (a half-hung order would never complete); notes lane arrivals.
     */
    void tick(long now) throws InterruptedException {
        double t = (now - t0) / 1e9;
        if (t >= spec.from()) {
            for (String station : spec.stations()) {
                boolean open = t < spec.endS() || !orderLeft.get(station).isEmpty();
                while (open && sim.queuedAt(station) < spec.queueDepth()) {
                    hangNext(station);
                    open = t < spec.endS() || !orderLeft.get(station).isEmpty();
                }
            }
        }
        if (now - nextPoll >= 0) {
            nextPoll = now + POLL_NANOS;
            noteArrivals(now);
        }
    }

    /** Whether the stations stopped hanging bags on. */
    boolean done(long now) {
        return (now - t0) / 1e9 >= spec.endS() && orderLeft.values().stream().allMatch(Deque::isEmpty);
    }

    Map<String, List<String>> orders() { return orders; }

    /** Bag id -&gt; deliberate no-read (never, here). */
    Map<String, Boolean> hung() { return hung; }

    private void hangNext(String station) throws InterruptedException {
        Deque<Pending> left = orderLeft.get(station);
        if (left.isEmpty()) {
            int n = ordersPlaced.merge(station, 1, Integer::sum);
            String order = String.format(Locale.ROOT, "%s-%s-%04d", spec.prefix(), station, n);
            int count = spec.minBags() + random.nextInt(spec.maxBags() - spec.minBags() + 1);
            List<String> ids = new ArrayList<>();
            for (int k = 1; k <= count; k++) {
                double grams = Math.round(spec.gramsMin() + random.nextDouble() * (spec.gramsMax() - spec.gramsMin()));
                double length = Math.round((spec.lengthMin() + random.nextDouble() * (spec.lengthMax() - spec.lengthMin())) * 100) / 100.0;
                left.add(new Pending(order + "-" + k, grams, length));
                ids.add(order + "-" + k);
            }
            orders.put(order, ids);
            placer.place(order, ids);
        }
        Pending p = left.poll();
        hung.put(p.bag(), false);
        lengthSum += p.lengthM();
        sim.hangBag(p.bag(), station, p.grams(), p.lengthM(), false);
    }

    private void noteArrivals(long now) {
        if (laneArrival.size() == hung.size()) return;
        Map<String, BagPlace> places = sim.report().bags();
        for (String bag : hung.keySet()) {
            if (laneArrival.containsKey(bag)) continue;
            BagPlace p = places.get(bag);
            if (p != null && p.lane() != null) {
                laneArrival.put(bag, now);
                laneOf.put(bag, p.lane());
            }
        }
    }

    /** The figures over the saturated window: from the first bag in a lane until the stations stopped. */
    Saturation.Throughput throughput(long now) {
        noteArrivals(now);
        long end = t0 + (long) (spec.endS() * 1e9);
        long first = laneArrival.values().stream().min(Long::compare).orElse(end);
        double windowS = Math.max(0, (end - first) / 1e9);
        int sorted = 0, delivered = 0;
        for (var e : laneArrival.entrySet()) {
            if (e.getValue() - end > 0) continue;
            sorted++;
            String lane = laneOf.get(e.getKey());
            if (normalLanes.contains(lane) && !lane.equals(exceptionLane)) delivered++;
        }
        // bags per spacing: the first arrival opens the window, so n arrivals are n - 1 spacings
        double sortedPerHour = windowS <= 0 || sorted < 2 ? 0 : (sorted - 1) / windowS * 3600;
        double deliveredPerHour = windowS <= 0 || sorted < 2 ? 0 : sortedPerHour * delivered / sorted;
        double meanLength = hung.isEmpty() ? 0 : lengthSum / hung.size();
        double limit = meanLength + minGapM <= 0 ? 0 : speedMps / (meanLength + minGapM) * 3600;
        double zoneLimit = meanLength + zoneGapM <= 0 ? 0 : speedMps / (meanLength + zoneGapM) * 3600;
        return new Saturation.Throughput(hung.size(), windowS, sorted, delivered, sortedPerHour, deliveredPerHour,
                speedMps, meanLength, minGapM, limit, zoneGapM, zoneLimit);
    }

    /**
     * The widest gap the daemon's accumulation leaves between consecutive bags at a hand-over: the
     * next bag waits with its head at its zone's eye until the bag ahead left the next zone's eye
     * (from eye to eye), or into the sorter until the bag ahead cleared the entry eye and the
     * minimum gap passed.
     */
    static double accumulationGapM(LineConfig line) {
        double widest = 0;
        for (LineConfig.Zone z : line.zonesOrEmpty()) {
            double toEnd = z.lengthMOrDefault() - z.eyeAtMOrDefault();
            double gap;
            if (LineConfig.SORTER.equals(z.next()) || z.next() == null) {
                gap = line.sorter() == null ? 0 : toEnd + line.sorter().entryEyeAtMOrDefault() + line.sorter().minGapMOrDefault();
            } else {
                gap = line.zone(z.next()).map(d -> toEnd + d.eyeAtMOrDefault()).orElse(0.0);
            }
            widest = Math.max(widest, gap);
        }
        return widest;
    }
}
