package org.conveyord.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigLoaderTest {
    private static final Path CONFIG_DIR = Path.of(System.getProperty("conveyord.repo", ".."), "config");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"demo.yaml", "store-example.yaml"})
    void shippedExamplesLoadWithoutErrors(String name) {
        ConfigLoader.Result r = ConfigLoader.load(CONFIG_DIR.resolve(name));
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).isEmpty();
        assertThat(r.ok()).isTrue();
        assertThat(r.sha256()).hasSize(64);
        LineConfig line = r.config().devicesOfKind(LineConfig.class).get("line-1");
        assertThat(line.zonesOrEmpty()).extracting(LineConfig.Zone::id).containsExactly("p1", "p2", "m1", "z1", "w1");
        assertThat(line.stationsOrEmpty()).extracting(LineConfig.Station::id).containsExactly("pick-1", "pick-2");
        assertThat(r.config().devicesOrEmpty()).containsKeys("scale-1", "printer-1", "scanner-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo.yaml", "store-example.yaml"})
    void shippedExamplesHaveNoWarnings(String name) {
        assertThat(ConfigLoader.load(CONFIG_DIR.resolve(name)).problems()).extracting(ConfigProblem::format).isEmpty();
    }

    @Test
    void demoKeepsItsValues() {
        ConveyordConfig c = ConfigLoader.load(CONFIG_DIR.resolve("demo.yaml")).config();
        assertThat(c.mqttBase()).isEqualTo("conveyord/demo/edge-1");
        assertThat(c.gpioOrDefault().providerOrDefault()).isEqualTo("sim");
        LineConfig line = (LineConfig) c.devicesOrEmpty().get("line-1");
        assertThat(line.estop()).isEqualTo(new PinConfig(4, false, 50));
        assertThat(line.horn()).isEqualTo(new PinConfig(17, false, 0));
        assertThat(((ScannerConfig) c.devicesOrEmpty().get("scanner-1")).suffixOrDefault()).isEqualTo("\r\n");
    }

    private ConfigLoader.Result loadText(String yaml) throws IOException {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f);
    }

    private String demoWith(String from, String to) throws IOException {
        String s = Files.readString(CONFIG_DIR.resolve("demo.yaml"));
        assertThat(s).contains(from);
        return s.replace(from, to);
    }

    private static int lineOf(String text, String needle) {
        String before = text.substring(0, text.indexOf(needle));
        return (int) before.chars().filter(ch -> ch == '\n').count() + 1;
    }

    @Test
    void aTypoInAKeyIsReportedWithItsLineAndTheKeysExpected() throws IOException {
        String yaml = demoWith("    startWarningS: 2", "    startWarnigS: 2");
        ConfigLoader.Result r = loadText(yaml);
        assertThat(r.ok()).isFalse();
        ConfigProblem p = r.problems().stream().filter(ConfigProblem::isError).findFirst().orElseThrow();
        assertThat(p.line()).isEqualTo(lineOf(yaml, "startWarnigS"));
        assertThat(p.keyPath()).isEqualTo("devices.line-1.startWarnigS");
        assertThat(p.message()).contains("unknown key 'startWarnigS'").contains("startWarningS");
        assertThat(p.format()).startsWith(tmp.resolve("c.yaml") + ":" + p.line() + ": devices.line-1.startWarnigS: ");
    }

    @Test
    void everyProblemIsListedNotJustTheFirst() throws IOException {
        String yaml = demoWith("    speedMps: 0.8", "    speedMps: fast")
                .replace("{id: z1, lengthM: 1.2", "{id: z1, lengthM: 0.3")
                .replace("next: w1}", "next: w9}")
                .replace("port: 7070", "port: 7070, colour: red");
        ConfigLoader.Result r = loadText(yaml);
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).extracting(ConfigProblem::keyPath)
                .contains("devices.line-1.speedMps", "gpio.sim.colour", "devices.line-1.zones[3].lengthM", "devices.line-1.zones[3].next");
        ConfigProblem speed = r.problems().stream().filter(p -> p.keyPath().equals("devices.line-1.speedMps")).findFirst().orElseThrow();
        assertThat(speed.line()).isEqualTo(lineOf(yaml, "speedMps: fast"));
        assertThat(speed.message()).contains("'fast'").contains("expected a number");
        ConfigProblem zone = r.problems().stream().filter(p -> p.keyPath().equals("devices.line-1.zones[3].lengthM")).findFirst().orElseThrow();
        assertThat(zone.message()).contains("longer than the longest bag");
    }

    @Test
    void aPinUsedTwiceIsAnError() throws IOException {
        ConfigLoader.Result r = loadText(demoWith("horn: 17", "horn: 4"));
        assertThat(r.problems()).filteredOn(ConfigProblem::isError)
                .anySatisfy(p -> assertThat(p.message()).contains("pin 4 is already used by devices.line-1.estop"));
    }

    @Test
    void laneFullTakesExceptionOrHoldAndSaysWhyNotRecirculate() throws IOException {
        assertThat(loadText(demoWith("    startWarningS: 2", "    startWarningS: 2\n    laneFull: hold")).problems())
                .filteredOn(ConfigProblem::isError).isEmpty();
        ConfigLoader.Result r = loadText(demoWith("    startWarningS: 2", "    startWarningS: 2\n    laneFull: recirculate"));
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo("devices.line-1.laneFull");
            assertThat(p.message()).contains("recirculation loop").contains("expected exception or hold");
            assertThat(p.line()).isGreaterThan(0);
        });
        ConfigLoader.Result typo = loadText(demoWith("    startWarningS: 2", "    startWarningS: 2\n    laneFull: wait"));
        assertThat(typo.problems()).filteredOn(ConfigProblem::isError)
                .anySatisfy(p -> assertThat(p.message()).contains("expected exception").contains("or hold"));
    }

    @Test
    void aDiverterTooCloseToTheEntryEyeIsRejectedAtThisSpeed() throws IOException {
        ConfigLoader.Result r = loadText(demoWith("{lane: lane-1, atM: 1.4,", "{lane: lane-1, atM: 0.5,"));
        assertThat(r.problems()).filteredOn(ConfigProblem::isError)
                .anySatisfy(p -> {
                    assertThat(p.keyPath()).isEqualTo("devices.line-1.sorter.diverters[0].atM");
                    assertThat(p.message()).contains("cannot be reached in time");
                });
    }

    @Test
    void unknownDeviceKindAndBadLinkAreExplained() throws IOException {
        ConfigLoader.Result kind = loadText(demoWith("    kind: scale", "    kind: weigher"));
        assertThat(kind.problems()).anySatisfy(p -> assertThat(p.message()).contains("unknown device kind 'weigher'"));
        ConfigLoader.Result link = loadText(demoWith("{tcp: \"127.0.0.1:7101\"}", "{tcp: \"127.0.0.1\"}"));
        assertThat(link.problems()).anySatisfy(p -> {
            assertThat(p.keyPath()).isEqualTo("devices.scale-1.link.tcp");
            assertThat(p.message()).contains("is not host:port");
        });
    }

    @Test
    void ttyUsbPathsAreAWarningNotAnError() throws IOException {
        ConfigLoader.Result r = loadText(demoWith("{tcp: \"127.0.0.1:7101\"}", "{serial: /dev/ttyUSB0}"));
        assertThat(r.ok()).isTrue();
        assertThat(r.warnings()).anySatisfy(p -> assertThat(p.message()).contains("/dev/serial/by-id/"));
    }

    @Test
    void aStationFeedingAMergeWithoutAScannerIsWarnedAbout() throws IOException {
        assertThat(loadText(demoWith("scanner: scanner-2", "scanner: scanner-2")).warnings()).noneSatisfy(p -> assertThat(p.keyPath()).endsWith(".scanner"));
        ConfigLoader.Result r = loadText(demoWith("{id: pick-2, zone: p2, scanner: scanner-2, scanAtM: 0.6}", "{id: pick-2, zone: p2}"));
        assertThat(r.ok()).isTrue();
        assertThat(r.warnings()).anySatisfy(p -> {
            assertThat(p.keyPath()).isEqualTo("devices.line-1.stations[1].scanner");
            assertThat(p.message()).contains("feeds the merge m1").contains("0.10 m before the merge");
        });
    }

    @Test
    void anOutputThatBootsActiveIsWarnedAboutOnHardware() throws IOException {
        String yaml = demoWith("provider: sim ", "provider: gpiod ").replace("horn: 17", "horn: {pin: 17, activeLow: true}");
        ConfigLoader.Result r = loadText(yaml);
        assertThat(r.warnings()).anySatisfy(p -> {
            assertThat(p.keyPath()).isEqualTo("devices.line-1.horn");
            assertThat(p.message()).contains("pulled down at boot");
        });
    }

    @Test
    void garbageAndMissingFilesGiveOneClearProblem() throws IOException {
        ConfigLoader.Result missing = ConfigLoader.load(tmp.resolve("nope.yaml"));
        assertThat(missing.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("cannot read the file"));
        ConfigLoader.Result garbage = loadText("site: [unclosed\n  node: x: y: z\n");
        assertThat(garbage.ok()).isFalse();
        assertThat(garbage.problems()).isNotEmpty().allSatisfy(p -> assertThat(p.format()).contains("c.yaml:"));
        ConfigLoader.Result empty = loadText("");
        assertThat(empty.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("empty"));
    }
    /** Values that do not parse, each with the key path its one error must name. */
    private static final String[][] UNPARSEABLE = {
            {"    speedMps: 0.8", "    speedMps: fast", "devices.line-1.speedMps"},
            {"  telemetryIntervalS: 10", "  telemetryIntervalS: often", "mqtt.telemetryIntervalS"},
            {"{mps: 0.5, output: 116}", "{mps: slow, output: 116}", "devices.line-1.speedPresets[0].mps"},
            {"{lane: lane-1, atM: 1.4,", "{lane: lane-1, atM: near,", "devices.line-1.sorter.diverters[0].atM"},
            {"estop: {pin: 4,", "estop: {pin: four,", "devices.line-1.estop.pin"},
            {"    timeoutMs: 2000", "    timeoutMs: slow", "devices.scale-1.timeoutMs"},
            {"jobDeadlineS: 60 ", "jobDeadlineS: a-minute ", "devices.printer-1.jobDeadlineS"},
            {"duplicateWindowMs: 500", "duplicateWindowMs: short", "devices.scanner-1.duplicateWindowMs"},
    };

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> unparseableValues() {
        return java.util.Arrays.stream(UNPARSEABLE).map(u -> org.junit.jupiter.params.provider.Arguments.of((Object[]) u));
    }

    @ParameterizedTest(name = "{2}")
    @org.junit.jupiter.params.provider.MethodSource("unparseableValues")
    void aValueThatDoesNotParseIsOneErrorNotACascade(String from, String to, String keyPath) throws IOException {
        ConfigLoader.Result r = loadText(demoWith(from, to));
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo(keyPath);
            assertThat(p.message()).contains("is not a valid");
        });
    }

    @Test
    void severalValuesThatDoNotParseAreOneErrorEach() throws IOException {
        String yaml = Files.readString(CONFIG_DIR.resolve("demo.yaml"));
        for (String[] u : UNPARSEABLE) {
            assertThat(yaml).contains(u[0]);
            yaml = yaml.replace(u[0], u[1]);
        }
        ConfigLoader.Result r = loadText(yaml);
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).extracting(ConfigProblem::keyPath)
                .containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(UNPARSEABLE).map(u -> u[2]).toList());
    }

    @Test
    void aKeyInsideOneThatDidNotParseCountsAsThatKey() {
        java.util.Set<String> unparsed = java.util.Set.of("devices.line-1.estop", "devices.line-1.zones[0]");
        assertThat(ConfigLoader.underAny("devices.line-1.estop", unparsed)).isTrue();
        assertThat(ConfigLoader.underAny("devices.line-1.estop.debounceMs", unparsed)).isTrue();
        assertThat(ConfigLoader.underAny("devices.line-1.zones[0].eyeAtM", unparsed)).isTrue();
        assertThat(ConfigLoader.underAny("devices.line-1.estopReset", unparsed)).isFalse();
        assertThat(ConfigLoader.underAny("devices.line-1.zones[1].eyeAtM", unparsed)).isFalse();
        assertThat(ConfigLoader.underAny("devices.line-1", unparsed)).isFalse();
    }
}
