package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lane too small for its order, in virtual time against the simulator: with {@code laneFull:
 * hold} the bag waits before the sorter until staff empty the lane (partial collect) and then
 * joins its order; with the default it goes to exception with reason lane-full.
 */
class LaneFullTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);

    /** The demo layout with every order lane holding two bags. */
    private static LineConfig smallLanes(String policy) {
        LineConfig l = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));
        List<LineConfig.Lane> lanes = l.lanes().stream()
                .map(x -> x.id().equals("exception") ? x : new LineConfig.Lane(x.id(), x.eye(), x.fullEye(), 2)).toList();
        return new LineConfig(l.speedMps(), l.startWarningS(), l.estop(), l.horn(), l.stackLight(), l.heartbeat(), l.buttons(),
                l.remoteEstopReset(), l.maxBagLengthM(), l.zones(), l.stations(), l.sorter(), lanes, l.printer(),
                l.sensorJamS(), l.arrivalJamMarginS(), null, null, null, null, policy);
    }

    private static void orderOfThree(VirtualLineRig rig) {
        List<OrderBook.OrderBag> bags = List.of(new OrderBook.OrderBag("B-1", null), new OrderBook.OrderBag("B-2", null),
                new OrderBook.OrderBag("B-3", null));
        assertThat(rig.command(() -> rig.line.placeOrder("O-1", bags, null, "c-o")).ok()).isTrue();
        assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
        for (String b : List.of("B-1", "B-2", "B-3")) rig.world.hangBag(b, "pick-1", 900, 0.35, false);
    }

    @SuppressWarnings("unchecked")
    private static Object heldFor(VirtualLineRig rig, String zone) {
        var zones = (List<Map<String, Object>>) rig.line.snapshot().get("zones");
        return zones.stream().filter(z -> zone.equals(z.get("id"))).findFirst().orElseThrow().get("heldForFullLane");
    }

    @Test
    @SuppressWarnings("unchecked")
    void holdKeepsTheBagBeforeTheSorterUntilStaffEmptyTheLane() {
        try (VirtualLineRig rig = new VirtualLineRig(smallLanes("hold"), SETTINGS)) {
            orderOfThree(rig);
            assertThat(rig.runUntil(() -> "w1".equals(rig.world.bagPlaces().get("B-3").at())
                    && rig.events.ofType("bag-arrived").size() == 2 && heldFor(rig, "w1") != null, 60)).isTrue();
            String lane = rig.world.bagPlaces().get("B-1").at();
            assertThat(lane).startsWith("lane-");
            assertThat(heldFor(rig, "w1")).isEqualTo(lane);
            rig.runFor(20);   // it keeps waiting: no timer sends it to exception behind the staff's back
            assertThat(rig.world.bagPlaces().get("B-3").at()).isEqualTo("w1");
            assertThat(rig.events.ofType("bag-diverted")).noneSatisfy(e -> assertThat(e.fields()).containsEntry("dest", "exception"));

            // staff take the two bags out and say so; the lane stays O-1's
            rig.world.collect(lane);
            CommandResult r = rig.command(() -> rig.line.collect(lane, true, "c-partial"));
            assertThat(r.ok()).isTrue();
            assertThat((Map<String, Object>) r.result()).containsEntry("released", false).containsEntry("bags", 2);
            assertThat(rig.events.ofType("lane-released")).isEmpty();

            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-3").at()).isEqualTo(lane);
            assertThat(rig.events.ofType("order-complete")).singleElement()
                    .satisfies(e -> assertThat(e.fields()).containsEntry("dest", lane).containsEntry("order", "O-1"));
            assertThat(heldFor(rig, "w1")).isNull();
            assertThat(rig.world.collisions()).isZero();

            // the rider takes the rest: now the lane is free
            assertThat(rig.command(() -> rig.line.collect(lane, "c-collect")).ok()).isTrue();
            assertThat(rig.events.ofType("lane-released")).singleElement().satisfies(e -> assertThat(e.fields()).containsEntry("lane", lane));
        }
    }

    @Test
    void byDefaultTheBagForAFullLaneGoesToExceptionWithItsReason() {
        try (VirtualLineRig rig = new VirtualLineRig(smallLanes(null), SETTINGS)) {
            orderOfThree(rig);
            assertThat(rig.runUntil(() -> rig.world.settled() && rig.world.bagPlaces().size() == 3, 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-3").at()).isEqualTo("exception");
            assertThat(rig.events.ofType("bag-diverted")).anySatisfy(e -> assertThat(e.fields())
                    .containsEntry("bag", "B-3").containsEntry("dest", "exception").containsEntry("reason", "lane-full"));
        }
    }
}
