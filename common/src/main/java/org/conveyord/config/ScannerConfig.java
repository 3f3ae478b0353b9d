package org.conveyord.config;

/**
 * A line-based barcode scanner. {@code suffix} ends every read (YAML escapes: "\r\n");
 * {@code noRead} is what this make sends when it sees no code (NOREAD, NO LABEL, NR, ERR99).
 */
public record ScannerConfig(LinkConfig link, String prefix, String suffix, String noRead,
                            Integer maxLineBytes) implements DeviceConfig {
    @Override
    public String kind() { return "scanner"; }

    public String prefixOrDefault() { return prefix == null ? "" : prefix; }

    public String suffixOrDefault() { return suffix == null ? "\r\n" : suffix; }

    public String noReadOrDefault() { return noRead == null ? "NOREAD" : noRead; }

    public int maxLineBytesOrDefault() { return maxLineBytes == null ? 256 : maxLineBytes; }
}
