package org.conveyord.conveyor;

import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Check-weigh at the weigh zone, in virtual time against the simulator's scale load. */
class CheckweighTest {

    @Test
    void aBagWithinToleranceGoesToItsLaneAndOneOutsideGoesToExceptionWithReason() {
        var settings = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 3);
        try (VirtualLineRig rig = new VirtualLineRig(LinePropertiesTest.layout(
                new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false)), settings)) {
            assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", 1200.0),
                    new OrderBook.OrderBag("B-2", 800.0)), null, "c-o")).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.hangBag("B-1", "pick-1", 1230, 0.35, false);   // 2.5 % off: passes
            rig.world.hangBag("B-2", "pick-2", 1400, 0.35, false);   // a wrong item packed: fails
            assertThat(rig.runUntil(() -> rig.world.settled() && rig.events.ofType("checkweigh").size() == 2, 120)).isTrue();

            var results = rig.events.ofType("checkweigh");
            assertThat(results).allSatisfy(e -> assertThat(e.device()).isEqualTo("scale-1"));
            var b1 = results.stream().filter(e -> e.fields().get("bag").equals("B-1")).findFirst().orElseThrow();
            assertThat(b1.fields()).containsEntry("ok", true).containsEntry("expectedGrams", 1200.0).containsEntry("order", "O-1");
            assertThat((Double) b1.fields().get("grams")).isEqualTo(1230.0);
            var b2 = results.stream().filter(e -> e.fields().get("bag").equals("B-2")).findFirst().orElseThrow();
            assertThat(b2.fields()).containsEntry("ok", false);

            assertThat(rig.world.bagPlaces().get("B-1").at()).startsWith("lane-");
            assertThat(rig.world.bagPlaces().get("B-2").at()).isEqualTo("exception");
            assertThat(rig.events.ofType("bag-diverted")).anySatisfy(e -> assertThat(e.fields())
                    .containsEntry("bag", "B-2").containsEntry("dest", "exception").containsEntry("reason", "checkweigh"));
            assertThat(rig.world.collisions()).isZero();
        }
    }
}
