package org.conveyord.node;

import org.conveyord.config.HealthConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a fake sysfs root; disk space is the real file system's, so its threshold is set around it. */
class BoxHealthTest {

    @TempDir
    Path root;
    @TempDir
    Path stateDir;

    private final AtomicBoolean synced = new AtomicBoolean(true);

    private BoxHealth health(HealthConfig cfg) {
        return new BoxHealth(root, stateDir, cfg, synced::get, () -> 0.25);
    }

    private void write(String rel, String content) throws IOException {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    @Test
    void readsTemperatureFlagsDiskAndOutbox() throws IOException {
        write(BoxHealth.CPU_TEMP, "48312\n");
        write(BoxHealth.GET_THROTTLED, "50000\n");
        BoxHealth h = health(new HealthConfig(null, 0.0, null));

        assertThat(h.sample()).isEmpty();
        BoxHealth.Snapshot s = h.last();
        assertThat(s.cpuTempC()).isEqualTo(48.3);
        assertThat(s.throttledFlags()).isEqualTo(0x50000);
        assertThat(s.diskFreePct()).isBetween(0.0, 100.0);
        assertThat(s.healthy()).isTrue();
        assertThat(s.toMap()).containsEntry("cpuTempC", 48.3).containsEntry("underVoltage", false)
                .containsEntry("throttled", false).containsEntry("throttledFlags", "0x50000")
                .containsEntry("outboxFillPct", 25.0).containsEntry("clockSynced", true);
    }

    @Test
    void aHotCpuIsOneEventWhenItCrossesAndOneWhenItClears() throws IOException {
        write(BoxHealth.CPU_TEMP, "79000\n");
        BoxHealth h = health(new HealthConfig(80.0, 0.0, null));
        assertThat(h.sample()).isEmpty();

        write(BoxHealth.CPU_TEMP, "81500\n");
        assertThat(h.sample()).containsExactly(new BoxHealth.Change("cpu-temp", 81.5, false));
        assertThat(h.last().active()).containsExactly("cpu-temp");
        assertThat(h.last().healthy()).isFalse();

        write(BoxHealth.CPU_TEMP, "82000\n");
        assertThat(h.sample()).as("still over: no second event").isEmpty();

        write(BoxHealth.CPU_TEMP, "70000\n");
        assertThat(h.sample()).containsExactly(new BoxHealth.Change("cpu-temp", 70.0, true));
        assertThat(h.last().healthy()).isTrue();
    }

    @Test
    void underVoltageAndThrottlingNowAreCrossingsButSinceBootAloneIsNot() throws IOException {
        write(BoxHealth.GET_THROTTLED, "50000\n");
        BoxHealth h = health(new HealthConfig(null, 0.0, null));
        assertThat(h.sample()).isEmpty();

        write(BoxHealth.GET_THROTTLED, "50005\n");
        assertThat(h.sample()).extracting(BoxHealth.Change::reason).containsExactlyInAnyOrder("throttled", "undervoltage");
        assertThat(h.last().toMap()).containsEntry("underVoltage", true).containsEntry("throttled", true);

        write(BoxHealth.GET_THROTTLED, "50001\n");
        assertThat(h.sample()).containsExactly(new BoxHealth.Change("throttled", "0x50001", true));
        assertThat(h.last().active()).containsExactly("undervoltage");
    }

    @Test
    void lowDiskAndAnUnsyncedClockWhenRequired() {
        BoxHealth h = health(new HealthConfig(null, 100.1, true));
        synced.set(false);
        assertThat(h.sample()).extracting(BoxHealth.Change::reason).containsExactlyInAnyOrder("disk-low", "clock-unsynced");
        assertThat(h.sample()).isEmpty();
        synced.set(true);
        assertThat(h.sample()).containsExactly(new BoxHealth.Change("clock-unsynced", true, true));
    }

    @Test
    void anUnsyncedClockIsReportedButNoCrossingByDefault() {
        synced.set(false);
        BoxHealth h = health(new HealthConfig(null, 0.0, null));
        assertThat(h.sample()).isEmpty();
        assertThat(h.last().toMap()).containsEntry("clockSynced", false);
    }

    @Test
    void aBoxWithoutThermalZoneOrPiFirmwareLeavesThemOut() throws IOException {
        BoxHealth h = health(new HealthConfig(null, 0.0, null));
        assertThat(h.sample()).isEmpty();
        assertThat(h.last().toMap()).doesNotContainKeys("cpuTempC", "underVoltage", "throttled").containsKey("diskFreePct");

        write(BoxHealth.CPU_TEMP, "warm\n");
        assertThat(h.sample()).isEmpty();
        assertThat(h.last().cpuTempC()).isNull();
    }
}
