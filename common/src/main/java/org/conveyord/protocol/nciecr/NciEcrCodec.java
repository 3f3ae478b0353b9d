package org.conveyord.protocol.nciecr;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conveyord.protocol.mtsics.MtSicsCodec;

/**
 * NCI / Avery Weigh-Tronix "ECR" protocol (polled; often 9600 7E1):
 * <pre>
 *   W CR  -&gt;  LF xxxx.xxUU CR LF S h1 h2 CR ETX     e.g. "\n00.000LB\r\nS00\r\x03"
 *   S CR  -&gt;  LF S h1 h2 CR ETX                     status only
 *   Z CR  -&gt;  LF S h1 h2 CR ETX                     zero, then status
 *   other -&gt;  LF ? CR ETX
 *   status byte 1: bit0 motion, bit1 at zero, bit2 RAM error, bit3 EEPROM error, bits 4-5 always 1 ('0' = all clear)
 *   status byte 2: bit0 under capacity, bit1 over capacity, bit2 ROM error, bit3 calibration error
 *   weight field over / under range: ^^^^^^ / ______, zero error: ------
 * </pre>
 * A reply ends with ETX; {@link #ETX} is the framing byte (cut with a bounded
 * {@link org.conveyord.protocol.framing.LineFramer}). Parsing is by content, tolerant of padding and
 * of a missing LF; replies carry no command id, so {@link #answers} checks the shape instead. Pure.
 */
public final class NciEcrCodec {

    public static final byte ETX = 0x03;
    public static final String TERMINATOR = "\u0003";
    /** No valid reply is longer; anything longer is garbage. */
    public static final int MAX_REPLY_BYTES = 64;

    public enum Request {
        W("W"), S("S"), Z("Z");

        private final String wire;

        Request(String wire) { this.wire = wire; }

        public String wire() { return wire; }
    }

    private static final Pattern WEIGHT = Pattern.compile("([-+]?\\s*(?:\\d+(?:\\.\\d*)?|\\.\\d+))\\s*([A-Za-z]{1,3})?");
    private static final Pattern STATUS = Pattern.compile("S([\\x20-\\x7f])([\\x20-\\x7f])?([\\x20-\\x7f])?");

    private NciEcrCodec() { }

    public static byte[] encode(Request r) {
        return (r.wire() + "\r").getBytes(StandardCharsets.US_ASCII);
    }

    /** Which request a line from the daemon is (for the simulator); empty means answer {@code ?}. */
    public static Optional<Request> parseRequest(String line) {
        String t = line == null ? "" : line.strip();
        for (Request r : Request.values()) if (r.wire.equals(t)) return Optional.of(r);
        return Optional.empty();
    }

    /**
     * Parses one reply: the bytes before ETX (ETX itself may be included). Empty when it is neither a
     * weight+status, a status nor {@code ?}; never throws.
     */
    public static Optional<NciReply> parseReply(String text) {
        if (text == null || text.length() > MAX_REPLY_BYTES) return Optional.empty();
        String s = text.replace("\u0003", "");
        String[] parts = s.split("[\r\n]+");
        String weightPart = null;
        String statusPart = null;
        boolean unknown = false;
        for (String p : parts) {
            String t = p.strip();
            if (t.isEmpty()) continue;
            if (t.equals("?")) {
                unknown = true;
            } else if (t.length() >= 2 && t.length() <= 4 && t.charAt(0) == 'S' && statusPart == null) {
                statusPart = t;
            } else if (weightPart == null && statusPart == null) {
                weightPart = t;
            } else {
                return Optional.empty();
            }
        }
        if (unknown) {
            return weightPart == null && statusPart == null
                    ? Optional.of(new NciReply(NciReply.WeightField.UNKNOWN_COMMAND, OptionalDouble.empty(), Optional.empty(),
                    OptionalDouble.empty(), false, false, false, false, false, false, false, false))
                    : Optional.empty();
        }
        if (statusPart == null) return Optional.empty();
        Matcher sm = STATUS.matcher(statusPart);
        if (!sm.matches()) return Optional.empty();
        int b1 = sm.group(1).charAt(0);
        int b2 = sm.group(2) == null ? 0x30 : sm.group(2).charAt(0);
        // bits 4-5 are always 1 in a real status byte: anything else is line noise
        if ((b1 & 0x30) != 0x30 || (b2 & 0x30) != 0x30) return Optional.empty();

        NciReply.WeightField field = NciReply.WeightField.ABSENT;
        OptionalDouble value = OptionalDouble.empty();
        Optional<String> unit = Optional.empty();
        OptionalDouble grams = OptionalDouble.empty();
        if (weightPart != null) {
            if (weightPart.matches("\\^+\\s*[A-Za-z]*")) {
                field = NciReply.WeightField.OVER;
            } else if (weightPart.matches("_+\\s*[A-Za-z]*")) {
                field = NciReply.WeightField.UNDER;
            } else if (weightPart.matches("-{2,}\\s*[A-Za-z]*")) {
                field = NciReply.WeightField.ZERO_ERROR;
            } else {
                Matcher wm = WEIGHT.matcher(weightPart);
                if (!wm.matches()) return Optional.empty();
                double v;
                try {
                    v = Double.parseDouble(wm.group(1).replace(" ", ""));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
                field = NciReply.WeightField.VALUE;
                value = OptionalDouble.of(v);
                if (wm.group(2) != null) {
                    String u = wm.group(2).toLowerCase(Locale.ROOT);
                    unit = Optional.of(u);
                    grams = MtSicsCodec.toGrams(v, u);
                }
            }
        }
        return Optional.of(new NciReply(field, value, unit, grams,
                (b1 & 0x01) != 0, (b1 & 0x02) != 0, (b1 & 0x04) != 0, (b1 & 0x08) != 0,
                (b2 & 0x01) != 0, (b2 & 0x02) != 0, (b2 & 0x04) != 0, (b2 & 0x08) != 0));
    }

    /** A reply can answer {@code W} with or without weight; {@code S} and {@code Z} only without. {@code ?} answers anything. */
    public static boolean answers(NciReply reply, Request request) {
        if (reply.weightField() == NciReply.WeightField.UNKNOWN_COMMAND) return true;
        return request == Request.W || reply.weightField() == NciReply.WeightField.ABSENT;
    }

    // ---- the scale's side, for the simulator ----

    /** Status byte 1 and 2 as sent. */
    public static String status(boolean motion, boolean atZero, boolean under, boolean over) {
        char b1 = (char) (0x30 | (motion ? 1 : 0) | (atZero ? 2 : 0));
        char b2 = (char) (0x30 | (under ? 1 : 0) | (over ? 2 : 0));
        return "S" + b1 + b2;
    }

    /** {@code \n00.000LB\r\nS00\r\x03}: weight in the unit with 3 decimals (lb) or as given. */
    public static byte[] weightReply(String weightField, String status) {
        return ("\n" + weightField + "\r\n" + status + "\r\u0003").getBytes(StandardCharsets.US_ASCII);
    }

    public static String weightField(double value, int decimals, String unit) {
        return String.format(Locale.ROOT, "%0" + (decimals + 3) + "." + decimals + "f", value) + unit.toUpperCase(Locale.ROOT);
    }

    public static byte[] statusReply(String status) {
        return ("\n" + status + "\r\u0003").getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] unknownCommandReply() {
        return "\n?\r\u0003".getBytes(StandardCharsets.US_ASCII);
    }
}
