package org.conveyord.protocol.mtsics;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.mtsics.MtSicsCodec.Request;
import org.conveyord.protocol.mtsics.MtSicsReply.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MtSicsCodecTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "S,   'S\r\n'",
            "SI,  'SI\r\n'",
            "SIR, 'SIR\r\n'",
            "T,   'T\r\n'",
            "Z,   'Z\r\n'",
            "ZI,  'ZI\r\n'",
            "TA,  'TA\r\n'",
            "TAC, 'TAC\r\n'",
            "RESET, '@\r\n'",
            "I4,  'I4\r\n'"})
    void requestsAreTheCommandFollowedByCrLf(Request r, String wire) {
        assertThat(new String(MtSicsCodec.encode(r), StandardCharsets.US_ASCII)).isEqualTo(wire);
    }

    @Test
    void setTareCarriesValueAndUnit() {
        assertThat(MtSicsCodec.encodeSetTare(12, 2, "g")).asString().isEqualTo("TA 12.00 g\r\n");
    }

    // replies from the table in spec/devices.md; value, unit, grams
    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', value = {
            "S S     100.00 g   | S  | STABLE    | 100.0   | g  | 100.0",
            "S D   129.07 g     | S  | DYNAMIC   | 129.07  | g  | 129.07",
            "S S      1.234 kg  | S  | STABLE    | 1.234   | kg | 1234.0",
            "S S 1.234 kg       | S  | STABLE    | 1.234   | kg | 1234.0",
            "S S    -12.30 g    | S  | STABLE    | -12.3   | g  | -12.3",
            "S S    - 12.30 g   | S  | STABLE    | -12.3   | g  | -12.3",
            "S S     2.000 lb   | S  | STABLE    | 2.0     | lb | 907.18474",
            "S S    500 mg      | S  | STABLE    | 500     | mg | 0.5",
            "T S    12.00 g     | T  | STABLE    | 12.0    | g  | 12.0",
            "TA A    12.00 g    | TA | ACKNOWLEDGED | 12.0 | g  | 12.0"})
    void weightRepliesAreParsedByTokensAndConvertedToGrams(String line, String cmd, Status status, double value,
                                                           String unit, double grams) {
        MtSicsReply r = MtSicsCodec.parseReply(line).orElseThrow();
        assertThat(r.command()).isEqualTo(cmd);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.value().getAsDouble()).isCloseTo(value, within(1e-9));
        assertThat(r.unit()).contains(unit);
        assertThat(r.grams().getAsDouble()).isCloseTo(grams, within(1e-6));
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', value = {
            "S I     | S   | NOT_READY",
            "S +     | S   | OVERLOAD",
            "S -     | S   | UNDERLOAD",
            "Z A     | Z   | ACKNOWLEDGED",
            "Z I     | Z   | NOT_READY",
            "ZI S    | ZI  | STABLE",
            "ZI D    | ZI  | DYNAMIC",
            "TAC A   | TAC | ACKNOWLEDGED",
            "T L     | T   | LOGICAL_ERROR",
            "ES      | ES  | SYNTAX_ERROR",
            "ET      | ET  | TRANSMISSION_ERROR",
            "EL      | EL  | LOGICAL_ERROR"})
    void statusOnlyReplies(String line, String cmd, Status status) {
        MtSicsReply r = MtSicsCodec.parseReply(line).orElseThrow();
        assertThat(r.command()).isEqualTo(cmd);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.value()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"I4 A \"1234567\"", "I4 A 1234567", "I4   A   \"1234567\""})
    void serialNumberWithOrWithoutQuotes(String line) {
        MtSicsReply r = MtSicsCodec.parseReply(line).orElseThrow();
        assertThat(r.command()).isEqualTo("I4");
        assertThat(r.status()).isEqualTo(Status.ACKNOWLEDGED);
        String serial = r.text().orElseGet(() -> String.valueOf((long) r.value().getAsDouble()));
        assertThat(serial).isEqualTo("1234567");
    }

    @Test
    void unknownUnitKeepsValueButNoGrams() {
        MtSicsReply r = MtSicsCodec.parseReply("S S 3.00 PCS").orElseThrow();
        assertThat(r.value().getAsDouble()).isEqualTo(3.0);
        assertThat(r.grams()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "S", "S X 100 g", "s s 100 g", "\u0000\u0001", "S S NaN g", "hello world",
            "S S 1e5 g"})
    void garbageIsNotAReply(String line) {
        var r = MtSicsCodec.parseReply(line);
        if (line.equals("S S NaN g") || line.equals("S S 1e5 g")) {
            // a status is there, but the value is not a plain decimal: no weight is made up
            assertThat(r.orElseThrow().value()).isEmpty();
        } else {
            assertThat(r).isEmpty();
        }
    }

    @Test
    void replyIsCheckedAgainstTheRequest() {
        MtSicsReply weight = MtSicsCodec.parseReply("S S 1 g").orElseThrow();
        assertThat(weight.answers(Request.SI)).isTrue();
        assertThat(weight.answers(Request.S)).isTrue();
        assertThat(weight.answers(Request.T)).isFalse();
        assertThat(MtSicsCodec.parseReply("I4 A \"1\"").orElseThrow().answers(Request.RESET)).isTrue();
        assertThat(MtSicsCodec.parseReply("ES").orElseThrow().answers(Request.Z)).isTrue();
    }

    @Test
    void responderFormatsAsTheManual() {
        assertThat(MtSicsCodec.formatWeight("S", 'S', 100, 2, "g")).isEqualTo("S S     100.00 g");
        assertThat(MtSicsCodec.formatWeight("S", 'D', 129.07, 2, "g")).isEqualTo("S D     129.07 g");
        assertThat(MtSicsCodec.formatStatusOnly("Z", "A")).isEqualTo("Z A");
        assertThat(MtSicsCodec.formatText("I4", "A", "1234567")).isEqualTo("I4 A \"1234567\"");
        assertThat(MtSicsCodec.toWire("Z A")).asString().isEqualTo("Z A\r\n");
    }

    @ParameterizedTest
    @EnumSource(Request.class)
    void formattedRepliesParseBackForEveryRequest(Request r) {
        String line = MtSicsCodec.formatWeight(r.replyId(), 'S', 1.5, 3, "kg");
        MtSicsReply back = MtSicsCodec.parseReply(line).orElseThrow();
        assertThat(back.answers(r)).isTrue();
        assertThat(back.grams().getAsDouble()).isCloseTo(1500, within(1e-9));
    }

    @Test
    void simulatorSideParsesRequests() {
        assertThat(MtSicsCodec.parseRequest("SI")).get().extracting(MtSicsCodec.ParsedRequest::request)
                .isEqualTo(Request.SI);
        assertThat(MtSicsCodec.parseRequest("@")).get().extracting(MtSicsCodec.ParsedRequest::request)
                .isEqualTo(Request.RESET);
        assertThat(MtSicsCodec.parseRequest("TA 12.00 g")).contains(new MtSicsCodec.ParsedRequest(Request.TA, "12.00 g"));
        assertThat(MtSicsCodec.parseRequest("XYZ")).isEmpty();
    }

    @Property(tries = 500)
    void parserNeverThrowsOnRandomText(@ForAll String line) {
        MtSicsCodec.parseReply(line);
        MtSicsCodec.parseRequest(line);
    }

    @Property(tries = 300)
    void validReplyAfterRandomBytesIsStillRead(@ForAll byte[] garbage) {
        List<MtSicsReply> replies = new ArrayList<>();
        LineFramer f = new LineFramer(MtSicsCodec.TERMINATOR, MtSicsCodec.MAX_LINE_BYTES,
                l -> MtSicsCodec.parseReply(l).ifPresent(replies::add), null);
        f.feed(garbage, 0, garbage.length);
        assertThat(f.buffered()).isLessThanOrEqualTo(MtSicsCodec.MAX_LINE_BYTES + 2);
        f.feed(MtSicsCodec.toWire(""));
        f.feed(MtSicsCodec.toWire("S S      1.234 kg"));
        assertThat(replies).last().extracting(x -> x.grams().getAsDouble()).isEqualTo(1234.0);
    }
}
