package org.conveyord.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A normally-closed e-stop whose wire breaks must read pressed, a reset button whose wire breaks
 * must read not pressed: on hardware, {@code --check-config} warns unless the input's bias does that.
 */
class InputBiasTest {
    private static final Path CONFIG_DIR = Path.of(System.getProperty("conveyord.repo", ".."), "config");
    private static final String ESTOP = "estop: {pin: 4, debounceMs: 50}";
    private static final String BUTTONS = "buttons: {start: 5, stop: 6, reset: 13}";

    @TempDir
    Path tmp;

    /** The demo line on real GPIO, with its e-stop and buttons lines replaced. */
    private ConfigLoader.Result onHardware(String estop, String buttons) throws IOException {
        String s = Files.readString(CONFIG_DIR.resolve("demo.yaml"));
        assertThat(s).contains(ESTOP).contains(BUTTONS).contains("provider: sim ");
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, s.replace("provider: sim ", "provider: gpiod ").replace(ESTOP, estop).replace(BUTTONS, buttons));
        return ConfigLoader.load(f);
    }

    private static java.util.List<ConfigProblem> biasWarnings(ConfigLoader.Result r) {
        return r.warnings().stream().filter(p -> p.keyPath().endsWith(".bias")).toList();
    }

    @Test
    void anEstopAndResetWithoutBiasAreWarnedAboutNamingTheBiasThatMakesABrokenWireSafe() throws IOException {
        ConfigLoader.Result r = onHardware(ESTOP, BUTTONS);
        assertThat(r.ok()).isTrue();
        assertThat(biasWarnings(r)).satisfiesExactlyInAnyOrder(
                p -> {
                    assertThat(p.keyPath()).isEqualTo("devices.line-1.estop.bias");
                    assertThat(p.message()).contains("no bias").contains("may read released").contains("expected bias: pull-down");
                    assertThat(p.line()).isPositive();
                },
                p -> {
                    assertThat(p.keyPath()).isEqualTo("devices.line-1.buttons.reset.bias");
                    assertThat(p.message()).contains("no bias").contains("may read pressed").contains("expected bias: pull-down");
                });
    }

    @Test
    void aBiasThatMakesABrokenWireReadReleasedIsWarnedAbout() throws IOException {
        ConfigLoader.Result highActive = onHardware("estop: {pin: 4, debounceMs: 50, bias: pull-up}",
                "buttons: {start: 5, stop: 6, reset: {pin: 13, activeLow: true, bias: pull-down}}");
        assertThat(biasWarnings(highActive)).extracting(ConfigProblem::message).containsExactlyInAnyOrder(
                "bias pull-up makes a broken wire to the e-stop read released (activeLow: false); expected bias: pull-down",
                "bias pull-down makes a broken wire to the reset button read pressed (activeLow: true); expected bias: pull-up");
    }

    @Test
    void theSafeBiasOrAnExternalResistorIsNotWarnedAbout() throws IOException {
        assertThat(biasWarnings(onHardware("estop: {pin: 4, debounceMs: 50, bias: pull-down}",
                "buttons: {start: 5, stop: 6, reset: {pin: 13, bias: pull-down}}"))).isEmpty();
        assertThat(biasWarnings(onHardware("estop: {pin: 4, activeLow: true, bias: pull-up}",
                "buttons: {start: 5, stop: 6, reset: {pin: 13, activeLow: true, bias: pull-up}}"))).isEmpty();
        ConfigLoader.Result external = onHardware("estop: {pin: 4, bias: external}", "buttons: {start: 5, stop: 6, reset: {pin: 13, bias: external}}");
        assertThat(biasWarnings(external)).isEmpty();
        assertThat(((LineConfig) external.config().devicesOrEmpty().get("line-1")).estop().bias()).isEqualTo(PinConfig.Bias.EXTERNAL);
    }

    @Test
    void anUnknownBiasIsAnErrorWithItsLineAndTheValuesExpected() throws IOException {
        ConfigLoader.Result r = onHardware("estop: {pin: 4, bias: sideways}", BUTTONS);
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo("devices.line-1.estop.bias");
            assertThat(p.message()).contains("'sideways'").contains("pull-up, pull-down or external");
            assertThat(p.line()).isPositive();
        });
    }

    @Test
    void aBiasOnAnOutputIsWarnedAboutAndTheSimulatorHasNoWiresToBreak() throws IOException {
        String s = Files.readString(CONFIG_DIR.resolve("demo.yaml")).replace("horn: 17", "horn: {pin: 17, bias: pull-up}");
        Path f = tmp.resolve("sim.yaml");
        Files.writeString(f, s);
        ConfigLoader.Result r = ConfigLoader.load(f);
        assertThat(biasWarnings(r)).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo("devices.line-1.horn.bias");
            assertThat(p.message()).contains("inputs only");
        });
    }

    @Test
    void theShippedStoreExampleHasNoBiasWarning() {
        ConfigLoader.Result r = ConfigLoader.load(CONFIG_DIR.resolve("store-example.yaml"));
        assertThat(r.ok()).isTrue();
        assertThat(biasWarnings(r)).isEmpty();
        LineConfig line = r.config().devicesOfKind(LineConfig.class).get("line-1");
        assertThat(line.estop().bias()).isEqualTo(PinConfig.Bias.PULL_DOWN);
        assertThat(line.buttons().reset().bias()).isEqualTo(PinConfig.Bias.PULL_DOWN);
    }
}
