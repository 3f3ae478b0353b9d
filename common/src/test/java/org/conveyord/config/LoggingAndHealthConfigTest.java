package org.conveyord.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code logging} and {@code health}, added to the shipped store example. */
class LoggingAndHealthConfigTest {
    private static final Path STORE_EXAMPLE = Path.of(System.getProperty("conveyord.repo", ".."), "config", "store-example.yaml");

    @TempDir
    Path tmp;

    private ConfigLoader.Result loadExampleWith(String extra) throws IOException {
        Path f = tmp.resolve("conveyord.yaml");
        Files.writeString(f, Files.readString(STORE_EXAMPLE) + "\n" + extra);
        return ConfigLoader.load(f);
    }

    private static int lines(Path f) throws IOException {
        return Files.readAllLines(f).size();
    }

    @Test
    void levelAndFormatAreRead() throws IOException {
        ConfigLoader.Result r = loadExampleWith("logging:\n  level: DEBUG\n  format: json\n");
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).isEmpty();
        assertThat(r.config().loggingOrDefault()).isEqualTo(new LoggingConfig("DEBUG", "json"));
    }

    @Test
    void withoutALoggingSectionTheDefaultsAreInfoAndText() throws IOException {
        ConfigLoader.Result r = loadExampleWith("");
        assertThat(r.config().loggingOrDefault().levelOrDefault()).isEqualTo("INFO");
        assertThat(r.config().loggingOrDefault().formatOrDefault()).isEqualTo("text");
        assertThat(r.config().healthOrDefault().cpuTempMaxCOrDefault()).isEqualTo(80.0);
        assertThat(r.config().healthOrDefault().diskFreeMinPercentOrDefault()).isEqualTo(10.0);
        assertThat(r.config().healthOrDefault().clockSyncRequiredOrDefault()).isFalse();
    }

    @Test
    void aBadLevelIsAnErrorOnItsLineNamingTheLevels() throws IOException {
        ConfigLoader.Result r = loadExampleWith("logging:\n  level: LOUD\n");
        assertThat(r.ok()).isFalse();
        int levelLine = lines(r.file());
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo("logging.level");
            assertThat(p.line()).isEqualTo(levelLine);
            assertThat(p.format()).isEqualTo(r.file() + ":" + levelLine
                    + ": logging.level: 'LOUD' is not a log level; expected one of: ERROR, WARN, INFO, DEBUG, TRACE (default INFO)");
        });
    }

    @Test
    void aBadFormatIsAnErrorNamingTextAndJson() throws IOException {
        ConfigLoader.Result r = loadExampleWith("logging:\n  format: xml\n");
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo("logging.format");
            assertThat(p.message()).isEqualTo("'xml' is not a log format; expected text (default) or json");
        });
    }

    @Test
    void healthThresholdsAreReadAndCheckedForRange() throws IOException {
        ConfigLoader.Result ok = loadExampleWith("health:\n  cpuTempMaxC: 75\n  diskFreeMinPercent: 5\n  clockSyncRequired: true\n");
        assertThat(ok.problems()).filteredOn(ConfigProblem::isError).isEmpty();
        assertThat(ok.config().healthOrDefault()).isEqualTo(new HealthConfig(75.0, 5.0, true));

        ConfigLoader.Result bad = loadExampleWith("health:\n  cpuTempMaxC: 800\n");
        assertThat(bad.problems()).filteredOn(ConfigProblem::isError).singleElement().satisfies(p -> {
            assertThat(p.keyPath()).isEqualTo("health.cpuTempMaxC");
            assertThat(p.message()).contains("between 30 and 110");
        });
    }
}
