package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One spelling per JSON value (object keys sorted, no whitespace), so a redelivered command compares
 * equal to its original whatever key order the sender's library used. {@code ts} is left out: a
 * retry with a fresh timestamp is the same command.
 */
public final class CanonicalJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CanonicalJson() {}

    public static String commandWithoutTs(ObjectNode command) {
        ObjectNode copy = command.deepCopy();
        copy.remove("ts");
        return of(copy);
    }

    public static String of(JsonNode node) {
        return MAPPER.valueToTree(sorted(node)).toString();
    }

    private static Object sorted(JsonNode n) {
        if (n.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            fields.addAll(n.properties());
            fields.sort(Map.Entry.comparingByKey());
            var out = new java.util.LinkedHashMap<String, Object>();
            for (var f : fields) out.put(f.getKey(), sorted(f.getValue()));
            return Collections.unmodifiableMap(out);
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>();
            n.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return n;
    }
}
