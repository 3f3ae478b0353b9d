package org.conveyord.cli;

import org.conveyord.Main;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.protocol.gpiobridge.GpioBridgeMessage;
import org.conveyord.sim.DeviceSim;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The command line flags an operator and systemd use, through Main. */
class CommandLineIT {
    private static final Path REPO = Path.of(System.getProperty("conveyord.repo", ".."));

    @TempDir
    Path tmp;

    private record Run(int code, String out) {}

    private static Run main(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        try (PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(p);
            System.setErr(p);
            int code = new CommandLine(new Main()).execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
    }

    @Test
    void checkConfigPassesTheShippedExamplesAndListsEveryProblemOfABadFile() throws Exception {
        for (String f : List.of("demo.yaml", "store-example.yaml")) {
            Run ok = main("--check-config", "--config", REPO.resolve("config").resolve(f).toString());
            assertThat(ok.code()).as(ok.out()).isZero();
            assertThat(ok.out()).contains("OK");
            assertThat(ok.out()).as("the shipped examples are the first thing a new user runs").doesNotContainIgnoringCase("warning");
        }
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(REPO.resolve("config/demo.yaml"))
                .replace("speedMps: 0.8", "speedMps: fast").replace("startWarningS: 2", "startWarnigS: 2"));
        Run r = main("--check-config", "--config", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains(bad + ":").contains("devices.line-1.speedMps: 'fast' is not a valid number")
                .contains("devices.line-1.startWarnigS: unknown key")
                .doesNotContain("m/s is outside");
        Run missing = main("--check-config", "--config", tmp.resolve("nope.yaml").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.out()).contains("cannot read the file");
    }

    @Test
    void versionPrintsTheBuild() {
        Run r = main("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("conveyord ").contains("commit");
    }

    @Test
    void stateFromANewerConveyordIsRefusedWithExitCode2AndTheFileNamed() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.writeString(state.resolve("event-seq"), "version 99\n5000\n");
        Run r = main("--config", REPO.resolve("config/demo.yaml").toString(), "--state-dir", state.toString(),
                "--mqtt-url", "tcp://127.0.0.1:1");
        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.out()).contains("conveyord: " + state.resolve("event-seq") + " is state format version 99")
                .contains("reads versions 1 to 2");
        assertThat(Files.readString(state.resolve("event-seq"))).isEqualTo("version 99\n5000\n");
    }

    /** A simulated line whose motors a daemon switched on before it died: its GPIO lines keep their levels. */
    private interface CrashedLine {
        void check(DeviceSim sim, int gpioPort, List<PinConfig> motors) throws Exception;
    }

    private static void withMotorsLeftOn(CrashedLine then) throws Exception {
        ConveyordConfig demo = ConfigLoader.load(REPO.resolve("config/demo.yaml")).config();
        int gpioPort;
        try (ServerSocket s = new ServerSocket(0)) {
            gpioPort = s.getLocalPort();
        }
        // only the line: its GPIO lives in the simulator
        var devices = new java.util.LinkedHashMap<String, org.conveyord.config.DeviceConfig>();
        devices.put("line-1", demo.devicesOrEmpty().get("line-1"));
        ConveyordConfig cfg = demo.withDevices(devices)
                .withGpio(new org.conveyord.config.GpioConfig("sim", null, new org.conveyord.config.GpioConfig.SimBridge("127.0.0.1", gpioPort)));
        LineConfig line = (LineConfig) devices.get("line-1");
        List<PinConfig> motors = line.zonesOrEmpty().stream().map(LineConfig.Zone::motor).toList();
        try (DeviceSim sim = DeviceSim.start(cfg, "tcp://127.0.0.1:1")) {
            try (Socket s = new Socket("127.0.0.1", gpioPort)) {
                OutputStream out = s.getOutputStream();
                out.write(new GpioBridgeMessage.Hello("crashing-daemon").encode());
                for (PinConfig m : motors) out.write(new GpioBridgeMessage.Out(m.pin(), m.activeLevel()).encode());
                out.flush();
                await().atMost(Duration.ofSeconds(5)).until(() -> motors.stream().allMatch(m -> sim.output(m.pin()) == m.activeLevel()));
            }
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
                    .until(() -> motors.stream().allMatch(m -> sim.output(m.pin()) == m.activeLevel()));
            then.check(sim, gpioPort, motors);
        }
    }

    @Test
    void safeOutputsSwitchesOffWhatACrashedDaemonLeftOn() throws Exception {
        withMotorsLeftOn((sim, gpioPort, motors) -> {
            Path file = tmp.resolve("line.yaml");
            Files.writeString(file, Files.readString(REPO.resolve("config/demo.yaml")).replace("port: 7070", "port: " + gpioPort));
            Run r = main("--safe-outputs", "--config", file.toString());
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains("outputs driven inactive");
            await().atMost(Duration.ofSeconds(5)).until(() -> motors.stream().allMatch(m -> sim.output(m.pin()) != m.activeLevel()));
        });
    }

    @Test
    void safeOutputsDrivesTheOutputsOfAConfigWithSemanticErrors() throws Exception {
        withMotorsLeftOn((sim, gpioPort, motors) -> {
            Path file = tmp.resolve("broken.yaml");
            Files.writeString(file, Files.readString(REPO.resolve("config/demo.yaml")).replace("port: 7070", "port: " + gpioPort)
                    .replace("speedMps: 0.8", "speedMps: fast").replace("startWarningS: 2", "startWarnigS: 2"));
            assertThat(main("--check-config", "--config", file.toString()).code()).as("the file has errors").isEqualTo(2);

            Run r = main("--safe-outputs", "--config", file.toString());
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains("speedMps: 'fast' is not a valid number").contains("outputs driven inactive");
            await().atMost(Duration.ofSeconds(5)).until(() -> motors.stream().allMatch(m -> sim.output(m.pin()) != m.activeLevel()));
        });
    }

    @Test
    void safeOutputsFallsBackOnThePinListOfTheLastStartWhenTheConfigCannotBeParsed() throws Exception {
        withMotorsLeftOn((sim, gpioPort, motors) -> {
            // the list the daemon wrote at its last start, from the config it ran with
            Path good = tmp.resolve("line.yaml");
            Files.writeString(good, Files.readString(REPO.resolve("config/demo.yaml")).replace("port: 7070", "port: " + gpioPort));
            ConveyordConfig ran = ConfigLoader.load(good).config();
            Path state = tmp.resolve("state");
            new org.conveyord.hal.OutputPinList(ran.gpioOrDefault(), SafeOutputsCommand.outputs(ran)).write(state);
            // ... then someone broke the file beyond parsing
            Path file = tmp.resolve("garbage.yaml");
            Files.writeString(file, "site: [unclosed\n  devices: {\n");

            Run r = main("--safe-outputs", "--config", file.toString(), "--state-dir", state.toString());
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains("pin list of the last start").contains("outputs driven inactive");
            await().atMost(Duration.ofSeconds(5)).until(() -> motors.stream().allMatch(m -> sim.output(m.pin()) != m.activeLevel()));

            Run none = main("--safe-outputs", "--config", file.toString(), "--state-dir", tmp.resolve("empty").toString());
            assertThat(none.code()).as(none.out()).isEqualTo(1);
            assertThat(none.out()).contains("no output was driven");
        });
    }
}
