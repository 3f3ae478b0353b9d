package org.conveyord.e2e;

import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.conveyord.sim.scenarios.Scorecard;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short (CI) versions of the scenarios in device-sim/scenarios/short/, each against the real
 * daemon, device-sim and a real broker in one JVM ({@link LineHarness}, a fresh one per scenario).
 * Each test prints its scorecard and asserts the scenario's own {@code expect} plus what the issue
 * requires of every run: every bag in its order's lane or in exception with a reason, none lost, no
 * collision, no unexpected motion; then what the scenario is about, read from the daemon's own
 * events. The full versions run with {@code ./scenarios.sh}; kill -9 is {@link KillAndRestartIT}.
 */
class ScenariosIT {

    static Path scenarioFile(String name, boolean shortVersion) {
        Path dir = Path.of(System.getProperty("conveyord.repo", ".."), "device-sim", "scenarios");
        return (shortVersion ? dir.resolve("short") : dir).resolve(name + ".yaml");
    }

    /** Plays the short version of a scenario and checks what every scenario must show. */
    static Scorecard play(LineHarness h, String name) throws Exception {
        Scenario s = Scenario.load(scenarioFile(name, true));
        Scorecard card = ScenarioRunner.run(s, h.sim, h.url, System.out);
        String table = card.table(s.expect());
        assertThat(card.mismatches()).as(table).isEmpty();
        assertThat(card.settled()).as("every bag came to rest before the timeout\n" + table).isTrue();
        assertThat(card.unexplained()).as(table).isZero();
        assertThat(card.misSorted()).as(table).isZero();
        assertThat(card.lost()).as(table).isZero();
        assertThat(card.collisions()).as(table).isZero();
        assertThat(card.unexpectedMotion()).as(table).isZero();
        assertThat(card.delivered() + card.exception()).as("every bag hung on is accounted for").isEqualTo(s.bags().size());
        return card;
    }

    private static Set<String> exceptionReasons(TestMqttClient op) {
        return op.on("event/line-1/bag-diverted").stream().map(TestMqttClient.Msg::json)
                .filter(j -> j.path("dest").asText().equals("exception")).map(j -> j.path("reason").asText())
                .collect(Collectors.toSet());
    }

    @Test
    void rushHourDeliversEveryBagOrExplainsIt() throws Exception {
        try (LineHarness h = new LineHarness()) {
            Scorecard card = play(h, "rush-hour");
            assertThat(card.delivered()).as("most bags reach their order's lane").isGreaterThan(card.exception());
            assertThat(h.operator.on("event/line-1/order-complete")).isNotEmpty();
            assertThat(h.operator.on("event/line-1/lane-released")).as("the riders collected").isNotEmpty();
        }
    }

    @Test
    void jamsInRandomZonesAreClearedRemotelyAndNothingIsLost() throws Exception {
        try (LineHarness h = new LineHarness()) {
            play(h, "jams");
            assertThat(h.operator.on("event/line-1/jam")).as("the daemon saw at least one of the jams")
                    .anyMatch(m -> !m.json().path("cleared").asBoolean());
            assertThat(h.operator.on("event/line-1/jam")).anyMatch(m -> m.json().path("cleared").asBoolean());
        }
    }

    @Test
    void noReadsAndStrayBagsGoToExceptionWithTheirReasons() throws Exception {
        try (LineHarness h = new LineHarness()) {
            Scorecard card = play(h, "no-reads");
            assertThat(card.exception()).isGreaterThanOrEqualTo(2);
            assertThat(exceptionReasons(h.operator)).contains("noread", "no-order");
        }
    }

    @Test
    void fullLanesSendBagsToExceptionWithLaneFullOrNoLane() throws Exception {
        try (LineHarness h = new LineHarness()) {
            Scorecard card = play(h, "lane-full");
            assertThat(card.exception()).isPositive();
            assertThat(exceptionReasons(h.operator)).containsAnyOf("lane-full", "no-lane");
        }
    }

    @Test
    void estopInARushStopsEverythingAndNeedsTheButtonBeforeAStart() throws Exception {
        try (LineHarness h = new LineHarness()) {
            play(h, "estop-rush");
            assertThat(h.operator.on("event/line-1/estop")).anyMatch(m -> m.json().path("active").asBoolean());
            assertThat(h.operator.on("reply/line-1/reset")).as("remote reset after an e-stop is refused")
                    .anyMatch(m -> m.json().path("error").path("code").asText().equals("FORBIDDEN"));
            assertThat(h.operator.on("event/line-1/started")).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void estopsWithBagsOnTheSorterMisSortNothingAndEveryBagEndsInItsLaneOrExplained() throws Exception {
        try (LineHarness h = new LineHarness()) {
            play(h, "estop-sorter");
            assertThat(h.operator.on("event/line-1/estop")).filteredOn(m -> m.json().path("active").asBoolean())
                    .hasSize(2);
            assertThat(h.operator.on("event/line-1/started")).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    /**
     * Real time, so no throughput threshold: the figures depend on the machine's load. What must hold
     * is the scorecard (nothing mis-sorted, nothing hit) and a report whose figures add up.
     */
    @Test
    void saturationKeepsBothStationsFullAndReportsThroughputAgainstThePhysicalLimit() throws Exception {
        try (LineHarness h = new LineHarness()) {
            Scenario s = Scenario.load(scenarioFile("saturation", true));
            Scorecard card = ScenarioRunner.run(s, h.sim, h.url, System.out);
            String table = card.table(s.expect());
            assertThat(card.mismatches()).as(table).isEmpty();
            assertThat(card.misSorted()).as(table).isZero();
            assertThat(card.collisions()).as(table).isZero();
            assertThat(card.lost()).as(table).isZero();
            var t = card.throughput();
            assertThat(t).as("a saturation run reports its throughput").isNotNull();
            assertThat(t.hung()).as(table).isEqualTo(card.delivered() + card.exception());
            assertThat(t.deliveredInWindow()).as(table).isPositive().isLessThanOrEqualTo(t.sortedInWindow());
            // demo line: 0.8 m/s, 0.5 m minimum gap, bags 0.25-0.45 m
            assertThat(t.meanLengthM()).isBetween(0.25, 0.45);
            assertThat(t.limitPerHour()).isCloseTo(0.8 / (t.meanLengthM() + 0.5) * 3600, org.assertj.core.data.Offset.offset(1.0));
            // one bag per zone: 1.2 m from eye to eye between zones, 0.1 + 0.6 + 0.5 m into the sorter
            assertThat(t.zoneGapM()).isCloseTo(1.2, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(t.zoneLimitPerHour()).isLessThan(t.limitPerHour());
            assertThat(table).contains("physical limit", "one bag per zone", "delivered");
            assertThat(h.operator.on("event/line-1/order-complete")).as("orders came from both stations")
                    .anyMatch(m -> m.json().path("order").asText().contains("pick-1"))
                    .anyMatch(m -> m.json().path("order").asText().contains("pick-2"));
        }
    }

    @Test
    void speedChangeMidRunGetsOneReplyEachAndLosesNoBag() throws Exception {
        try (LineHarness h = new LineHarness()) {
            play(h, "speed-change");
            // speed presets may not be configured: then BAD_REQUEST; either way one reply per command
            assertThat(h.operator.on("reply/line-1/speed")).hasSize(2).allMatch(m -> m.json().path("ok").asBoolean()
                    || m.json().path("error").path("code").asText().equals("BAD_REQUEST"));
        }
    }
}
