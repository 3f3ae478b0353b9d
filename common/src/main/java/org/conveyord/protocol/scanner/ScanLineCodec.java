package org.conveyord.protocol.scanner;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Line-based barcode scanner output: {@code prefix + code + suffix}, or the make's no-read string
 * ({@code NOREAD}, {@code NO LABEL}, {@code NR}, {@code ERR99}) in place of the code. Lines are cut by a
 * {@link org.conveyord.protocol.framing.LineFramer} on the suffix; this class only interprets them.
 * Immutable; safe from any thread.
 */
public final class ScanLineCodec {

    private final String prefix;
    private final String suffix;
    private final String noRead;
    private final int maxLineBytes;

    public ScanLineCodec(String prefix, String suffix, String noRead, int maxLineBytes) {
        this.prefix = Objects.requireNonNullElse(prefix, "");
        this.suffix = Objects.requireNonNullElse(suffix, "");
        this.noRead = Objects.requireNonNullElse(noRead, "");
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1, was " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Interprets one line (with or without prefix and suffix). Empty for a blank or over-long line,
     * which a scanner sends on power-up or when misconfigured; never throws.
     */
    public Optional<ScanResult> parse(String line) {
        if (line == null || line.length() > maxLineBytes) {
            return Optional.empty();
        }
        String s = line;
        if (!suffix.isEmpty() && s.endsWith(suffix)) {
            s = s.substring(0, s.length() - suffix.length());
        }
        s = stripControl(s);
        if (!prefix.isEmpty() && s.startsWith(prefix)) {
            s = s.substring(prefix.length());
        }
        s = stripControl(s);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (!noRead.isEmpty() && s.equalsIgnoreCase(noRead)) {
            return Optional.of(ScanResult.NO_READ);
        }
        return Optional.of(new ScanResult.Read(s));
    }

    /** What a scanner sends for this result: prefix + code (or the no-read string) + suffix, ISO-8859-1. */
    public byte[] encode(ScanResult result) {
        String body = switch (result) {
            case ScanResult.Read r -> r.code();
            case ScanResult.NoRead n -> noRead;
        };
        return (prefix + body + suffix).getBytes(StandardCharsets.ISO_8859_1);
    }

    public String suffix() { return suffix; }

    public int maxLineBytes() { return maxLineBytes; }

    /** Drops leading/trailing whitespace and control characters (a stray CR when the suffix is LF). */
    private static String stripControl(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && s.charAt(b) <= ' ') b++;
        while (e > b && s.charAt(e - 1) <= ' ') e--;
        return s.substring(b, e);
    }
}
