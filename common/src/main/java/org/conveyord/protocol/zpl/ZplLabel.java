package org.conveyord.protocol.zpl;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the ZPL of a bag label. Field data goes between {@code ^FD} and {@code ^FS}; a {@code ^} or
 * {@code ~} inside it would be read by the printer as a command, so such data is refused, never
 * escaped or injected. Pure; safe from any thread.
 * <p>
 * Layout (203 dpi, 4x3 in): order, bag and lane as text, a Code 128 of the bag id, and a QR whose
 * data is {@link #qrData} ({@code order=O-1;bag=B-1;lane=lane-2}) so a scanner at the lane can tell
 * both ids from one read. {@code ^CI28} makes field data UTF-8.
 */
public final class ZplLabel {

    public static final String TEMPLATE_BAG_LABEL = "bag-label";

    private ZplLabel() { }

    public static String bagLabel(String order, String bag, String lane, Map<String, String> extra) {
        checkField("order", order, true);
        checkField("bag", bag, true);
        checkField("lane", lane, false);
        Map<String, String> extras = extra == null ? Map.of() : extra;
        extras.forEach((k, v) -> {
            checkField("extra key", k, true);
            checkField(k, v, false);
        });
        StringBuilder z = new StringBuilder(512);
        z.append("^XA\n^CI28\n");
        z.append("^FO40,30^A0N,40,40^FDORDER ").append(order).append("^FS\n");
        z.append("^FO40,80^A0N,40,40^FDBAG ").append(bag).append("^FS\n");
        int y = 130;
        if (lane != null && !lane.isEmpty()) {
            z.append("^FO40,").append(y).append("^A0N,60,60^FDLANE ").append(lane).append("^FS\n");
            y += 70;
        }
        for (var e : extras.entrySet()) {
            z.append("^FO40,").append(y).append("^A0N,30,30^FD").append(e.getKey()).append(": ")
                    .append(e.getValue()).append("^FS\n");
            y += 40;
        }
        z.append("^FO40,").append(y).append("^BCN,100,Y,N,N^FD").append(bag).append("^FS\n");
        z.append("^FO560,30^BQN,2,5^FDQA,").append(qrData(order, bag, lane)).append("^FS\n");
        z.append("^PQ1\n^XZ\n");
        return z.toString();
    }

    /** {@code order=O-1;bag=B-1} plus {@code ;lane=...} when a lane is known. */
    public static String qrData(String order, String bag, String lane) {
        String base = "order=" + order + ";bag=" + bag;
        return lane == null || lane.isEmpty() ? base : base + ";lane=" + lane;
    }

    /** Reads {@link #qrData} back; unknown or malformed parts are skipped. */
    public static Map<String, String> parseQrData(String data) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : data.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return out;
    }

    /** The bytes to send to the printer (UTF-8, matching {@code ^CI28}). */
    public static byte[] toBytes(String zpl) {
        return zpl.getBytes(StandardCharsets.UTF_8);
    }

    private static void checkField(String name, String value, boolean required) {
        if (value == null || value.isEmpty()) {
            if (required) {
                throw new IllegalArgumentException("label field '" + name + "' is missing");
            }
            return;
        }
        Objects.requireNonNull(name);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '^' || c == '~') {
                throw new IllegalArgumentException("label field '" + name + "' contains '" + c
                        + "', which the printer would read as a ZPL command; remove it from the value");
            }
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("label field '" + name + "' contains a control character");
            }
            if (c == ';' || c == '=') {
                if (name.equals("order") || name.equals("bag") || name.equals("lane")) {
                    throw new IllegalArgumentException("label field '" + name + "' contains '" + c
                            + "', which would break the QR code's order/bag data");
                }
            }
        }
        if (value.length() > 200) {
            throw new IllegalArgumentException("label field '" + name + "' is longer than 200 characters");
        }
    }
}
