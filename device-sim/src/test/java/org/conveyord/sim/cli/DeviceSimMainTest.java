package org.conveyord.sim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Exit codes and messages of the command line for bad input; nothing is started. */
class DeviceSimMainTest {

    @TempDir
    Path dir;

    private record Run(int code, String err, String out) {}

    private Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream(), out = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = new CommandLine(new DeviceSimMain());
            cl.setOut(new java.io.PrintWriter(out, true));
            int code = cl.execute(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void badConfigExitsTwoWithFileAndLine() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "site: s\nnode: n\nmqtt: {url: \"nonsense\"}\n");
        Run r = run("--config", cfg.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(cfg + ":3: mqtt.url");
    }

    @Test
    void badScenarioExitsTwoWithFileAndLine() throws Exception {
        Path scn = dir.resolve("scn.yaml");
        Files.writeString(scn, "line: line-1\nsteps:\n  - {at: 0, bag: {station: pick-1}}\n");
        Run r = run("--config", "../config/demo.yaml", "--scenario", scn.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(scn + ":3: steps[0].bag: needs bag and station");
    }

    @Test
    void versionIsPrinted() {
        Run r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("device-sim ");
    }
}
