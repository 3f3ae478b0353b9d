package org.conveyord.node;

import org.conveyord.config.HealthConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;

/**
 * The edge box's own health: CPU temperature ({@code sys/class/thermal/thermal_zone0/temp}, milli-°C),
 * the Pi firmware's under-voltage and throttling flags ({@code get_throttled} of the firmware device in
 * sysfs, hex, where the kernel has it), free space on the state directory's file system, outbox fill and
 * clock sync.
 * <p>
 * A reading over its threshold is a <em>crossing</em>: it is reported once when it starts (an event
 * {@code box-health {reason, value}}) and once when it ends ({@code {reason, value, cleared: true}}),
 * never on every sample; while any crossing lasts the node's status is {@code degraded}. A value the box
 * cannot read (no thermal zone, no Pi firmware) is absent from the report and never a crossing.
 * <p>
 * Threading: {@link #sample()} reads files and may block briefly; call it off the control loop. The
 * last snapshot is safe to read from any thread.
 */
public final class BoxHealth {

    private static final Logger log = LoggerFactory.getLogger(BoxHealth.class);

    static final String CPU_TEMP = "sys/class/thermal/thermal_zone0/temp";
    /** The raspberrypi firmware driver's attribute; newer kernels also offer it through hwmon. */
    static final String GET_THROTTLED = "sys/devices/platform/soc/soc:firmware/get_throttled";
    static final int UNDER_VOLTAGE_NOW = 1;
    /** ARM frequency capped, currently throttled, soft temperature limit active. */
    static final int THROTTLED_NOW = 0x2 | 0x4 | 0x8;

