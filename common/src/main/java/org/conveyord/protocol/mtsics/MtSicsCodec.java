package org.conveyord.protocol.mtsics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Mettler Toledo MT-SICS (standard interface command set), the polled ASCII protocol: every request
 * and every reply is one line ending CR LF. Pure functions, no state: safe from any thread.
 * <p>
 * Parsing is by whitespace-separated tokens, not fixed columns (indicators differ in padding);
 * formatting for the simulator follows the manual strictly (value right-aligned in 10 columns).
 */
public final class MtSicsCodec {

    public static final String TERMINATOR = "\r\n";

    /** A reply line is never longer than this on any scale we know; longer input is garbage. */
    public static final int MAX_LINE_BYTES = 128;

    /** The requests the daemon sends, with the command id their reply carries. */
    public enum Request {
        /** Stable weight; waits for stability (a real scale may take long, then {@code S I}). */
        S("S", "S"),
        /** Immediate weight, stable or dynamic. */
        SI("SI", "S"),
        /** SI repeated until another command arrives. */
        SIR("SIR", "S"),
        /** Tare (stable). */
        T("T", "T"),
        /** Zero (stable). */
        Z("Z", "Z"),
        /** Zero immediately. */
        ZI("ZI", "ZI"),
        /** Query tare, or set it with an argument ({@code TA 12.00 g}). */
        TA("TA", "TA"),
        /** Clear tare. */
        TAC("TAC", "TAC"),
        /** Reset without zeroing; answered with the serial number. */
        RESET("@", "I4"),
        /** Serial number. */
        I4("I4", "I4");

        private final String wire;
        private final String replyId;

        Request(String wire, String replyId) {
            this.wire = wire;
            this.replyId = replyId;
        }

        /** What goes on the wire, e.g. "@" for {@link #RESET}. */
        public String wire() { return wire; }

        /** The command id at the start of the reply, e.g. "S" for {@link #SI}. */
        public String replyId() { return replyId; }

