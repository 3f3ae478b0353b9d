package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One stall of the control loop (~220 ms, as the saturation run saw under load) while bags ride the
 * sorter, in virtual time against the simulator: the world runs on through the stall and the loop
 * then handles the edges late, so a diverter due in the stall comes out late and its bag passes it
 * part way out. That bag may cost itself only: it ends in exception with a reason (or reported
 * lost), no order lane sees a stranger, and every other bag of a saturated two-station run still reaches its
 * own order's lane (or exception with a reason), never another order's.
 */
class LoopStallTest {
    private static final LineConfig LINE = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.05, false));
    private static final long STALL_NANOS = 220_000_000L;

    /** Stall times (s after start) where the stall falls just before a diverter is due; the seed picks the bags. */
    @ParameterizedTest(name = "stall at {0} s, seed {1}")
    @CsvSource({"8.30, 11", "12.50, 11", "20.40, 11", "15.325, 11"})
    void aStallWhileBagsRideTheSorterCostsOnlyTheBagWhoseDivertItMadeLate(double stallAtS, long seed) {
        SimSettings settings = new SimSettings(0.05, 100, 0.35, 1000, 400, false, 1000, 3000, seed);
        Random r = new Random(seed);
        Map<String, String> orderOf = new HashMap<>();
        try (VirtualLineRig rig = new VirtualLineRig(LINE, settings)) {
            int[] n = {0, 0};
            for (int o = 0; o < 16; o++) {
                int st = o % 2;
                String station = "pick-" + (st + 1);
                String order = String.format("S-%s-%04d", station, ++n[st]);
                List<String> ids = new ArrayList<>();
                int size = 1 + r.nextInt(4);
                for (int b = 1; b <= size; b++) ids.add(order + "-" + b);
                ids.forEach(b -> orderOf.put(b, order));
                assertThat(rig.command(() -> rig.line.placeOrder(order, ids.stream().map(b -> new OrderBook.OrderBag(b, null)).toList(),
                        null, "c-" + order)).ok()).isTrue();
                // both stations saturated: the simulator hangs each bag on as soon as its zone has room
                for (String b : ids) rig.world.hangBag(b, station, 300 + r.nextInt(2700), 0.25 + r.nextDouble() * 0.2, false);
            }
            assertThat(rig.command(() -> rig.line.requestStart("c-start", "test")).ok()).isTrue();
            double t0 = rig.clock.nanos() / 1e9;
            boolean stalled = false;
            Map<String, Double> collectAt = new TreeMap<>();
            Set<Long> seen = new HashSet<>();
            double settledAt = Double.NaN;
            while (true) {
                double now = rig.clock.nanos() / 1e9 - t0;
                if (!stalled && now >= stallAtS) {
                    stalled = true;
                    rig.line.post(() -> rig.clock.spend(STALL_NANOS));
                }
                // a rider empties a lane 1 s after its order is complete, or 5 s after it was given up
                for (var e : rig.events.events) {
                    boolean complete = e.type().equals("order-complete");
                    if ((complete || e.type().equals("order-incomplete")) && !"null".equals(e.fields().get("dest")) && seen.add(e.seq())) {
                        collectAt.put(String.valueOf(e.fields().get("dest")), now + (complete ? 1 : 5));
                    }
                }
                for (var it = collectAt.entrySet().iterator(); it.hasNext(); ) {
                    var c = it.next();
                    if (c.getValue() > now) continue;
                    it.remove();
                    String lane = c.getKey();
                    Set<String> ordersInLane = rig.world.bagPlaces().entrySet().stream().filter(p -> lane.equals(p.getValue().at()))
                            .map(p -> orderOf.get(p.getKey())).collect(Collectors.toSet());
                    assertThat(ordersInLane).as("orders in %s at collect", lane).hasSizeLessThanOrEqualTo(1);
                    rig.world.collect(lane);
                    assertThat(rig.command(() -> rig.line.collect(lane, "c-collect-" + lane + "-" + now)).ok()).isTrue();
                }
                rig.step();
                if (Double.isNaN(settledAt) && now > 10 && rig.world.settled() && collectAt.isEmpty()) settledAt = now;
                // past every deadline of a bag the daemon still expects somewhere
                if (!Double.isNaN(settledAt) && now > settledAt + 15) break;
                assertThat(now).as("the line settles").isLessThan(400);
            }

            assertThat(rig.world.collisions()).as("collisions").isZero();
            assertThat(rig.world.divertMisses()).as("a bag passing a diverter part way out").isLessThanOrEqualTo(1);
            Map<String, String> laneOfOrder = new HashMap<>();
            Set<String> explained = new HashSet<>();
            for (var e : rig.events.ofType("bag-diverted")) {
                String bag = String.valueOf(e.fields().get("bag"));
                String dest = String.valueOf(e.fields().get("dest"));
                if (dest.startsWith("lane-")) laneOfOrder.putIfAbsent(orderOf.get(bag), dest);
                else if (e.fields().get("reason") != null) explained.add(bag);
            }
            Set<String> lost = rig.events.ofType("bag-lost").stream().map(e -> String.valueOf(e.fields().get("bag"))).collect(Collectors.toSet());
            List<String> wrong = new ArrayList<>();
            List<String> affected = new ArrayList<>();
            for (var p : rig.world.bagPlaces().entrySet()) {
                BagPlace bp = p.getValue();
                String where = "collected".equals(bp.at()) ? bp.lane() : bp.at();
                String bag = p.getKey();
                if ("exception".equals(where)) {
                    if (lost.contains(bag) || explained.contains(bag)) affected.add(bag);
                    else wrong.add(bag + " in exception without a reason");
                } else if (lost.contains(bag)) {
                    wrong.add(bag + " in " + where + " but reported lost");
                } else if (!where.equals(laneOfOrder.get(orderOf.get(bag)))) {
                    wrong.add(bag + " in " + where + " (its order's lane " + laneOfOrder.get(orderOf.get(bag)) + ")");
                }
            }
            assertThat(wrong).as("bags neither in their order's lane nor explained in exception").isEmpty();
            assertThat(affected).as("the bag whose divert the stall made late: in exception, explained").hasSize(1);
            assertThat(rig.events.ofType("lane-unexpected-arrival")).as("no order lane sees a stranger")
                    .allSatisfy(e -> assertThat(e.fields()).containsEntry("lane", "exception")).hasSizeLessThanOrEqualTo(1);
        }
    }
}
