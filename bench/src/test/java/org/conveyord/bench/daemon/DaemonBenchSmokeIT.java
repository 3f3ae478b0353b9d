package org.conveyord.bench.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idle, startup and commands benchmarks in their shortest form, against the daemon jar this build
 * made (failsafe runs after package) and an in-process broker: each ends with a RESULT line whose JSON
 * carries its figures. No timing is judged: these are benchmarks, not timed tests.
 */
class DaemonBenchSmokeIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Test
    void idleReportsCpuByThreadRssAndNativeMemory() throws Exception {
        JsonNode r = result(() -> IdleBench.main(args("--seconds", "1", "--warmup-seconds", "0", "--nmt", "true")));
        assertThat(r.get("bench").asText()).isEqualTo("idle");
        assertThat(r.get("rssMiB").asDouble()).isPositive();
        assertThat(r.get("threads").asInt()).isPositive();
        assertThat(r.get("cpuMsByThread").isObject()).isTrue();
        assertThat(r.get("nmtCommittedKiB").get("Java Heap").asLong()).isPositive();
    }

    @Test
    void startupReportsReadyAndFirstPingWithAndWithoutTheArchive() throws Exception {
        JsonNode r = result(() -> StartupBench.main(args("--runs", "1")));
        for (String variant : new String[]{"withoutArchive", "withArchive"}) {
            JsonNode v = r.get(variant);
            assertThat(v.get("readyMs")).hasSize(1);
            assertThat(v.get("firstPingMs")).hasSize(1);
            assertThat(v.get("readyMsMedian").asDouble()).isPositive();
        }
    }

    @Test
    void commandsReportsRoundTripsAndCpuPerCommandByThread() throws Exception {
        JsonNode r = result(() -> CommandsBench.main(args("--count", "20", "--warmup", "5", "--idle-seconds", "1")));
        assertThat(r.get("count").asInt()).isEqualTo(20);
        assertThat(r.get("rttMsP50").asDouble()).isPositive();
        assertThat(r.get("rttMsMax").asDouble()).isGreaterThanOrEqualTo(r.get("rttMsP99").asDouble());
        assertThat(r.get("cpuUsPerCommandByThread").isObject()).isTrue();
    }

    private static String[] args(String... more) {
        String[] common = {"--mqtt-url", broker.url()};
        String[] all = Arrays.copyOf(common, common.length + more.length);
        System.arraycopy(more, 0, all, common.length, more.length);
        return all;
    }

    interface Bench {
        void run() throws Exception;
    }

    /** Runs a benchmark with System.out captured; the JSON of its RESULT line. */
    private static JsonNode result(Bench bench) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            bench.run();
        } finally {
            System.setOut(original);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        original.print(text);
        String line = text.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no RESULT line in:\n" + text));
        return new ObjectMapper().readTree(line.substring("RESULT ".length()));
    }
}
