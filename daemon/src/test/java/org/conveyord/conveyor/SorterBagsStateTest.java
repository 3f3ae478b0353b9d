package org.conveyord.conveyor;

import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Line state {@code sorter.bags}: the page draws a bag on the sorter, with where it is going, from it. */
class SorterBagsStateTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> sorterBags(Map<String, Object> state) {
        return (List<Map<String, Object>>) ((Map<String, Object>) state.get("sorter")).get("bags");
    }

    @Test
    void aBagIsOnTheSorterWithItsLaneBetweenTheLastZoneAndTheLane() {
        try (VirtualLineRig rig = new VirtualLineRig(LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false)), SETTINGS)) {
            List<Map<String, Object>> read = new ArrayList<>();
            rig.stateListener = id -> read.add(rig.line.snapshot());
            assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", null)), null, "c-o")).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            assertThat(sorterBags(rig.line.snapshot())).isEmpty();
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> !rig.events.ofType("bag-arrived").isEmpty(), 90)).isTrue();
            Object lane = rig.events.ofType("bag-arrived").getFirst().fields().get("dest");

            assertThat(read).as("a state read on the way showed B-1 on the sorter bound for %s", lane)
                    .anyMatch(s -> sorterBags(s).equals(List.of(Map.of("id", "B-1", "dest", lane))));
            assertThat(sorterBags(rig.line.snapshot())).isEmpty();
        }
    }
}
