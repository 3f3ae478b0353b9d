package org.conveyord.reload;

import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.device.EventSink;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reloads of config/demo.yaml changed on disk, with the daemon's side recorded. */
class ConfigReloadTest {

    private static final Path DEMO = Path.of(System.getProperty("conveyord.repo", ".."), "config", "demo.yaml");
    private static final String OVERRIDDEN_URL = "tcp://127.0.0.1:28883";

    record Applied(ConveyordConfig cfg, String sha) {}

    record Event(String device, String type, Map<String, Object> fields) {}

    @TempDir
    Path dir;
    private Path file;
    private String original;
    private final List<Applied> applied = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private ConfigReload reload;
    private String startSha;

    @BeforeEach
    void loaded() throws IOException {
        file = dir.resolve("conveyord.yaml");
        original = Files.readString(DEMO);
        Files.writeString(file, original);
        ConfigLoader.Result r = ConfigLoader.load(file);
        startSha = r.sha256();
        EventSink sink = (device, type, fields, cmdId) -> {
            events.add(new Event(device, type, fields));
            return events.size();
        };
        // as Main does with --mqtt-url: the override is not a change on reload
        reload = new ConfigReload(file, r.config().withMqttUrl(OVERRIDDEN_URL), startSha, c -> c.withMqttUrl(OVERRIDDEN_URL),
                (c, sha) -> applied.add(new Applied(c, sha)), sink);
    }

    private void write(String from, String to) throws IOException {
        assertThat(original).contains(from);
        Files.writeString(file, original.replace(from, to));
    }

