package org.conveyord.protocol.zpl;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A label template from the config: ZPL with {@code ${field}} placeholders, e.g.
 * {@code ^XA^FO40,30^A0N,40,40^FDORDER ${order}^FS^FO40,90^BCN,100,Y,N,N^FD${bag}^FS^XZ}. Field values
 * are checked like {@link ZplLabel}'s (no {@code ^}/{@code ~}, no control characters, at most 200
 * characters): they are data, never ZPL. Immutable; safe from any thread.
 */
public record ZplTemplate(String name, String zpl) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z][A-Za-z0-9_-]{0,31})}");

    /** The built-in order label: order and lane as text, a Code 128 of the order, a QR with both. */
    public static final ZplTemplate ORDER_LABEL = new ZplTemplate("order-label", """
            ^XA
            ^CI28
            ^FO40,30^A0N,50,50^FDORDER ${order}^FS
            ^FO40,100^A0N,60,60^FDLANE ${lane}^FS
            ^FO40,180^A0N,30,30^FDBAGS ${bags}^FS
            ^FO40,230^BCN,100,Y,N,N^FD${order}^FS
            ^FO560,30^BQN,2,5^FDQA,order=${order};lane=${lane}^FS
            ^PQ1
            ^XZ
            """);

    public ZplTemplate {
        String t = zpl == null ? "" : zpl.strip();
        if (!t.startsWith("^XA") || !t.endsWith("^XZ")) {
            throw new IllegalArgumentException("template " + name + " must start with ^XA and end with ^XZ");
        }
    }

    /** The placeholders this template needs, in order of first use. */
    public Set<String> fields() {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(zpl);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /**
     * Fills every placeholder.
     *
     * @throws IllegalArgumentException naming a missing field or a value the printer would read as ZPL
     */
    public String render(Map<String, String> values) {
        for (String f : fields()) {
            String v = values.get(f);
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException("template " + name + " needs field '" + f + "'; expected fields: "
                        + String.join(", ", fields()));
            }
            check(f, v);
        }
        Matcher m = PLACEHOLDER.matcher(zpl);
        StringBuilder out = new StringBuilder(zpl.length() + 64);
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }

    private static void check(String name, String value) {
        if (value.length() > 200) throw new IllegalArgumentException("label field '" + name + "' is longer than 200 characters");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '^' || c == '~') {
                throw new IllegalArgumentException("label field '" + name + "' contains '" + c
                        + "', which the printer would read as a ZPL command; remove it from the value");
            }
            if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException("label field '" + name + "' contains a control character");
        }
    }
}
