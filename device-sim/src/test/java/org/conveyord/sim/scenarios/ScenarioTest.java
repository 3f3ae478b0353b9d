package org.conveyord.sim.scenarios;

import org.conveyord.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioTest {

    @TempDir
    Path dir;

    @Test
    void shippedSmokeScenarioLoads() throws ConfigException {
        Scenario s = Scenario.load(Path.of("scenarios/smoke.yaml"));
        assertThat(s.name()).isEqualTo("smoke");
        assertThat(s.line()).isEqualTo("line-1");
        assertThat(s.orders()).isEqualTo(Map.of("O-1", List.of("B-1", "B-2"), "O-2", List.of("B-3", "B-4")));
        assertThat(s.bags()).containsEntry("X-9", true).containsEntry("B-1", false).hasSize(5);
        assertThat(s.bags().keySet()).as("both stations").isNotEmpty();
        assertThat(s.steps()).extracting(Scenario.Step::kind).contains("daemon", "order", "bag");
        assertThat(s.steps().stream().filter(st -> st.kind().equals("bag")).map(st -> st.params().path("station").asText()).distinct())
                .containsExactlyInAnyOrder("pick-1", "pick-2");
        assertThat(s.expect()).containsEntry("delivered", 4).containsEntry("exception", 1);
        assertThat(s.timeoutS()).isEqualTo(90);
    }

    @Test
    void stepsAreSortedByTime() throws Exception {
        Scenario s = Scenario.load(write("""
                line: line-1
                steps:
                  - {at: 2, estop: {active: false}}
                  - {at: 1, estop: {active: true}}
                """));
        assertThat(s.steps()).extracting(Scenario.Step::at).containsExactly(1.0, 2.0);
        assertThat(s.steps().get(0).fileLine()).isEqualTo(4);
    }

    @Test
    void everyProblemIsReportedWithItsFileLine() throws IOException {
        Path f = write("""
                name: broken
                line: line-1
                steps:
                  - {at: 0, bag: {bag: B-1}}
                  - {at: -1, estop: {active: true}}
                  - {at: 1, teleport: {bag: B-1}}
                  - {at: 2, jam: {zone: p1}, estop: {active: true}}
                expect: {delivered: 1, happiness: 3}
                colour: blue
                """);
        assertThatThrownBy(() -> Scenario.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f + ":4: steps[0].bag: needs bag and station")
                .hasMessageContaining(f + ":5: steps[1].at: expected seconds")
                .hasMessageContaining(f + ":6: steps[2].teleport: unknown action")
                .hasMessageContaining(f + ":7: steps[3]: expected exactly one action")
                .hasMessageContaining(f + ":8: expect.happiness: unknown")
                .hasMessageContaining(f + ":9: colour: unknown key");
    }

    @Test
    void shippedSaturationScenariosLoadWithTheirFeed() throws ConfigException {
        Saturation full = Scenario.load(Path.of("scenarios/saturation.yaml")).saturation();
        assertThat(full.minutes()).as("10 minutes, as the issue asks").isEqualTo(10);
        assertThat(full.stations()).containsExactly("pick-1", "pick-2");
        assertThat(full.endS()).isEqualTo(603);
        Scenario quick = Scenario.load(Path.of("scenarios/short/saturation.yaml"));
        assertThat(quick.saturation().minutes()).isLessThan(1);
        assertThat(quick.saturation().queueDepth()).isEqualTo(2);
        assertThat(quick.expect()).containsEntry("misSorted", 0).containsEntry("collisions", 0);
    }

    @Test
    void saturateProblemsSayFileLineAndKey() throws IOException {
        Path f = write("""
                line: line-1
                steps:
                  - {at: 0, daemon: {action: start}}
                saturate: {minutes: -1, stations: [], bagsPerOrder: [3, 1], queueDepth: 1.5, speed: 2}
                """);
        assertThatThrownBy(() -> Scenario.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(f + ":4: saturate.minutes: expected a number from")
                .hasMessageContaining(f + ":4: saturate.stations: expected a non-empty list")
                .hasMessageContaining(f + ":4: saturate.bagsPerOrder: expected [low, high]")
                .hasMessageContaining(f + ":4: saturate.queueDepth: expected a whole number")
                .hasMessageContaining(f + ":4: saturate.speed: unknown key")
                .hasMessageContaining(f + ":4: saturate.seed: missing");
    }

    @Test
    void invalidYamlSaysWhere() throws IOException {
        Path f = write("line: line-1\nsteps:\n  - {at: 0, bag: {bag: B-1\n");
        assertThatThrownBy(() -> Scenario.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read the scenario");
    }

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("scn.yaml");
        Files.writeString(f, yaml);
        return f;
    }
}
