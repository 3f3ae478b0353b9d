package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a reply's result or a device state for people: scalars as an aligned two-column table
 * (nested objects flattened to {@code a.b} keys, lists of plain values joined with commas), and each
 * list of objects (zones, lanes, devices) as a table of its own under its name.
 */
final class HumanTable {

    private HumanTable() {}

    static String render(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) return "";
        if (!node.isObject()) return plain(node) + "\n";
        List<String[]> rows = new ArrayList<>();
        List<Map.Entry<String, JsonNode>> tables = new ArrayList<>();
        flatten("", node, rows, tables);
        StringBuilder out = new StringBuilder();
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        for (String[] r : rows) out.append(pad(r[0], width)).append("  ").append(r[1]).append('\n');
        for (Map.Entry<String, JsonNode> t : tables) {
            if (!out.isEmpty()) out.append('\n');
            out.append(t.getKey()).append(":\n").append(table(t.getValue(), List.of()));
        }
        return out.toString();
    }

    /** A list of objects as columns; {@code columns} first (when present), then every other key in order of appearance. */
    static String table(JsonNode list, List<String> columns) {
        Set<String> keys = new LinkedHashSet<>();
        for (String c : columns) {
            for (JsonNode item : list) if (item.has(c)) keys.add(c);
        }
        if (columns.isEmpty()) list.forEach(item -> item.fieldNames().forEachRemaining(keys::add));
        List<String> header = new ArrayList<>(keys);
        List<List<String>> cells = new ArrayList<>();
        for (JsonNode item : list) {
            List<String> row = new ArrayList<>();
            for (String k : header) row.add(item.has(k) ? plain(item.get(k)) : "");
            cells.add(row);
        }
        int[] width = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            width[i] = header.get(i).length();
            for (List<String> row : cells) width[i] = Math.max(width[i], row.get(i).length());
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, header, width);
        for (List<String> row : cells) appendRow(out, row, width);
        return out.toString();
    }

    private static void flatten(String prefix, JsonNode obj, List<String[]> rows, List<Map.Entry<String, JsonNode>> tables) {
        for (Map.Entry<String, JsonNode> f : obj.properties()) {
            String key = prefix + f.getKey();
            JsonNode v = f.getValue();
            if (v.isObject() && !v.isEmpty()) {
                flatten(key + ".", v, rows, tables);
            } else if (v.isArray() && !v.isEmpty() && allObjects(v)) {
                tables.add(Map.entry(key, v));
            } else {
                rows.add(new String[] {key, plain(v)});
            }
        }
    }

    private static boolean allObjects(JsonNode array) {
        for (JsonNode item : array) if (!item.isObject()) return false;
        return true;
    }

    /** Text without quotes, lists of plain values comma-separated, anything deeper as compact JSON. */
    static String plain(JsonNode v) {
        if (v == null || v.isNull()) return "-";
        if (v.isValueNode()) return v.asText();
        if (v.isArray()) {
            if (v.isEmpty()) return "-";
            List<String> parts = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isValueNode()) return v.toString();
                parts.add(item.asText());
            }
            return String.join(", ", parts);
        }
        return v.isEmpty() ? "-" : v.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder("  ");
        for (int i = 0; i < cells.size(); i++) {
            line.append(pad(cells.get(i), width[i]));
            if (i < cells.size() - 1) line.append("  ");
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
