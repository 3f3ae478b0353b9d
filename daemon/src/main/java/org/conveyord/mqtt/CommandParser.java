package org.conveyord.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.device.Command;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Checks one command payload against the envelope of mqtt-api.md (id, ts, ttlMs, by) and turns it into
 * a {@link Command}. Pure: no clock, no device lookup. Anything wrong is a {@link Rejected} with one
 * sentence for the caller and the id when it could be read.
 */
public final class CommandParser {

    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    public static final long DEFAULT_TTL_MS = 5000;

    public sealed interface Parsed permits Accepted, Rejected {}

    /** @param canonical the payload in {@link CanonicalJson} form without ts, for idempotency */
    public record Accepted(Command command, String canonical) implements Parsed {}

    /** @param id the command's id, or null when none could be read */
    public record Rejected(String id, String message) implements Parsed {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CommandParser() {}

    public static Parsed parse(String device, String action, byte[] payload) {
        return parse(device, action, payload, MAX_PAYLOAD_BYTES);
    }

    /** @param maxBytes larger payloads are refused unparsed (mqtt.commands.maxPayloadBytes) */
    public static Parsed parse(String device, String action, byte[] payload, int maxBytes) {
        if (payload.length > maxBytes) {
            return new Rejected(peekId(payload), "The command is " + payload.length + " bytes; the limit is " + maxBytes
                    + " bytes (mqtt.commands.maxPayloadBytes).");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            return new Rejected(null, "The command is not valid JSON; send a JSON object such as {\"id\":\"c-1\"}.");
        } catch (java.io.IOException e) {
            return new Rejected(null, "The command could not be read as JSON; send a JSON object such as {\"id\":\"c-1\"}.");
        }
        if (root == null || !root.isObject()) {
            return new Rejected(null, "The command must be a JSON object such as {\"id\":\"c-1\"}.");
        }
        ObjectNode obj = (ObjectNode) root;
        JsonNode idNode = obj.get("id");
        if (idNode == null || idNode.isNull()) {
            return new Rejected(null, "The command has no id; add \"id\": a 1-64 character string to match the reply.");
        }
        if (!idNode.isTextual() || idNode.asText().isEmpty() || idNode.asText().length() > 64) {
            return new Rejected(null, "The command id must be a string of 1 to 64 characters.");
        }
        String id = idNode.asText();
        Optional<Instant> ts = Optional.empty();
        JsonNode tsNode = obj.get("ts");
        if (tsNode != null && !tsNode.isNull()) {
            if (!tsNode.isTextual()) return new Rejected(id, "ts must be an ISO-8601 time string such as 2026-11-25T10:15:30.123Z.");
            try {
                ts = Optional.of(Instant.parse(tsNode.asText()));
            } catch (DateTimeParseException e) {
                return new Rejected(id, "ts '" + shorten(tsNode.asText()) + "' is not an ISO-8601 UTC time such as 2026-11-25T10:15:30.123Z.");
            }
        }
        long ttlMs = DEFAULT_TTL_MS;
        JsonNode ttlNode = obj.get("ttlMs");
        if (ttlNode != null && !ttlNode.isNull()) {
            if (!ttlNode.isNumber() || ttlNode.asDouble() <= 0) {
                return new Rejected(id, "ttlMs must be a positive number of milliseconds.");
            }
            ttlMs = Math.max(1, ttlNode.asLong());
        }
        Optional<String> by = Optional.empty();
        JsonNode byNode = obj.get("by");
        if (byNode != null && !byNode.isNull()) {
            if (!byNode.isTextual()) return new Rejected(id, "by must be a string naming who sent the command.");
            by = Optional.of(byNode.asText());
        }
        return new Accepted(new Command(id, device, action, obj, by, ts, ttlMs), CanonicalJson.commandWithoutTs(obj));
    }

    private static final int PEEK_BYTES = 4096;

    /**
     * The top-level "id" of an oversized payload when it comes within its first few KiB, read with the
     * streaming parser so a huge payload is never built into a tree; null otherwise.
     */
    static String peekId(byte[] payload) {
        try (var p = MAPPER.getFactory().createParser(payload, 0, Math.min(payload.length, PEEK_BYTES))) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) return null;
            for (var t = p.nextToken(); t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                var v = p.nextToken();
                if ("id".equals(name)) {
                    String id = v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING ? p.getText() : null;
                    return id != null && !id.isEmpty() && id.length() <= 64 ? id : null;
                }
                p.skipChildren();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // cut off or not JSON before an id turned up
        }
        return null;
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
