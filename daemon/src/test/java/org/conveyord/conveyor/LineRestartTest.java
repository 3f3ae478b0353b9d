package org.conveyord.conveyor;

import org.conveyord.device.CommandResult;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A restart with bags on the line, in virtual time against the simulator. */
class LineRestartTest {
    @TempDir
    Path tmp;

    private static CommandResult order(VirtualLineRig rig, String order, String... bags) {
        return rig.command(() -> rig.line.placeOrder(order,
                java.util.Arrays.stream(bags).map(b -> new OrderBook.OrderBag(b, null)).toList(), null, "c-" + order));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lane(VirtualLineRig rig, String id) {
        var lanes = (List<Map<String, Object>>) rig.line.snapshot().get("lanes");
        return lanes.stream().filter(l -> id.equals(l.get("id"))).findFirst().orElseThrow();
    }

    @Test
    void ordersAndLaneReservationsSurviveAndWhatSitsOnAnEyeGoesToException() {
        var settings = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 1);
        try (VirtualLineRig rig = new VirtualLineRig(LinePropertiesTest.layout(
                new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false)), settings, tmp.resolve("line-1.line-state.json"))) {
            assertThat(order(rig, "O-1", "B-1", "B-2").ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.hangBag("B-1", "pick-1", 800, 0.35, false);
            assertThat(rig.runUntil(() -> !rig.events.ofType("bag-arrived").isEmpty(), 60)).isTrue();
            String laneOfO1 = String.valueOf(rig.events.ofType("bag-arrived").get(0).fields().get("dest"));
            assertThat(laneOfO1).startsWith("lane-");
            // B-2 is on its way when the daemon dies: it stops on p1's eye
            rig.world.hangBag("B-2", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> "p1".equals(rig.world.bagPlaces().get("B-2").at())
                    && rig.world.input(LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false))
                    .zone("p1").orElseThrow().eye().pin()), 30)).isTrue();

            rig.restartController();

            // the order is still known: the same order again is accepted without doubling, another one conflicts
            assertThat(order(rig, "O-1", "B-1", "B-2").ok()).isTrue();
            assertThat(order(rig, "O-1", "B-9").code()).isEqualTo(org.conveyord.device.ErrorCode.CONFLICT);
            // its lane stays reserved with the bag that arrived before the restart
            assertThat(lane(rig, laneOfO1)).containsEntry("order", "O-1");
            assertThat((List<String>) lane(rig, laneOfO1).get("bags")).contains("B-1");

            // what sits on p1's eye is unknown now: it must go to exception with that reason
            assertThat(rig.command(() -> rig.line.requestStart("c-s2", "test")).ok()).isTrue();
            assertThat(rig.runUntil(() -> rig.events.ofType("bag-diverted").stream()
                    .anyMatch(e -> "unknown-after-restart".equals(e.fields().get("reason"))), 60)).isTrue();
            assertThat(rig.runUntil(() -> "exception".equals(rig.world.bagPlaces().get("B-2").at()), 60)).isTrue();
            assertThat(rig.world.collisions()).isZero();
            assertThat(rig.world.unexpectedMotion()).isZero();

            // collect releases the lane, and that too is remembered
            rig.world.collect(laneOfO1);
            assertThat(rig.command(() -> rig.line.collect(laneOfO1, "c-c")).ok()).isTrue();
            rig.restartController();
            assertThat(lane(rig, laneOfO1).get("order")).isNull();
        }
    }
}
