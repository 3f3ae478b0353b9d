package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.device.ErrorCode;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bag in the wrong lane never takes another bag's name (issue 8, item 4), in virtual time
 * against the simulator: a lane eye names a bag only inside that bag's window; a stranger (a
 * diverter that answered late, a bag put in by hand) flags the lane {@code check}, raises
 * {@code lane-unexpected-arrival}, lights amber and holds the lane's order back from
 * {@code order-complete} until staff {@code confirm} or {@code collect}.
 */
class LaneCheckTest {
    private static final SimSettings SETTINGS = new SimSettings(0.0, 100, 0.35, 1000, 400, false, 1000, 3000, 5);
    private static final LineConfig LAYOUT = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));
    private static final List<String> ORDER_B = IntStream.rangeClosed(1, 6).mapToObj(i -> "B-" + i).toList();

    @Test
    void aLateDiverterSendsItsBagOnAndNoOtherBagTakesItsName() {
        try (VirtualLineRig rig = new VirtualLineRig(LAYOUT, SETTINGS)) {
            order(rig, "O-A", List.of("A-1"), "lane-1");
            rig.world.lateDivert("lane-1", 150, 1);
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            rig.world.hangBag("A-1", "pick-1", 900, 0.35, false);

            assertThat(rig.runUntil(() -> !rig.events.ofType("bag-lost").isEmpty(), 60)).isTrue();
            assertThat(rig.world.divertMisses()).isEqualTo(1);
            assertThat(rig.world.bagPlaces().get("A-1").at()).isEqualTo("exception");
            assertThat(rig.events.ofType("lane-unexpected-arrival")).singleElement()
                    .satisfies(e -> assertThat(e.fields()).containsEntry("lane", "exception"));
            assertThat(rig.events.ofType("bag-lost")).singleElement()
                    .satisfies(e -> assertThat(e.fields()).containsEntry("bag", "A-1").containsEntry("lastSeen", "sorter"));
            assertThat(rig.events.ofType("bag-arrived")).isEmpty();
            assertThat(rig.events.ofType("order-complete")).isEmpty();
            assertThat(lane(rig, "exception")).containsEntry("check", true);
            assertThat(faults(rig)).contains("lane-unexpected-arrival exception");
            rig.runFor(1);
            assertThat(rig.line.snapshot().get("stackLight")).isEqualTo(Map.of("green", true, "yellow", true, "red", false, "blue", false));

            CommandResult r = rig.command(() -> rig.line.confirm("exception", "c-confirm"));
            assertThat(r.ok()).isTrue();
            assertThat(r.result()).isEqualTo(Map.of("lane", "exception", "confirmed", true));
            rig.runFor(1);
            assertThat(lane(rig, "exception")).containsEntry("check", false);
            assertThat(faults(rig)).isEmpty();
            assertThat(rig.line.snapshot().get("stackLight")).isEqualTo(Map.of("green", true, "yellow", false, "red", false, "blue", false));
        }
    }

    @Test
    void aStrangerBeforeTheLastBagHoldsTheOrderUntilStaffConfirm() {
        try (VirtualLineRig rig = lastBagOnItsWay(-1.5)) {
            assertThat(rig.runUntil(() -> arrived(rig, "B-6"), 30)).isTrue();
            rig.runFor(3);
            assertThat(rig.events.ofType("lane-unexpected-arrival")).singleElement()
                    .satisfies(e -> assertThat(e.fields()).containsEntry("lane", "lane-2"));
            assertThat(rig.events.ofType("order-complete")).isEmpty();
            assertThat(lane(rig, "lane-2")).containsEntry("check", true);
            assertThat(rig.line.snapshot().get("stackLight")).isEqualTo(Map.of("green", true, "yellow", true, "red", false, "blue", false));

            assertThat(rig.command(() -> rig.line.confirm("lane-2", "c-confirm")).ok()).isTrue();
            assertThat(rig.events.ofType("order-complete")).singleElement().satisfies(e -> {
                assertThat(e.fields()).containsEntry("order", "O-B").containsEntry("dest", "lane-2").containsEntry("bags", ORDER_B);
                assertThat(e.cmdId()).isEqualTo("c-O-B");
            });
            assertThat(lane(rig, "lane-2")).containsEntry("check", false);
        }
    }

    /** The stranger comes just inside the last bag's window and takes its name; the real one, just after it, flags the lane. */
    @Test
    void aStrangerInsideTheLastBagsWindowStillHoldsTheOrder() {
        try (VirtualLineRig rig = lastBagOnItsWay(-0.3)) {
            assertThat(rig.runUntil(() -> rig.world.bagPlaces().get("B-6").at().equals("lane-2") && rig.world.settled(), 30)).isTrue();
            rig.runFor(3);
            assertThat(rig.events.ofType("lane-unexpected-arrival")).singleElement()
                    .satisfies(e -> assertThat(e.fields()).containsEntry("lane", "lane-2"));
            assertThat(rig.events.ofType("order-complete")).isEmpty();
            assertThat(lane(rig, "lane-2")).containsEntry("check", true);
        }
    }

    @Test
    void collectClearsTheFlagAndReportsTheOrderFirst() {
        try (VirtualLineRig rig = lastBagOnItsWay(-1.5)) {
            assertThat(rig.runUntil(() -> arrived(rig, "B-6"), 30)).isTrue();
            rig.runFor(3);
            assertThat(rig.events.ofType("order-complete")).isEmpty();

            rig.world.collect("lane-2");
            assertThat(rig.command(() -> rig.line.collect("lane-2", "c-collect")).ok()).isTrue();
            assertThat(rig.events.events.stream().map(RecordingEvents.Event::type).filter(t -> t.equals("order-complete") || t.equals("lane-released")))
                    .containsExactly("order-complete", "lane-released");
            assertThat(lane(rig, "lane-2")).containsEntry("check", false).containsEntry("order", null);
        }
    }

    @Test
    void confirmNamesAnExistingLane() {
        try (VirtualLineRig rig = new VirtualLineRig(LAYOUT, SETTINGS)) {
            CommandResult r = rig.command(() -> rig.line.confirm("lane-9", "c-bad"));
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(r.message()).contains("lane-9").contains("lane-2");
            assertThat(rig.command(() -> rig.line.confirm("lane-2", "c-nothing")).result()).isEqualTo(Map.of("lane", "lane-2", "confirmed", false));
        }
    }

    /**
     * Order O-B's six bags go to lane-2: five calibrate its window; when the sixth has cleared the
     * sorter's entry eye, a person drops a stranger into lane-2 timed to reach the eye
     * {@code offsetS} from when the sixth is due (measured from the fifth's trip; the daemon's
     * window there is about ±0.45 s).
     */
    private static VirtualLineRig lastBagOnItsWay(double offsetS) {
        VirtualLineRig rig = new VirtualLineRig(LAYOUT, SETTINGS);
        order(rig, "O-B", ORDER_B, "lane-2");
        assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
        for (String b : ORDER_B) rig.world.hangBag(b, "pick-1", 900, 0.35, false);
        long[] seen = new long[3];   // when B-5 was routed, B-5 arrived, B-6 was routed
        assertThat(rig.runUntil(() -> {
            if (seen[0] == 0 && diverted(rig, "B-5")) seen[0] = rig.clock.nanos();
            if (seen[1] == 0 && arrived(rig, "B-5")) seen[1] = rig.clock.nanos();
            if (seen[2] == 0 && diverted(rig, "B-6")) seen[2] = rig.clock.nanos();
            return seen[0] > 0 && seen[1] > 0 && seen[2] > 0;
        }, 60)).isTrue();
        long dueAt = seen[2] + seen[1] - seen[0];
        long dropAt = dueAt + (long) (offsetS * 1e9) - SETTINGS.laneTravelMs() * 1_000_000L;
        assertThat(arrived(rig, "B-6")).isFalse();
        assertThat(dropAt).isGreaterThan(rig.clock.nanos());
        rig.runUntil(() -> rig.clock.nanos() >= dropAt, 10);
        rig.world.dropIntoLane("X-1", "lane-2", 0.1);   // short: off the eye before the sixth comes
        return rig;
    }

    private static void order(VirtualLineRig rig, String order, List<String> bags, String dest) {
        List<OrderBook.OrderBag> list = bags.stream().map(b -> new OrderBook.OrderBag(b, null)).toList();
        assertThat(rig.command(() -> rig.line.placeOrder(order, list, dest, "c-" + order)).ok()).isTrue();
    }

    private static boolean diverted(VirtualLineRig rig, String bag) {
        return rig.events.ofType("bag-diverted").stream().anyMatch(e -> bag.equals(e.fields().get("bag")));
    }

    private static boolean arrived(VirtualLineRig rig, String bag) {
        return rig.events.ofType("bag-arrived").stream().anyMatch(e -> bag.equals(e.fields().get("bag")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lane(VirtualLineRig rig, String id) {
        var lanes = (List<Map<String, Object>>) rig.line.snapshot().get("lanes");
        return lanes.stream().filter(l -> id.equals(l.get("id"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<String> faults(VirtualLineRig rig) {
        return (List<String>) rig.line.snapshot().get("faults");
    }
}