    /** One change of a crossing, for the {@code box-health} event. */
    public record Change(String reason, Object value, boolean cleared) {
        public Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("reason", reason);
            f.put("value", value);
            if (cleared) f.put("cleared", true);
            return f;
        }
    }

    /**
     * What was read last. Null numbers were not readable on this box.
     *
     * @param throttledFlags the firmware's raw flags (current bits 0-3, since-boot bits 16-19)
     * @param active         the reasons crossing their threshold now, sorted
     */
    public record Snapshot(Double cpuTempC, Integer throttledFlags, Double diskFreePct, double outboxFillPct,
                           boolean clockSynced, Set<String> active) {
        public static final Snapshot NONE = new Snapshot(null, null, null, 0, false, Set.of());

        public boolean healthy() { return active.isEmpty(); }

        /** The report for status and telemetry. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (cpuTempC != null) m.put("cpuTempC", cpuTempC);
            if (throttledFlags != null) {
                m.put("underVoltage", (throttledFlags & UNDER_VOLTAGE_NOW) != 0);
                m.put("throttled", (throttledFlags & THROTTLED_NOW) != 0);
                m.put("throttledFlags", "0x" + Integer.toHexString(throttledFlags));
            }
            if (diskFreePct != null) m.put("diskFreePct", diskFreePct);
            m.put("outboxFillPct", outboxFillPct);
            m.put("clockSynced", clockSynced);
            m.put("problems", List.copyOf(active));
            return m;
        }
    }

    private final Path cpuTempFile;
    private final Path throttledFile;
    private final Path stateDir;
    private volatile HealthConfig cfg;
    private final BooleanSupplier clockSynced;
    private final DoubleSupplier outboxFill;
    private volatile Snapshot last = Snapshot.NONE;
    private final Set<String> warnedUnreadable = new TreeSet<>();

    /**
     * @param root       the file-system root sysfs is read under ({@code /}, or a fake root in tests)
     * @param outboxFill the outbox's fill, 0..1
     */
    public BoxHealth(Path root, Path stateDir, HealthConfig cfg, BooleanSupplier clockSynced, DoubleSupplier outboxFill) {
        this.cpuTempFile = root.resolve(CPU_TEMP);
        this.throttledFile = root.resolve(GET_THROTTLED);
        this.stateDir = stateDir;
        this.cfg = cfg;
        this.clockSynced = clockSynced;
        this.outboxFill = outboxFill;
    }

    public Snapshot last() { return last; }

    /** New thresholds from a reloaded config; the next sample judges by them. */
    public void apply(HealthConfig newCfg) { this.cfg = newCfg; }

    /** Reads everything once; returns the crossings that started or ended since the last sample. */
    public synchronized List<Change> sample() {
        Double temp = readCpuTemp();
        Integer flags = readThrottled();
        Double diskFree = readDiskFree();
        double fill = Math.round(outboxFill.getAsDouble() * 1000) / 10.0;
        boolean synced = clockSynced.getAsBoolean();

        HealthConfig cfg = this.cfg;
        Map<String, Object> now = new LinkedHashMap<>();
        if (temp != null && temp >= cfg.cpuTempMaxCOrDefault()) now.put("cpu-temp", temp);
        if (flags != null && (flags & THROTTLED_NOW) != 0) now.put("throttled", "0x" + Integer.toHexString(flags));
        if (flags != null && (flags & UNDER_VOLTAGE_NOW) != 0) now.put("undervoltage", "0x" + Integer.toHexString(flags));
        if (diskFree != null && diskFree < cfg.diskFreeMinPercentOrDefault()) now.put("disk-low", diskFree);
        if (!synced && cfg.clockSyncRequiredOrDefault()) now.put("clock-unsynced", false);

        Snapshot before = last;
        List<Change> changes = new ArrayList<>();
        now.forEach((reason, value) -> {
            if (!before.active().contains(reason)) changes.add(new Change(reason, value, false));
        });
        for (String reason : before.active()) {
            if (!now.containsKey(reason)) changes.add(new Change(reason, currentValue(reason, temp, flags, diskFree, synced), true));
        }
        last = new Snapshot(temp, flags, diskFree, fill, synced, new TreeSet<>(now.keySet()));
        for (Change c : changes) {
            if (c.cleared()) log.info("Box health: {} back to normal ({})", c.reason(), c.value());
            else log.warn("Box health: {} ({}): status is degraded until it clears", c.reason(), c.value());
        }
        return changes;
    }

    private static Object currentValue(String reason, Double temp, Integer flags, Double diskFree, boolean synced) {
        return switch (reason) {
            case "cpu-temp" -> temp;
            case "disk-low" -> diskFree;
            case "clock-unsynced" -> synced;
            default -> flags == null ? null : "0x" + Integer.toHexString(flags);
        };
    }

    private Double readCpuTemp() {
        String s = read(cpuTempFile);
        if (s == null) return null;
        try {
            return Math.round(Long.parseLong(s) / 100.0) / 10.0;
        } catch (NumberFormatException e) {
            unreadable(cpuTempFile, "'" + s + "' is not milli-degrees");
            return null;
        }
    }

    private Integer readThrottled() {
        String s = read(throttledFile);
        if (s == null) return null;
        try {
            String hex = s.toLowerCase(Locale.ROOT);
            return (int) Long.parseLong(hex.startsWith("0x") ? hex.substring(2) : hex, 16);
        } catch (NumberFormatException e) {
            unreadable(throttledFile, "'" + s + "' is not hex flags");
            return null;
        }
    }

    private Double readDiskFree() {
        try {
            FileStore fs = Files.getFileStore(stateDir);
            long total = fs.getTotalSpace();
            if (total <= 0) return null;
            return Math.round(fs.getUsableSpace() * 1000.0 / total) / 10.0;
        } catch (IOException e) {
            unreadable(stateDir, e.toString());
            return null;
        }
    }

    /** The file's first line, or null where it does not exist (not a Pi, no thermal zone). */
    private String read(Path f) {
        if (!Files.exists(f)) return null;
        try {
            List<String> lines = Files.readAllLines(f);
            return lines.isEmpty() ? null : lines.getFirst().strip();
        } catch (IOException e) {
            unreadable(f, e.toString());
            return null;
        }
    }

    private void unreadable(Path f, String why) {
        if (warnedUnreadable.add(f.toString())) log.warn("Box health: cannot read {} ({}); left out of the report", f, why);
    }
}
