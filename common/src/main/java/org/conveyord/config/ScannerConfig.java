package org.conveyord.config;

/**
 * A line-based barcode scanner. {@code suffix} ends every read (YAML escapes: "\r\n");
 * {@code noRead} is what this make sends when it sees no code (NOREAD, NO LABEL, NR, ERR99).
 *
 * @param trigger           the software trigger for the {@code trigger} action: a make ({@code keyence},
 *                          {@code cognex}, {@code honeywell}, {@code datalogic}) or the raw bytes (YAML escapes)
 * @param duplicateWindowMs the same code read again within this time is one read (0 = report every read)
 */
public record ScannerConfig(LinkConfig link, String prefix, String suffix, String noRead,
                            Integer maxLineBytes, String trigger, Integer duplicateWindowMs) implements DeviceConfig {

    public ScannerConfig(LinkConfig link, String prefix, String suffix, String noRead, Integer maxLineBytes) {
        this(link, prefix, suffix, noRead, maxLineBytes, null, null);
    }

    public int duplicateWindowMsOrDefault() { return duplicateWindowMs == null ? 0 : duplicateWindowMs; }

    public ScannerConfig withLink(LinkConfig l) {
        return new ScannerConfig(l, prefix, suffix, noRead, maxLineBytes, trigger, duplicateWindowMs);
    }

    @Override
    public String kind() { return "scanner"; }

    public String prefixOrDefault() { return prefix == null ? "" : prefix; }

    public String suffixOrDefault() { return suffix == null ? "\r\n" : suffix; }

    public String noReadOrDefault() { return noRead == null ? "NOREAD" : noRead; }

    public int maxLineBytesOrDefault() { return maxLineBytes == null ? 256 : maxLineBytes; }
}
