package org.conveyord.mqtt;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class CommandParserTest {

    private static CommandParser.Parsed parse(String json) {
        return CommandParser.parse("line-1", "start", json.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]", "{}", "{\"id\":5}", "\"c-1\"", "null", "{\"id\":\"\"}",
            "{\"id\":\"0123456789012345678901234567890123456789012345678901234567890123x\"}", "{\"id\":null}"})
    void payloadsWithoutAReadableIdAreRejectedWithIdNull(String payload) {
        assertThat(parse(payload)).isInstanceOfSatisfying(CommandParser.Rejected.class, r -> {
            assertThat(r.id()).isNull();
            assertThat(r.message()).isNotBlank();
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"id\":\"c-1\",\"ts\":12}",
            "{\"id\":\"c-1\",\"ts\":\"yesterday\"}",
            "{\"id\":\"c-1\",\"ttlMs\":\"5000\"}",
            "{\"id\":\"c-1\",\"ttlMs\":0}",
            "{\"id\":\"c-1\",\"ttlMs\":-5}",
            "{\"id\":\"c-1\",\"by\":42}"})
    void wrongEnvelopeTypesAreRejectedWithTheId(String payload) {
        assertThat(parse(payload)).isInstanceOfSatisfying(CommandParser.Rejected.class,
                r -> assertThat(r.id()).isEqualTo("c-1"));
    }

    @Test
    void oversizedPayloadIsRejected() {
        String big = "{\"id\":\"c-1\",\"zpl\":\"" + "x".repeat(CommandParser.MAX_PAYLOAD_BYTES) + "\"}";
        assertThat(parse(big)).isInstanceOf(CommandParser.Rejected.class);
    }

    @Test
    void wellFormedCommandKeepsEnvelopeAndParams() {
        var p = parse("{\"id\":\"c-1\",\"ts\":\"2026-11-25T10:15:30.123Z\",\"ttlMs\":2000,\"by\":\"till-3\",\"mps\":0.8}");
        assertThat(p).isInstanceOfSatisfying(CommandParser.Accepted.class, a -> {
            assertThat(a.command().id()).isEqualTo("c-1");
            assertThat(a.command().device()).isEqualTo("line-1");
            assertThat(a.command().action()).isEqualTo("start");
            assertThat(a.command().ts()).contains(Instant.parse("2026-11-25T10:15:30.123Z"));
            assertThat(a.command().ttlMs()).isEqualTo(2000);
            assertThat(a.command().by()).contains("till-3");
            assertThat(a.command().params().get("mps").asDouble()).isEqualTo(0.8);
        });
    }

    @Test
    void defaultTtlIsFiveSeconds() {
        var p = (CommandParser.Accepted) parse("{\"id\":\"c-1\"}");
        assertThat(p.command().ttlMs()).isEqualTo(5000);
        assertThat(p.command().ts()).isEmpty();
    }

    @Test
    void canonicalFormIgnoresKeyOrderAndTs() {
        var a = (CommandParser.Accepted) parse("{\"id\":\"c-1\",\"ts\":\"2026-11-25T10:15:30.123Z\",\"p\":{\"b\":1,\"a\":2}}");
        var b = (CommandParser.Accepted) parse("{\"p\":{\"a\":2,\"b\":1},\"id\":\"c-1\",\"ts\":\"2026-11-25T10:16:00.000Z\"}");
        var c = (CommandParser.Accepted) parse("{\"id\":\"c-1\",\"p\":{\"a\":3,\"b\":1}}");
        assertThat(a.canonical()).isEqualTo(b.canonical());
        assertThat(a.canonical()).isNotEqualTo(c.canonical());
    }
}
