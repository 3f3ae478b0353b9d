package org.conveyord.config;

/**
 * A scale. {@code protocol}: mt-sics (polled). Weights are reported in grams whatever the scale's unit.
 *
 * @param timeoutMs how long one request may take before the scale counts as not answering
 * @param pollMs    how often the weight is polled for {@code weight} events and state (0 = never)
 */
public record ScaleConfig(String protocol, LinkConfig link, Integer timeoutMs, Integer pollMs,
                          Double eventThresholdGrams) implements DeviceConfig {
    @Override
    public String kind() { return "scale"; }

    public String protocolOrDefault() { return protocol == null ? "mt-sics" : protocol; }

    public int timeoutMsOrDefault() { return timeoutMs == null ? 2000 : timeoutMs; }

    public int pollMsOrDefault() { return pollMs == null ? 1000 : pollMs; }

    public double eventThresholdGramsOrDefault() { return eventThresholdGrams == null ? 5.0 : eventThresholdGrams; }
}