    @Test
    void liveKeysApplyAndTheEventListsThem() throws IOException {
        Files.writeString(file, original.replace("  telemetryIntervalS: 10", "  telemetryIntervalS: 3\n  commands: {perSecond: 20}")
                + "\nlogging:\n  level: DEBUG\n");

        assertThat(reload.reload()).isEqualTo(ConfigReload.Outcome.APPLIED);

        assertThat(applied).singleElement().satisfies(a -> {
            assertThat(a.cfg().mqttOrDefault().telemetryIntervalSOrDefault()).isEqualTo(3);
            assertThat(a.cfg().mqttOrDefault().url()).isEqualTo(OVERRIDDEN_URL);
            assertThat(a.cfg().loggingOrDefault().levelOrDefault()).isEqualTo("DEBUG");
            assertThat(a.sha()).isNotEqualTo(startSha).isEqualTo(reload.currentSha());
        });
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.device()).isEqualTo("node");
            assertThat(e.type()).isEqualTo("config-reloaded");
            assertThat(e.fields()).containsEntry("hash", reload.currentSha())
                    .containsEntry("changed", List.of("logging.level", "mqtt.commands.perSecond", "mqtt.telemetryIntervalS"));
        });
    }

    @Test
    void aLinesJamTimersAndToleranceAndAPrintersTemplatesApplyLive() throws IOException {
        Files.writeString(file, original.replace("    startWarningS: 2\n",
                        "    startWarningS: 2\n    jamRetries: 0\n    arrivalJamMarginS: 3\n    checkweighToleranceGrams: 300\n")
                .replace("    odometer: true ", "    templates: {bag-label: \"^XA^FD${bag}^FS^XZ\"}\n    odometer: true "));

        assertThat(reload.reload()).isEqualTo(ConfigReload.Outcome.APPLIED);

        assertThat(applied).singleElement().satisfies(a -> {
            var line = a.cfg().devicesOfKind(org.conveyord.config.LineConfig.class).get("line-1");
            assertThat(line.jamRetriesOrDefault()).isZero();
            assertThat(line.checkweighToleranceGramsOrDefault()).isEqualTo(300.0);
            assertThat(a.cfg().devicesOfKind(org.conveyord.config.PrinterConfig.class).get("printer-1").templatesOrEmpty())
                    .containsOnlyKeys("bag-label");
        });
        assertThat(events).singleElement().satisfies(e -> assertThat(e.fields()).containsEntry("changed",
                List.of("devices.line-1.arrivalJamMarginS", "devices.line-1.checkweighToleranceGrams", "devices.line-1.jamRetries",
                        "devices.printer-1.templates.bag-label")));
    }

    @Test
    void aKeyThatNeedsARestartRefusesTheWholeReload() throws IOException {
        Files.writeString(file, original.replace("site: demo", "site: demo-2").replace("  telemetryIntervalS: 10", "  telemetryIntervalS: 3"));

        assertThat(reload.reload()).isEqualTo(ConfigReload.Outcome.REFUSED_RESTART_KEYS);

        assertThat(applied).isEmpty();
        assertThat(reload.currentSha()).isEqualTo(startSha);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo("config-rejected");
            assertThat(e.fields()).containsEntry("file", file.toString()).containsEntry("key", "site")
                    .containsEntry("line", lineOf("site: demo-2"));
            assertThat((String) e.fields().get("message")).startsWith("needs a restart");
        });
    }

    @Test
    void aBadFileKeepsTheOldConfigWithFileLineKeyAndMessage() throws IOException {
        write("  telemetryIntervalS: 10", "  telemetryIntervalS: 0");

        assertThat(reload.reload()).isEqualTo(ConfigReload.Outcome.REFUSED_BAD_FILE);

        assertThat(applied).isEmpty();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo("config-rejected");
            assertThat(e.fields()).containsEntry("file", file.toString()).containsEntry("key", "mqtt.telemetryIntervalS")
                    .containsEntry("line", lineOf("  telemetryIntervalS: 0")).containsEntry("message", "must be at least 1 second");
        });

        // fixed afterwards: the change is judged against the config still in force
        write("  telemetryIntervalS: 10", "  telemetryIntervalS: 5");
        assertThat(reload.reload()).isEqualTo(ConfigReload.Outcome.APPLIED);
        assertThat(events.getLast().fields()).containsEntry("changed", List.of("mqtt.telemetryIntervalS"));
    }

    @Test
    void anUnchangedFileIsAReloadWithNothingChanged() {
        assertThat(reload.reload()).isEqualTo(ConfigReload.Outcome.UNCHANGED);
        assertThat(events).singleElement().satisfies(e -> assertThat(e.fields()).containsEntry("changed", List.of()));
    }

    @Test
    void whichKeysAreLive() {
        assertThat(ConfigReload.isLive("logging.format")).isTrue();
        assertThat(ConfigReload.isLive("health.cpuTempMaxC")).isTrue();
        assertThat(ConfigReload.isLive("mqtt.commands.burst")).isTrue();
        assertThat(ConfigReload.isLive("mqtt.telemetryIntervalS")).isTrue();
        assertThat(ConfigReload.isLive("mqtt.url")).isFalse();
        assertThat(ConfigReload.isLive("devices.line-1.jam.clearMs")).isFalse();
        assertThat(ConfigReload.isLive("devices.line-1.sensorJamS")).isTrue();
        assertThat(ConfigReload.isLive("devices.line-1.jamRetries")).isTrue();
        assertThat(ConfigReload.isLive("devices.line-1.checkweighTolerancePct")).isTrue();
        assertThat(ConfigReload.isLive("devices.printer-1.templates")).isTrue();
        assertThat(ConfigReload.isLive("devices.printer-1.templates.shelf-label")).isTrue();
        assertThat(ConfigReload.isLive("devices.jamRetries")).as("a device id, then the key").isFalse();
        assertThat(ConfigReload.isLive("devices.line-1.zones")).isFalse();
        assertThat(ConfigReload.isLive("devices.printer-1.link.tcp")).isFalse();
        assertThat(ConfigReload.isLive("devices.line-1.speedMps")).isFalse();
        assertThat(ConfigReload.isLive("gpio.chip")).isFalse();
    }

    private int lineOf(String text) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).equals(text)) return i + 1;
        throw new AssertionError("no line '" + text + "' in " + file);
    }
}
