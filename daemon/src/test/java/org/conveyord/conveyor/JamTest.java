package org.conveyord.conveyor;

import org.conveyord.device.ErrorCode;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Jams in virtual time against the simulator: detection, one automatic retry, then a person. */
class JamTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);

    private static VirtualLineRig rig() {
        return new VirtualLineRig(LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false)), SETTINGS);
    }

    @Test
    void aJamThatStaysLatchesAfterTheRetryAndAResetClearsIt() {
        try (VirtualLineRig rig = rig()) {
            assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", null)), null, "c")).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.setJam("z1", true);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            // detected, retried once (horn first), jams again: now latched for a person
            assertThat(rig.runUntil(() -> rig.events.ofType("jam").size() >= 2, 90)).isTrue();
            var jams = rig.events.ofType("jam");
            // the bag sticks at z1's entry: the eye that sees it may be z1's (arrival) or m1's (its tail on m1's eye)
            String zone = String.valueOf(jams.get(0).fields().get("zone"));
            assertThat(zone).isIn("m1", "z1");
            assertThat(jams.get(0).fields()).containsEntry("cleared", false).containsEntry("autoRetry", true);
            assertThat(jams.get(1).fields()).containsEntry("zone", zone).containsEntry("autoRetry", false);
            assertThat(rig.command(() -> rig.line.requestStart("c-s2", "test")).message()).contains("jammed");
            assertThat(rig.line.status().reason()).contains("jam " + zone);

            // a person frees the bag and resets (jam resets may be remote)
            rig.world.setJam("z1", false);
            assertThat(rig.command(() -> rig.line.requestReset("c-r", false)).ok()).isTrue();
            assertThat(rig.events.ofType("jam").getLast().fields()).containsEntry("cleared", true);
            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-1").at()).startsWith("lane-");
            assertThat(rig.world.collisions()).isZero();
        }
    }

    @Test
    void aJamThatFreesItselfIsClearedByTheAutomaticRetry() {
        try (VirtualLineRig rig = rig()) {
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.setJam("m1", true);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> !rig.events.ofType("jam").isEmpty(), 90)).isTrue();
            rig.world.setJam("m1", false);   // the bag slipped free while the horn sounded
            assertThat(rig.runUntil(() -> rig.events.ofType("jam").stream().anyMatch(e -> Boolean.TRUE.equals(e.fields().get("cleared"))), 30))
                    .as("jam cleared by the retry; events %s; line %s", rig.events.events, rig.line.snapshot()).isTrue();
            assertThat(rig.line.status().isOnline()).isTrue();
            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-1").at()).isEqualTo("exception");   // no order: exception with a reason
            assertThat(rig.command(() -> rig.line.requestReset("c-r", false)).code()).isNotEqualTo(ErrorCode.FORBIDDEN);
        }
    }

    @Test
    void aBagTakenOffToClearAJamIsReportedLostAndTheZoneTakesBagsAgain() {
        try (VirtualLineRig rig = rig()) {
            assertThat(rig.command(() -> rig.line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", null)), null, "c1")).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.placeOrder("O-2", List.of(new OrderBook.OrderBag("B-2", null)), null, "c2")).ok()).isTrue();
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.setJam("w1", true);
            rig.world.hangBag("B-1", "pick-1", 900, 0.35, false);
            assertThat(rig.runUntil(() -> rig.events.ofType("jam").size() >= 2, 90)).as("latched after the retry").isTrue();
            // the person takes the stuck bag off instead of pushing it on, then resets
            assertThat(rig.world.takeOff("w1")).containsExactly("B-1");
            rig.world.setJam("w1", false);
            assertThat(rig.command(() -> rig.line.requestReset("c-r", false)).ok()).isTrue();
            assertThat(rig.runUntil(() -> !rig.events.ofType("bag-lost").isEmpty(), 30)).as("B-1 missed at w1").isTrue();
            assertThat(rig.events.ofType("bag-lost").getFirst().fields()).containsEntry("bag", "B-1").containsEntry("lastSeen", "z1");
            assertThat(rig.events.ofType("order-incomplete").getFirst().fields()).containsEntry("order", "O-1");
            // w1 is free again: the next bag goes through under its own name
            rig.world.hangBag("B-2", "pick-1", 800, 0.35, false);
            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            assertThat(rig.world.bagPlaces().get("B-2").at()).startsWith("lane-");
            assertThat(rig.events.ofType("bag-arrived")).anySatisfy(e -> assertThat(e.fields()).containsEntry("bag", "B-2"));
            assertThat(rig.world.collisions()).isZero();
        }
    }
}
