package org.conveyord.conveyor;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a state listener (the MQTT gateway) reads the moment it is told of a change is the state
 * that change made, never the copy from before the step: after any run and a quiet spell, the last
 * state read at a notification equals the line's state now.
 */
class LineStatePublishTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);

    private static VirtualLineRig rig() {
        return new VirtualLineRig(LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false)), SETTINGS);
    }

    /** Reads the state at every notification, as an immediate publish does; keeps the last one. */
    private static List<Map<String, Object>> readOnNotify(VirtualLineRig rig) {
        List<Map<String, Object>> read = new ArrayList<>();
        rig.stateListener = id -> read.add(rig.line.snapshot());
        return read;
    }

    @Test
    void aLatchedJamIsInTheStateReadAtItsNotification() {
        try (VirtualLineRig rig = rig()) {
            List<Map<String, Object>> read = readOnNotify(rig);
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.setJam("z1", true);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> rig.events.ofType("jam").size() >= 2, 90)).isTrue();
            rig.runFor(3);
            String zone = String.valueOf(rig.events.ofType("jam").getFirst().fields().get("zone"));
            assertThat(jammedZones(read.getLast())).as("zones jammed in the last state read at a notification").containsExactly(zone);
            assertThat(String.valueOf(read.getLast().get("faults"))).contains("jam " + zone);
            assertThat(comparable(read.getLast())).isEqualTo(comparable(rig.line.snapshot()));
        }
    }

    record Hang(String bag, String station, double at, boolean noRead) {}

    record Run(List<Hang> bags, Map<String, List<String>> orders, String jamZone, double jamAt, double jamHoldS, double quietS) {}

    @Provide
    Arbitrary<Run> runs() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.of("none", "p1", "m1", "z1", "w1"),
                Arbitraries.doubles().between(1, 15), Arbitraries.doubles().between(1, 8), Arbitraries.doubles().between(0.2, 5))
                .as((seed, jamZone, jamAt, hold, quiet) -> {
                    Random r = new Random(seed);
                    List<Hang> bags = new ArrayList<>();
                    Map<String, List<String>> orders = new LinkedHashMap<>();
                    int n = 1 + r.nextInt(6);
                    for (int i = 1; i <= n; i++) {
                        String id = "B-" + i;
                        bags.add(new Hang(id, r.nextBoolean() ? "pick-1" : "pick-2", r.nextDouble() * 15, r.nextInt(8) == 0));
                        if (r.nextInt(4) > 0) orders.computeIfAbsent("O-" + r.nextInt(3), k -> new ArrayList<>()).add(id);
                    }
                    return new Run(bags, orders, jamZone.equals("none") ? null : jamZone, jamAt, hold, quiet);
                });
    }

    /** Random bags and orders, maybe a jam that latches or frees itself, a rider collecting: then quiet. */
    @Property(tries = 30, shrinking = ShrinkingMode.OFF)
    void theLastStateReadAtANotificationIsTheLinesState(@ForAll("runs") Run run) {
        try (VirtualLineRig rig = rig()) {
            List<Map<String, Object>> read = readOnNotify(rig);
            run.orders().forEach((order, bags) -> rig.command(() -> rig.line.placeOrder(order,
                    bags.stream().map(b -> new OrderBook.OrderBag(b, null)).toList(), null, "c-" + order)));
            rig.command(() -> rig.line.requestStart("c-s", "test"));
            List<Hang> pending = new ArrayList<>(run.bags());
            double t0 = rig.clock.nanos() / 1e9;
            boolean jamSet = false, jamFreed = false;
            while (rig.clock.nanos() / 1e9 - t0 < 40) {
                double now = rig.clock.nanos() / 1e9 - t0;
                for (var it = pending.iterator(); it.hasNext(); ) {
                    Hang h = it.next();
                    if (h.at() > now) continue;
                    it.remove();
                    rig.world.hangBag(h.bag(), h.station(), 800, 0.35, h.noRead());
                }
                if (run.jamZone() != null && !jamSet && now >= run.jamAt()) {
                    jamSet = true;
                    rig.world.setJam(run.jamZone(), true);
                } else if (jamSet && !jamFreed && now >= run.jamAt() + run.jamHoldS()) {
                    jamFreed = true;
                    rig.world.setJam(run.jamZone(), false);
                }
                if (now > 30 && rig.events.ofType("order-complete").size() > 0 && rig.events.ofType("lane-released").isEmpty()) {
                    String lane = String.valueOf(rig.events.ofType("order-complete").getFirst().fields().get("dest"));
                    rig.world.collect(lane);
                    rig.command(() -> rig.line.collect(lane, "c-collect"));
                }
                rig.step();
            }
            rig.runFor(run.quietS());
            assertThat(read).as("the line told of changes").isNotEmpty();
            assertThat(comparable(read.getLast())).as("last state read at a notification, run %s", run)
                    .isEqualTo(comparable(rig.line.snapshot()));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> jammedZones(Map<String, Object> state) {
        return ((List<Map<String, Object>>) state.get("zones")).stream()
                .filter(z -> Boolean.TRUE.equals(z.get("jammed"))).map(z -> String.valueOf(z.get("id"))).toList();
    }

    /**
     * The state without what moves on the loop's tick rather than by an event: the stack light
     * blinks, and a zone motor may wait out the sorter's gap. Neither is a change the line reports.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> comparable(Map<String, Object> state) {
        Map<String, Object> m = new LinkedHashMap<>(state);
        m.remove("stackLight");
        m.put("zones", ((List<Map<String, Object>>) state.get("zones")).stream().map(z -> {
            Map<String, Object> c = new LinkedHashMap<>(z);
            c.remove("motor");
            return c;
        }).toList());
        return m;
    }
}
