package org.conveyord.protocol.zpl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The answer to {@code ~HQES} (host query, error status): an error and a warning bit mask. On the
 * wire, inside STX...ETX:
 * <pre>
 *   PRINTER STATUS
 *      ERRORS:         1 00000000 00000005
 *      WARNINGS:       0 00000000 00000000
 * </pre>
 * flag (0/1), group 2 (high word), group 1 (low word), hexadecimal.
 */
public record HostQueryErrors(long errors, long warnings) {

    public static final long MEDIA_OUT = 0x1;
    public static final long RIBBON_OUT = 0x2;
    public static final long HEAD_OPEN = 0x4;
    public static final long CUTTER_FAULT = 0x8;
    public static final long PAPER_JAM = 0x1000;
    public static final long PAUSED = 0x10000;
    /** In the warnings mask. */
    public static final long WARNING_PAPER_ALMOST_OUT = 0x8;

    public boolean has(long errorMask) {
        return (errors & errorMask) != 0;
    }

    /** Same names as {@link HostStatus#faults()} where they overlap, plus cutter and paper-jam. */
    public List<String> faults() {
        List<String> f = new ArrayList<>();
        if (has(MEDIA_OUT)) f.add("paper-out");
        if (has(HEAD_OPEN)) f.add("head-open");
        if (has(RIBBON_OUT)) f.add("ribbon-out");
        if (has(PAUSED)) f.add("paused");
        if (has(CUTTER_FAULT)) f.add("cutter");
        if (has(PAPER_JAM)) f.add("paper-jam");
        return f;
    }

    /** Parses the text of the answer (STX/ETX may be included). Empty when ERRORS/WARNINGS are missing or bad. */
    public static Optional<HostQueryErrors> parse(String text) {
        Optional<Long> e = mask(text, "ERRORS:");
        Optional<Long> w = mask(text, "WARNINGS:");
        if (e.isEmpty() || w.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HostQueryErrors(e.get(), w.get()));
    }

    public byte[] encode() {
        String s = "\u0002\r\n\r\n  PRINTER STATUS\r\n"
                + line("ERRORS:", errors) + line("WARNINGS:", warnings) + "\u0003\r\n";
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String line(String label, long mask) {
        return String.format(Locale.ROOT, "   %-16s%d %08X %08X\r\n", label, mask == 0 ? 0 : 1,
                (mask >>> 32) & 0xffffffffL, mask & 0xffffffffL);
    }

    private static Optional<Long> mask(String text, String label) {
        int at = text.indexOf(label);
        if (at < 0) return Optional.empty();
        String rest = text.substring(at + label.length()).strip();
        String[] t = rest.split("\\s+", 4);
        if (t.length < 3 || !t[1].matches("[0-9A-Fa-f]{1,8}") || !t[2].matches("[0-9A-Fa-f]{1,8}")) {
            return Optional.empty();
        }
        return Optional.of((Long.parseLong(t[1], 16) << 32) | Long.parseLong(t[2], 16));
    }
}
