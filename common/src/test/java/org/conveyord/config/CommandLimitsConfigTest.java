package org.conveyord.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mqtt.commands}: the rate limits and their bursts, read from the shipped store example. */
class CommandLimitsConfigTest {
    private static final Path STORE_EXAMPLE = Path.of(System.getProperty("conveyord.repo", ".."), "config", "store-example.yaml");

    @TempDir
    Path tmp;

    private ConfigLoader.Result loadExampleWith(String from, String to) throws IOException {
        String s = Files.readString(STORE_EXAMPLE);
        assertThat(s).contains(from);
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, s.replace(from, to));
        return ConfigLoader.load(f);
    }

    @Test
    void theBurstsAreReadFromTheFile() throws IOException {
        ConfigLoader.Result r = loadExampleWith("    perSenderBurst: 50 ", "    perSenderBurst: 80 ");
        MqttConfig.CommandsConfig c = r.config().mqttOrDefault().commandsOrDefault();
        assertThat(c.perSenderBurstOrDefault()).isEqualTo(80);
        assertThat(c.burstOrDefault()).isEqualTo(50);
        assertThat(c.perSenderPerSecondOrDefault()).isEqualTo(10);
    }

    @Test
    void aBurstDefaultsToFiftyOrTheRateWhenThatIsHigher() {
        assertThat(new MqttConfig.CommandsConfig(null, null, null, null, null).perSenderBurstOrDefault()).isEqualTo(50);
        assertThat(new MqttConfig.CommandsConfig(null, 80, 200, null, null).perSenderBurstOrDefault()).isEqualTo(80);
        assertThat(new MqttConfig.CommandsConfig(null, 80, 200, null, null).burstOrDefault()).isEqualTo(200);
    }

    @Test
    void aBurstOfZeroIsAnErrorOnItsKey() throws IOException {
        ConfigLoader.Result r = loadExampleWith("    burst: 50 ", "    burst: 0 ");
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).filteredOn(ConfigProblem::isError)
                .anySatisfy(p -> {
                    assertThat(p.keyPath()).isEqualTo("mqtt.commands.burst");
                    assertThat(p.message()).contains("at least 1");
                });
    }
}
