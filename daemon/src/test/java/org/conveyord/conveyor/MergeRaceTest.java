package org.conveyord.conveyor;

import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both stations hang a bag on at the same instant, as the saturation scenario does at its start:
 * the bags would reach the eyes of {@code p1} and {@code p2} in the same step. One goes into the
 * merge {@code m1}, the other waits; this must hold when the control loop sees the eyes late (a cold
 * or busy control path), not only when it decides at once.
 */
class MergeRaceTest {
    private static final SimSettings NO_SLIP = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);

    private static VirtualLineRig rig() {
        return new VirtualLineRig(LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false)), NO_SLIP);
    }

    @ParameterizedTest(name = "eye edges {0} ms late")
    @ValueSource(ints = {0, 5, 20, 50, 100, 150})
    void twoBagsArrivingTogetherTakeTurnsAtTheMerge(int lagMs) {
        try (VirtualLineRig rig = rig()) {
            placeOrder(rig, "O-1", "A");
            placeOrder(rig, "O-2", "B");
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.runFor(3);   // past the start warning: both zones run
            rig.inputLagNanos = lagMs * 1_000_000L;
            rig.world.hangBag("A", "pick-1", 900, 0.35, false);
            rig.world.hangBag("B", "pick-2", 900, 0.35, false);

            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).as("settled; bags %s", rig.world.bagPlaces()).isTrue();
            assertThat(rig.world.collisions()).as("collisions").isZero();
            assertThat(rig.world.bagPlaces().get("A").at()).startsWith("lane-");
            assertThat(rig.world.bagPlaces().get("B").at()).startsWith("lane-");
            assertThat(rig.events.ofType("fault")).as("no unexpected item anywhere").isEmpty();
            assertThat(rig.events.ofType("bag-arrived")).extracting(e -> e.fields().get("bag")).containsExactlyInAnyOrder("A", "B");
        }
    }

    /** Both stations keep feeding: the merge alternates, and late eyes still never let two bags in at once. */
    @ParameterizedTest(name = "eye edges {0} ms late")
    @ValueSource(ints = {0, 100})
    void twoStationsFeedingAtOnceAlternateAtTheMerge(int lagMs) {
        try (VirtualLineRig rig = rig()) {
            List<String> bags = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                for (String st : List.of("1", "2")) {
                    String bag = "S" + st + "-" + i;
                    placeOrder(rig, "O-" + bag, bag);
                    bags.add(bag);
                }
            }
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.runFor(3);
            rig.inputLagNanos = lagMs * 1_000_000L;
            for (String bag : bags) rig.world.hangBag(bag, bag.startsWith("S1") ? "pick-1" : "pick-2", 900, 0.35, false);

            assertThat(rig.runUntil(() -> rig.world.settled(), 120)).as("settled; bags %s", rig.world.bagPlaces()).isTrue();
            assertThat(rig.world.collisions()).as("collisions").isZero();
            assertThat(rig.events.ofType("fault")).isEmpty();
            List<Object> arrived = rig.events.ofType("bag-arrived").stream().map(e -> e.fields().get("bag")).toList();
            assertThat(arrived).containsExactlyInAnyOrderElementsOf(bags);
            // each station's bags keep their order, and neither station waits for the other to empty
            assertThat(arrived.stream().filter(b -> b.toString().startsWith("S1")).toList()).containsExactly("S1-1", "S1-2", "S1-3", "S1-4");
            assertThat(arrived.stream().filter(b -> b.toString().startsWith("S2")).toList()).containsExactly("S2-1", "S2-2", "S2-3", "S2-4");
            assertThat(arrived.subList(0, 4)).anyMatch(b -> b.toString().startsWith("S1")).anyMatch(b -> b.toString().startsWith("S2"));
        }
    }

    private static void placeOrder(VirtualLineRig rig, String order, String bag) {
        assertThat(rig.command(() -> rig.line.placeOrder(order, List.of(new OrderBook.OrderBag(bag, null)), null, "c-" + order)).ok()).isTrue();
    }
}
