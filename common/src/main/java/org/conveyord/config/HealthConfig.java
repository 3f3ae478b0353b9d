package org.conveyord.config;

/**
 * Thresholds for the box's own health. Crossing one makes {@code status} {@code degraded} and raises a
 * {@code box-health} event; so does the Pi firmware's under-voltage or throttling flag.
 * {@code clockSyncRequired}: an unsynchronised clock counts as a crossing too (off by default: a box
 * without NTP still sorts; only command {@code ttl} checks need the clock).
 */
public record HealthConfig(Double cpuTempMaxC, Double diskFreeMinPercent, Boolean clockSyncRequired) {

    public double cpuTempMaxCOrDefault() { return cpuTempMaxC == null ? 80.0 : cpuTempMaxC; }

    public double diskFreeMinPercentOrDefault() { return diskFreeMinPercent == null ? 10.0 : diskFreeMinPercent; }

    public boolean clockSyncRequiredOrDefault() { return clockSyncRequired != null && clockSyncRequired; }

    public static HealthConfig defaults() { return new HealthConfig(null, null, null); }
}
