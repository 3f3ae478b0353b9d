package org.conveyord.config;

/**
 * A scale. {@code protocol}: mt-sics (polled), mt-continuous (Toledo continuous output, streams by
 * itself) or nci-ecr (polled W/S/Z). Weights are reported in grams whatever the scale's unit.
 *
 * @param timeoutMs     how long one request may take before the scale counts as not answering (a
 *                      streaming scale: how long without a frame)
 * @param pollMs        how often the weight is polled for {@code weight} events and state (0 = never)
 * @param settleMs      streaming scales: a weight is stable once it has not moved (and no motion bit)
 *                      for this long
 * @param frameTare     mt-continuous: the indicator sends the six tare digits (some omit them)
 * @param frameChecksum mt-continuous: the indicator sends the checksum byte (some omit it)
 */
public record ScaleConfig(String protocol, LinkConfig link, Integer timeoutMs, Integer pollMs,
                          Double eventThresholdGrams, Integer settleMs, Boolean frameTare,
                          Boolean frameChecksum) implements DeviceConfig {

    public static final java.util.List<String> PROTOCOLS = java.util.List.of("mt-sics", "mt-continuous", "nci-ecr");

    public ScaleConfig(String protocol, LinkConfig link, Integer timeoutMs, Integer pollMs, Double eventThresholdGrams) {
        this(protocol, link, timeoutMs, pollMs, eventThresholdGrams, null, null, null);
    }

    public int settleMsOrDefault() { return settleMs == null ? 500 : settleMs; }

    public boolean frameTareOrDefault() { return frameTare == null || frameTare; }

    public boolean frameChecksumOrDefault() { return frameChecksum == null || frameChecksum; }

    public ScaleConfig withLink(LinkConfig l) {
        return new ScaleConfig(protocol, l, timeoutMs, pollMs, eventThresholdGrams, settleMs, frameTare, frameChecksum);
    }

    @Override
    public String kind() { return "scale"; }

    public String protocolOrDefault() { return protocol == null ? "mt-sics" : protocol; }

    public int timeoutMsOrDefault() { return timeoutMs == null ? 2000 : timeoutMs; }

    public int pollMsOrDefault() { return pollMs == null ? 1000 : pollMs; }

    public double eventThresholdGramsOrDefault() { return eventThresholdGrams == null ? 5.0 : eventThresholdGrams; }
}
