package org.conveyord.sim.scenarios;

import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.SimReport;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Judging is against the scenario's own orders: where the bags physically ended up. */
class ScorecardTest {

    static final Map<String, List<String>> ORDERS = Map.of("O-1", List.of("B-1", "B-2"), "O-2", List.of("B-3"));

    static SimReport report(Map<String, String> lanes, int collisions) {
        Map<String, BagPlace> bags = new LinkedHashMap<>();
        lanes.forEach((bag, lane) -> bags.put(bag, lane.startsWith("zone:")
                ? new BagPlace(lane.substring(5), Instant.EPOCH, null)
                : lane.startsWith("collected:") ? new BagPlace("collected", Instant.EPOCH, lane.substring(10))
                : new BagPlace(lane, Instant.EPOCH, lane)));
        return new SimReport(bags, collisions, 0, 2, List.of(), 0, 0);
    }

    static Map<String, Boolean> hung(String... bags) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (String b : bags) m.put(b, b.startsWith("X"));
        return m;
    }

    @Test
    void ordersEachInTheirOwnLaneAreDeliveredAndTheNoReadIsAnExpectedException() {
        Scorecard c = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3", "X-9"),
                report(Map.of("B-1", "lane-1", "B-2", "collected:lane-1", "B-3", "lane-2", "X-9", "exception"), 0),
                "exception", true, Map.of("delivered", 3, "exception", 1, "misSorted", 0, "lost", 0));
        assertThat(c.delivered()).isEqualTo(3);
        assertThat(c.exception()).isEqualTo(1);
        assertThat(c.misSorted()).isZero();
        assertThat(c.passed()).isTrue();
    }

    @Test
    void unexpectedMotionFailsAScenarioThatDoesNotMentionIt() {
        SimReport moved = new SimReport(Map.of("B-3", new BagPlace("lane-2", Instant.EPOCH, "lane-2")), 0, 1, 0, List.of(), 0, 0);
        Scorecard c = Scorecard.judge("t", ORDERS, hung("B-3"), moved, "exception", true, Map.of());
        assertThat(c.unexpectedMotion()).isEqualTo(1);
        assertThat(c.passed()).isFalse();
        assertThat(c.mismatches()).anySatisfy(m -> assertThat(m).startsWith("unexpectedMotion"));
    }

    @Test
    void splitOrderSharedLaneAndOrderBagInExceptionAreMisSorted() {
        Scorecard split = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3"),
                report(Map.of("B-1", "lane-1", "B-2", "lane-3", "B-3", "lane-2"), 0), "exception", true, Map.of());
        assertThat(split.misSorted()).isEqualTo(2);
        assertThat(split.delivered()).isEqualTo(1);

        Scorecard shared = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3"),
                report(Map.of("B-1", "lane-1", "B-2", "lane-1", "B-3", "lane-1"), 0), "exception", true, Map.of());
        assertThat(shared.misSorted()).isEqualTo(3);

        Scorecard noCause = Scorecard.judge("t", ORDERS, hung("B-3"), report(Map.of("B-3", "exception"), 0),
                "exception", true, Map.of());
        assertThat(noCause.misSorted()).isEqualTo(1);
        assertThat(noCause.exception()).isEqualTo(1);
    }

    @Test
    void bagStillOnTheLineIsLostAndMismatchesAreListed() {
        Scorecard c = Scorecard.judge("t", ORDERS, hung("B-1", "B-2"),
                report(Map.of("B-1", "lane-1", "B-2", "zone:z1"), 1), "exception", false,
                Map.of("lost", 0, "collisions", 0));
        assertThat(c.lost()).isEqualTo(1);
        assertThat(c.passed()).isFalse();
        assertThat(c.mismatches()).containsExactlyInAnyOrder("lost: expected 0, got 1", "collisions: expected 0, got 1");
        assertThat(c.table(Map.of("lost", 0))).contains("FAILED", "not settled", "lost", "<--");
    }

    static SimReport loads(Map<String, String> lanes) {
        Map<String, BagPlace> bags = new LinkedHashMap<>();
        lanes.forEach((bag, where) -> {
            String[] p = where.split("#");
            int load = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            bags.put(bag, p[0].equals("exception") ? new BagPlace("exception", Instant.EPOCH, "exception")
                    : new BagPlace("collected", Instant.EPOCH, p[0], load));
        });
        return new SimReport(bags, 0, 0, 0, List.of(), 0, 0);
    }

    @Test
    void successiveOrdersInOneLaneAreToldApartByTheLoad() {
        Scorecard c = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3"),
                loads(Map.of("B-1", "lane-1#0", "B-2", "lane-1#0", "B-3", "lane-1#1")), "exception", true, Map.of(),
                Scorecard.ExceptionReasons.NONE, List.of());
        assertThat(c.delivered()).isEqualTo(3);
        assertThat(c.misSorted()).isZero();
        Scorecard mixed = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3"),
                loads(Map.of("B-1", "lane-1#0", "B-2", "lane-1#1", "B-3", "lane-1#1")), "exception", true, Map.of(),
                Scorecard.ExceptionReasons.NONE, List.of());
        assertThat(mixed.misSorted()).isEqualTo(3);
    }

    @Test
    void anOrderBagInExceptionWithTheDaemonsReasonIsExplainedAndTheRestOfItsOrderStillCounts() {
        var reasons = new Scorecard.ExceptionReasons(Map.of("B-2", "no-lane"), List.of("B-2"));
        Scorecard c = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3"),
                loads(Map.of("B-1", "lane-1", "B-2", "exception", "B-3", "lane-2")), "exception", true,
                Map.of("misSorted", 0), reasons, List.of("a note"));
        assertThat(c.delivered()).isEqualTo(2);
        assertThat(c.exception()).isEqualTo(1);
        assertThat(c.unexplained()).isZero();
        assertThat(c.passed()).isTrue();
        assertThat(c.table(Map.of())).contains("note: a note");
    }

    @Test
    void aBagInExceptionWithoutAReasonEventFailsTheScorecardEvenWithoutAnExpectation() {
        Scorecard c = Scorecard.judge("t", ORDERS, hung("B-1", "B-2", "B-3"),
                loads(Map.of("B-1", "lane-1", "B-2", "exception", "B-3", "lane-2")), "exception", true,
                Map.of(), new Scorecard.ExceptionReasons(Map.of(), List.of()), List.of());
        assertThat(c.unexplained()).isEqualTo(1);
        assertThat(c.passed()).isFalse();
        assertThat(c.mismatches()).singleElement().asString().contains("B-2", "without a reason");
    }

    @Test
    void eventsAboutBagsTheDaemonCouldNotIdentifyExplainOneBagEach() {
        // X-9 is a no-read: the daemon names it noread-pick-1-3; an unknown item after a restart gets another id
        Map<String, Boolean> hung = hung("B-1", "B-2", "X-9");
        var oneEvent = new Scorecard.ExceptionReasons(Map.of("noread-pick-1-3", "noread"), List.of("noread-pick-1-3"));
        Scorecard c = Scorecard.judge("t", ORDERS, hung, loads(Map.of("B-1", "exception", "B-2", "exception", "X-9", "exception")),
                "exception", true, Map.of(), oneEvent, List.of());
        assertThat(c.unexplained()).isEqualTo(2);
        var threeEvents = new Scorecard.ExceptionReasons(Map.of("noread-pick-1-3", "noread", "unknown-z1-1", "unknown-after-restart"),
                List.of("noread-pick-1-3", "unknown-z1-1", "unknown-z1-1"));
        Scorecard d = Scorecard.judge("t", ORDERS, hung, loads(Map.of("B-1", "exception", "B-2", "exception", "X-9", "exception")),
                "exception", true, Map.of(), threeEvents, List.of());
        assertThat(d.unexplained()).isZero();
        assertThat(d.misSorted()).isZero();
    }
}
