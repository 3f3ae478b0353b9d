package org.conveyord.config;

/**
 * A ZPL label printer (raw TCP 9100, or serial).
 *
 * @param pollMs    how often {@code ~HS} is polled for paper-out, head-open, paused
 * @param timeoutMs how long a status answer may take
 */
public record PrinterConfig(String protocol, LinkConfig link, Integer pollMs, Integer timeoutMs,
                            Integer maxZplBytes) implements DeviceConfig {
    @Override
    public String kind() { return "printer"; }

    public String protocolOrDefault() { return protocol == null ? "zpl" : protocol; }

    public int pollMsOrDefault() { return pollMs == null ? 2000 : pollMs; }

    public int timeoutMsOrDefault() { return timeoutMs == null ? 2000 : timeoutMs; }

    public int maxZplBytesOrDefault() { return maxZplBytes == null ? 65536 : maxZplBytes; }
}
