package org.conveyord.device;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Optional;

/**
 * One operator command, already parsed and checked for the envelope fields.
 *
 * @param params the whole payload object (envelope fields included), for the action's own fields
 */
public record Command(String id, String device, String action, ObjectNode params, Optional<String> by,
                      Optional<Instant> ts, long ttlMs) {

    public String text(String field) {
        var n = params.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
