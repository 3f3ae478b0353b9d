package org.conveyord.sim.scenarios;

import org.conveyord.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeneratedStepsTest {

    @TempDir
    Path dir;

    static GeneratedSteps.Traffic rush(long seed) {
        return new GeneratedSteps.Traffic(3, 10, 300, 1, 4, List.of("pick-1", "pick-2"), 300, 3000, 0.25, 0.45, 0.02, 10, seed, "R");
    }

    @Test
    void rushHourHasTheOrderedRateAndEveryOrderGoesOutBeforeItsBags() {
        List<GeneratedSteps.Timed> steps = GeneratedSteps.traffic(rush(42));
        List<GeneratedSteps.Timed> orders = steps.stream().filter(s -> s.kind().equals("order")).toList();
        List<GeneratedSteps.Timed> bags = steps.stream().filter(s -> s.kind().equals("bag")).toList();
        assertThat(orders).hasSize(50);
        assertThat(bags.size()).isBetween(50, 200);
        Map<String, Double> orderAt = new HashMap<>();
        for (var o : orders) {
            assertThat(o.at()).isBetween(3.0, 603.0);
            int n = o.params().path("bags").size();
            assertThat(n).isBetween(1, 4);
            o.params().path("bags").forEach(b -> {
                orderAt.put(b.path("bag").asText(), o.at());
                assertThat(b.path("grams").asDouble()).isBetween(300.0, 3000.0);
            });
        }
        for (var b : bags) {
            String bag = b.params().path("bag").asText();
            assertThat(orderAt).containsKey(bag);
            assertThat(b.at()).isBetween(orderAt.get(bag) + GeneratedSteps.ORDER_LEAD_S - 1e-3, orderAt.get(bag) + 10.5 + 1e-3);
            assertThat(b.params().path("station").asText()).isIn("pick-1", "pick-2");
            assertThat(b.params().path("lengthM").asDouble()).isBetween(0.25, 0.45);
        }
        assertThat(bags.stream().map(b -> b.params().path("station").asText()).distinct()).hasSize(2);
    }

    @Test
    void theSameSeedGivesTheSameStepsAndAnotherSeedOtherOnes() {
        assertThat(GeneratedSteps.traffic(rush(42)).toString()).isEqualTo(GeneratedSteps.traffic(rush(42)).toString());
        assertThat(GeneratedSteps.traffic(rush(43)).toString()).isNotEqualTo(GeneratedSteps.traffic(rush(42)).toString());
    }

    @Test
    void jamsDoNotOverlapAndEachIsFreedResetAndRestarted() {
        var spec = new GeneratedSteps.Jams(20, 5, 6, List.of("p1", "m1", "z1"), 8, 12, 1, 1, 7);
        List<GeneratedSteps.Timed> steps = GeneratedSteps.jams(spec);
        assertThat(steps).hasSize(24);
        double lastEnd = 0;
        for (int i = 0; i < steps.size(); i += 4) {
            var on = steps.get(i);
            var off = steps.get(i + 1);
            assertThat(on.kind()).isEqualTo("jam");
            assertThat(on.params().path("active").asBoolean()).isTrue();
            assertThat(off.params().path("zone").asText()).isEqualTo(on.params().path("zone").asText());
            assertThat(off.params().path("active").asBoolean()).isFalse();
            assertThat(off.at() - on.at()).isBetween(8.0, 12.0);
            assertThat(steps.get(i + 2).params().path("action").asText()).isEqualTo("reset");
            assertThat(steps.get(i + 3).params().path("action").asText()).isEqualTo("start");
            assertThat(on.at()).isGreaterThanOrEqualTo(lastEnd);
            lastEnd = steps.get(i + 3).at();
        }
        assertThat(lastEnd).isLessThanOrEqualTo(20 + 5 * 60);
    }

    @Test
    void aScenarioWithGenerateJamsAndRiderLoads() throws Exception {
        Scenario s = Scenario.load(write("""
                line: line-1
                steps:
                  - {at: 0, daemon: {action: start}}
                generate: {from: 3, minutes: 1, ordersPerHour: 300, stations: [pick-1, pick-2], seed: 1}
                jams: {from: 10, minutes: 1, count: 2, zones: [z1], seed: 2}
                rider: {collectCompleteAfterS: 5}
                """));
        assertThat(s.orders()).hasSize(5);
        assertThat(s.bags()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(s.rider()).isEqualTo(new Scenario.Rider(5, 0));
        assertThat(s.steps()).filteredOn(st -> st.kind().equals("jam")).hasSize(4).allMatch(st -> st.fileLine() == 5);
        List<Double> at = new ArrayList<>(s.steps().stream().map(Scenario.Step::at).toList());
        assertThat(at).isSorted();
    }

    @Test
    void badGenerateJamsAndRiderEntriesSayWhere() throws IOException {
        Path f = write("""
                line: line-1
                steps:
                  - {at: 0, daemon: {action: start}}
                generate: {minutes: 1, ordersPerHour: -3, stations: [], bagsPerOrder: [4, 1]}
                jams: {minutes: 1, count: 2, zones: [z1], seed: 2, holdS: 9}
                rider: {collectCompleteAfterS: soon, walk: true}
                """);
        assertThatThrownBy(() -> Scenario.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(f + ":4: generate.ordersPerHour: expected a number from")
                .hasMessageContaining(f + ":4: generate.stations: expected a non-empty list")
                .hasMessageContaining(f + ":4: generate.bagsPerOrder: expected [low, high]")
                .hasMessageContaining(f + ":4: generate.seed: missing")
                .hasMessageContaining(f + ":5: jams.holdS: expected [low, high]")
                .hasMessageContaining(f + ":6: rider.collectCompleteAfterS: expected seconds")
                .hasMessageContaining(f + ":6: rider.walk: unknown key");
    }

    @Test
    void shippedScenariosAndTheirShortVersionsLoad() throws ConfigException, IOException {
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(Path.of("scenarios"))) {
            list.filter(p -> p.toString().endsWith(".yaml")).forEach(files::add);
        }
        try (var list = Files.list(Path.of("scenarios/short"))) {
            list.filter(p -> p.toString().endsWith(".yaml")).forEach(files::add);
        }
        assertThat(files).hasSizeGreaterThan(1);
        for (Path f : files) {
            Scenario s = Scenario.load(f);
            assertThat(s.steps()).as(f.toString()).isNotEmpty();
            if (!f.getFileName().toString().equals("smoke.yaml")) {
                assertThat(Files.exists(Path.of("scenarios/short").resolve(f.getFileName())) || f.getParent().endsWith("short"))
                        .as("a short version of " + f).isTrue();
            }
        }
    }

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("scn.yaml");
        Files.writeString(f, yaml);
        return f;
    }
}
