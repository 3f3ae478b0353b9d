package org.conveyord.bench.daemon;

import java.util.Locale;
import java.util.Map;

/** The benchmarks' {@code RESULT {json}} line: flat values and maps of numbers, nothing more is needed. */
final class Json {
    private final StringBuilder sb = new StringBuilder("{");

    Json put(String key, Object value) {
        if (sb.length() > 1) sb.append(',');
        sb.append('"').append(key).append("\":").append(value(value));
        return this;
    }

    private static String value(Object v) {
        if (v == null) return "null";
        if (v instanceof Double d) return String.format(Locale.ROOT, "%.3f", d);
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            m.forEach((k, x) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":").append(value(x)));
            return b.append('}').toString();
        }
        if (v instanceof Iterable<?> it) {
            StringBuilder b = new StringBuilder("[");
            for (Object x : it) b.append(b.length() > 1 ? "," : "").append(value(x));
            return b.append(']').toString();
        }
        return '"' + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    @Override
    public String toString() { return sb + "}"; }
}
