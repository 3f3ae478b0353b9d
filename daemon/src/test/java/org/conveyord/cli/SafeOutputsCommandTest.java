package org.conveyord.cli;

import org.conveyord.config.ConfigLoader;
import org.conveyord.config.PinConfig;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.Gpio;
import org.conveyord.hal.GpioException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One output whose write fails must not keep the others on. */
class SafeOutputsCommandTest {
    private static final Path REPO = Path.of(System.getProperty("conveyord.repo", ".."));

    /** A board on which one named output cannot be written. */
    private static final class OneBrokenOutput implements Gpio {
        final String broken;
        final Map<String, Boolean> levels = new LinkedHashMap<>();

        OneBrokenOutput(String broken) { this.broken = broken; }

        @Override
        public DigitalIn input(String name, PinConfig pin, boolean normallyClosed) {
            throw new UnsupportedOperationException("--safe-outputs reads no input");
        }

        @Override
        public DigitalOut output(String name, PinConfig pin) {
            return new DigitalOut() {
                @Override public String name() { return name; }

                @Override public int pin() { return pin.pin(); }

                @Override
                public void set(boolean on) {
                    if (name.equals(broken)) throw new GpioException("line " + pin.pin() + " is busy", null);
                    levels.put(name, on);
                }

                @Override public boolean isActive() { return Boolean.TRUE.equals(levels.get(name)); }
            };
        }

        @Override public List<DigitalOut> outputs() { return List.of(); }

        @Override public void allOutputsOff() { }

        @Override public void close() { }
    }

    @Test
    void everyOtherOutputIsStillDrivenAndTheFailedOneIsNamedInTheExitCodeAndLog() {
        ConfigLoader.Result demo = ConfigLoader.load(REPO.resolve("config/demo.yaml"));
        List<String> all = new ArrayList<>(SafeOutputsCommand.outputs(demo.config()).keySet());
        String broken = all.get(1);
        OneBrokenOutput board = new OneBrokenOutput(broken);

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int code;
        try (PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(p);
            code = SafeOutputsCommand.run(demo, null, g -> board);
        } finally {
            System.setErr(oldErr);
        }

        assertThat(code).isEqualTo(1);
        List<String> others = new ArrayList<>(all);
        others.remove(broken);
        assertThat(board.levels.keySet()).containsExactlyElementsOf(others);
        assertThat(board.levels.values()).allMatch(on -> !on);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("output " + broken + " (pin").contains("FAILED")
                .contains((all.size() - 1) + " outputs driven inactive, 1 FAILED: " + broken);
    }
}
