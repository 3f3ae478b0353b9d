package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;

/**
 * One readable line per event for {@code watch}: local time, device, type, then the event's own
 * fields as {@code key=value} in the order the daemon sent them. The envelope ({@code id},
 * {@code seq}, {@code ts}, {@code device}, {@code type}) is left out, except that {@code cmdId} is
 * kept: it ties the event to the command that caused it.
 */
final class EventLine {

    private static final Set<String> ENVELOPE = Set.of("id", "seq", "ts", "device", "type");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final DateTimeFormatter time;

    EventLine(ZoneId zone) { this.time = TIME.withZone(zone); }

    /** @param topic relative to the base: {@code event/<device>/<type>}; it names device and type when the payload does not */
    String format(String topic, JsonNode event) {
        String[] parts = topic.split("/", 3);
        String device = event != null && event.hasNonNull("device") ? event.get("device").asText() : parts.length > 1 ? parts[1] : "?";
        String type = event != null && event.hasNonNull("type") ? event.get("type").asText() : parts.length > 2 ? parts[2] : "?";
        StringBuilder line = new StringBuilder();
        line.append(when(event)).append("  ").append(pad(device, 10)).append(' ').append(pad(type, 18));
        if (event == null) return line.append(" (payload is not JSON)").toString().stripTrailing();
        for (Map.Entry<String, JsonNode> f : event.properties()) {
            if (ENVELOPE.contains(f.getKey())) continue;
            line.append(' ').append(f.getKey()).append('=').append(value(f.getValue()));
        }
        return line.toString().stripTrailing();
    }

    /**
     * A filter names a device ({@code line-1}), an event type ({@code bag-inducted}) or both
     * ({@code line-1/jam}); no filter matches everything.
     */
    static boolean matches(String filter, String topic) {
        if (filter == null || filter.isBlank()) return true;
        String[] parts = topic.split("/", 3);
        if (parts.length < 3) return false;
        return filter.equals(parts[1]) || filter.equals(parts[2]) || filter.equals(parts[1] + "/" + parts[2]);
    }

    private String when(JsonNode event) {
        String ts = event == null ? null : event.path("ts").asText(null);
        if (ts == null) return pad("-", 12);
        try {
            return time.format(Instant.parse(ts));
        } catch (DateTimeParseException e) {
            return ts;
        }
    }

    /** Plain words stay bare; text with spaces or quotes, and lists and objects, are shown as JSON. */
    private static String value(JsonNode v) {
        if (v.isTextual()) {
            String s = v.asText();
            return !s.isEmpty() && s.chars().noneMatch(c -> Character.isWhitespace(c) || c == '"' || c == '=') ? s : v.toString();
        }
        return v.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
