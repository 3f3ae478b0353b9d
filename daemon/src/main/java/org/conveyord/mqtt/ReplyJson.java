package org.conveyord.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.device.CommandResult;
import org.conveyord.device.ErrorCode;

import java.nio.charset.StandardCharsets;

/** The reply payloads of mqtt-api.md: {@code {"id","ok":true,"result"}} or {@code {"id","ok":false,"error"}}. */
public final class ReplyJson {

    private final ObjectMapper mapper;

    public ReplyJson(ObjectMapper mapper) { this.mapper = mapper; }

    public byte[] of(String id, CommandResult r) {
        if (r.ok()) return ok(id, r.result());
        ErrorCode code = r.code() == null ? ErrorCode.INTERNAL : r.code();
        String message = r.message() == null || r.message().isBlank() ? "The device refused the command without saying why." : r.message();
        return error(id, code, message);
    }

    public byte[] ok(String id, Object result) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", id);
        n.put("ok", true);
        n.set("result", result == null ? mapper.createObjectNode() : mapper.valueToTree(result));
        return bytes(n);
    }

    public byte[] error(String id, ErrorCode code, String message) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", id);
        n.put("ok", false);
        ObjectNode e = n.putObject("error");
        e.put("code", code.name());
        e.put("message", message);
        e.put("retryable", code.retryable());
        return bytes(n);
    }

    private byte[] bytes(ObjectNode n) {
        try {
            return mapper.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            // a result Jackson cannot write is a device bug: answer INTERNAL rather than nothing
            return ("{\"id\":" + quote(n.path("id").asText(null)) + ",\"ok\":false,\"error\":{\"code\":\"INTERNAL\","
                    + "\"message\":\"The daemon could not encode the answer.\",\"retryable\":true}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    private String quote(String s) {
        try {
            return mapper.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            return "null";
        }
    }
}
