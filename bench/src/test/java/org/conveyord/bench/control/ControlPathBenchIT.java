package org.conveyord.bench.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The smoke form of {@code bench.jar control}: a few seconds of each layout, checking that the
 * benchmark drives the line and reports every figure run-all collects. No timing is asserted:
 * the figures come from the benchmark itself, on a quiet box.
 */
class ControlPathBenchIT {

    @Test
    void theDefaultLineReportsLatencyWorstSamplesAndResources() throws Exception {
        ObjectNode r = ControlPathBench.run(new String[]{"--seconds", "3", "--warmup-s", "1", "--estops", "2", "--rate", "5"});

        assertThat(r.get("layout").asText()).isEqualTo("default");
        assertThat(r.get("samples").asInt()).isGreaterThan(100);
        assertThat(r.get("p50Us").asDouble()).isPositive();
        assertThat(r.get("maxUs").asDouble()).isGreaterThanOrEqualTo(r.get("p999Us").asDouble());
        assertThat(r.get("worst10")).hasSize(10);
        r.get("worst10").forEach(w -> assertThat(w.get("cause").asText()).isNotBlank());
        assertThat(r.get("divert").get("samples").asInt()).isPositive();
        assertThat(r.get("estop").get("samples").asInt()).isEqualTo(2);
        assertThat(r.get("rssMiB").asDouble()).isPositive();
        assertThat(r.get("cpuPct").asDouble()).isPositive();
        assertThat(r.has("loadBefore")).isTrue();
    }

    /**
     * A few seconds fill only the first zones (a bag from a station further down reaches its zone
     * as late as one from zone 0 would), so there is no bag ahead to stop for and no motor sample
     * yet: what the short run shows is the line built and running, and the e-stop cutting it.
     */
    @Test
    void theBigLineRunsWithItsStationsAndLanesAndStopsOnTheEstop() throws Exception {
        ObjectNode r = ControlPathBench.run(new String[]{"--layout", "big", "--seconds", "3", "--warmup-s", "1", "--drain-s", "1", "--estops", "2"});

        assertThat(r.get("zones").asInt()).isEqualTo(100);
        assertThat(r.get("stations").asInt()).isEqualTo(8);
        assertThat(r.get("lanes").asInt()).isEqualTo(40);
        assertThat(r.get("speedMps").asDouble()).isEqualTo(2.0);
        assertThat(r.get("bagsPerS").asDouble()).isEqualTo(3.0);
        assertThat(r.get("estop").get("samples").asInt()).isEqualTo(2);
        assertThat(r.get("controlCpuPct").asDouble()).isPositive();
        assertThat(r.get("heapUsedMiB").asDouble()).isPositive();
    }
}