        public static Optional<Request> ofWire(String token) {
            for (Request r : values()) {
                if (r.wire.equals(token)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    /** A request as the simulator receives it: the command and its argument text (may be empty). */
    public record ParsedRequest(Request request, String argument) {}

    private static final Map<String, Double> GRAMS_PER_UNIT = Map.ofEntries(
            Map.entry("g", 1.0),
            Map.entry("kg", 1000.0),
            Map.entry("mg", 0.001),
            Map.entry("t", 1_000_000.0),
            Map.entry("lb", 453.59237),
            Map.entry("oz", 28.349523125),
            Map.entry("ozt", 31.1034768),
            Map.entry("dwt", 1.55517384),
            Map.entry("gn", 0.06479891),
            Map.entry("ct", 0.2));

    private MtSicsCodec() { }

    /** {@code S\r\n}, {@code @\r\n}, ... */
    public static byte[] encode(Request request) {
        return (request.wire() + TERMINATOR).getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code TA 12.00 g\r\n}: presets a tare. */
    public static byte[] encodeSetTare(double value, int decimals, String unit) {
        String v = String.format(Locale.ROOT, "%." + decimals + "f", value);
        return ("TA " + v + " " + unit + TERMINATOR).getBytes(StandardCharsets.US_ASCII);
    }

    /** Grams per unit for the units scales report (g, kg, mg, t, lb, oz, ozt, dwt, GN, ct). */
    public static OptionalDouble toGrams(double value, String unit) {
        Double f = GRAMS_PER_UNIT.get(unit.toLowerCase(Locale.ROOT));
        return f == null ? OptionalDouble.empty() : OptionalDouble.of(value * f);
    }

    /**
     * Parses one reply line (without CR LF). Empty for anything that is not an MT-SICS reply;
     * never throws on bad input.
     */
    public static Optional<MtSicsReply> parseReply(String line) {
        if (line == null) {
            return Optional.empty();
        }
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_LINE_BYTES) {
            return Optional.empty();
        }
        List<String> tokens = tokenize(trimmed);
        String cmd = tokens.get(0);
        if (tokens.size() == 1) {
            return switch (cmd) {
                case "ES" -> Optional.of(bare("ES", MtSicsReply.Status.SYNTAX_ERROR));
                case "ET" -> Optional.of(bare("ET", MtSicsReply.Status.TRANSMISSION_ERROR));
                case "EL" -> Optional.of(bare("EL", MtSicsReply.Status.LOGICAL_ERROR));
                default -> Optional.empty();
            };
        }
        if (!isCommandId(cmd)) {
            return Optional.empty();
        }
        Optional<MtSicsReply.Status> status = MtSicsReply.Status.ofLetter(tokens.get(1));
        if (status.isEmpty()) {
            return Optional.empty();
        }
        List<String> rest = tokens.subList(2, tokens.size());
        if (rest.isEmpty()) {
            return Optional.of(bare(cmd, status.get()));
        }
        String first = rest.get(0);
        if (first.startsWith("\"")) {
            // quoted text, e.g. I4 A "1234567"; rejoin in case it held spaces
            String joined = String.join(" ", rest);
            String text = joined.length() >= 2 && joined.endsWith("\"")
                    ? joined.substring(1, joined.length() - 1) : joined.substring(1);
            return Optional.of(text(cmd, status.get(), text));
        }
        // a sign may stand apart from the digits on some indicators: "- 12.30 g"
        int valueIdx = 0;
        String valueText = first;
        if ((first.equals("-") || first.equals("+")) && rest.size() >= 2) {
            valueText = first + rest.get(1);
            valueIdx = 1;
        }
        OptionalDouble value = parseNumber(valueText);
        if (value.isEmpty()) {
            return Optional.of(text(cmd, status.get(), String.join(" ", rest)));
        }
        Optional<String> unit = valueIdx + 1 < rest.size() ? Optional.of(rest.get(valueIdx + 1)) : Optional.empty();
        OptionalDouble grams = unit.map(u -> toGrams(value.getAsDouble(), u)).orElse(OptionalDouble.empty());
        return Optional.of(new MtSicsReply(cmd, status.get(), value, unit, grams, Optional.empty()));
    }

    /** For the simulator: which request a received line is. Empty means answer {@code ES}. */
    public static Optional<ParsedRequest> parseRequest(String line) {
        if (line == null) {
            return Optional.empty();
        }
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_LINE_BYTES) {
            return Optional.empty();
        }
        int sp = trimmed.indexOf(' ');
        String head = sp < 0 ? trimmed : trimmed.substring(0, sp);
        String arg = sp < 0 ? "" : trimmed.substring(sp + 1).strip();
        return Request.ofWire(head).map(r -> new ParsedRequest(r, arg));
    }

    /**
     * A weight reply as the manual prints it, without CR LF: {@code formatWeight("S", 'S', 100, 2, "g")}
     * is {@code "S S     100.00 g"} (value right-aligned in a 10-wide field).
     */
    public static String formatWeight(String cmd, char status, double value, int decimals, String unit) {
        String v = String.format(Locale.ROOT, "%." + decimals + "f", value);
        return cmd + " " + status + " " + String.format(Locale.ROOT, "%10s", v) + " " + unit;
    }

    /** {@code formatStatusOnly("Z", "A")} is {@code "Z A"}; also {@code "S I"}, {@code "S +"}. */
    public static String formatStatusOnly(String cmd, String status) {
        return cmd + " " + status;
    }

    /** {@code formatText("I4", "A", "1234567")} is {@code I4 A "1234567"}. */
    public static String formatText(String cmd, String status, String text) {
        return cmd + " " + status + " \"" + text + "\"";
    }

    /** One reply line on the wire: the line plus CR LF, ASCII. */
    public static byte[] toWire(String line) {
        return (line + TERMINATOR).getBytes(StandardCharsets.US_ASCII);
    }

    /** True when {@code bytes} hold a complete line (end in CR LF). */
    public static boolean isComplete(byte[] bytes, int len) {
        return len >= 2 && bytes[len - 2] == '\r' && bytes[len - 1] == '\n';
    }

    private static MtSicsReply bare(String cmd, MtSicsReply.Status status) {
        return new MtSicsReply(cmd, status, OptionalDouble.empty(), Optional.empty(), OptionalDouble.empty(),
                Optional.empty());
    }

    private static MtSicsReply text(String cmd, MtSicsReply.Status status, String text) {
        return new MtSicsReply(cmd, status, OptionalDouble.empty(), Optional.empty(), OptionalDouble.empty(),
                Optional.of(text));
    }

    private static boolean isCommandId(String token) {
        if (token.isEmpty() || token.length() > 8) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static OptionalDouble parseNumber(String s) {
        // only plain decimals: Double.parseDouble would accept "NaN", "1e5", "0x1p3"
        if (!s.matches("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)")) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Double.parseDouble(s));
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        for (String t : s.split("[ \\t]+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
