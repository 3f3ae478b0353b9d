package org.conveyord.protocol.nciecr;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.conveyord.protocol.framing.LineFramer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class NciEcrCodecTest {

    /** The example from devices.md: LF, 00.000LB, CR LF, S00, CR, ETX. */
    static final String SPEC_ZERO_LB = "\n00.000LB\r\nS00\r\u0003";

    private final List<String> frames = new ArrayList<>();

    private LineFramer framer() {
        return new LineFramer(NciEcrCodec.TERMINATOR, NciEcrCodec.MAX_REPLY_BYTES, frames::add, null);
    }

    private static NciReply parse(String s) {
        return NciEcrCodec.parseReply(s).orElseThrow();
    }

    @Test
    void requestsAreOneLetterAndCr() {
        assertThat(NciEcrCodec.encode(NciEcrCodec.Request.W)).containsExactly('W', '\r');
        assertThat(NciEcrCodec.encode(NciEcrCodec.Request.Z)).containsExactly('Z', '\r');
    }

    @Test
    void specExampleIsZeroPoundsAllClear() {
        NciReply r = parse(SPEC_ZERO_LB);
        assertThat(r.weightField()).isEqualTo(NciReply.WeightField.VALUE);
        assertThat(r.value()).hasValue(0.0);
        assertThat(r.unit()).hasValue("lb");
        assertThat(r.grams()).hasValue(0.0);
        assertThat(r.motion()).isFalse();
        assertThat(r.hardwareError()).isFalse();
    }

    @Test
    void weightInKgAndLbBecomesGrams() {
        assertThat(parse("\n01.250KG\r\nS00\r\u0003").grams().getAsDouble()).isEqualTo(1250, within(1e-9));
        assertThat(parse("\n02.000LB\r\nS00\r\u0003").grams().getAsDouble()).isEqualTo(907.18474, within(1e-6));
    }

    @ParameterizedTest(name = "status {0}{1}")
    @CsvSource({
            "1, 0, motion",       // byte 1 bit0
            "2, 0, atZero",       // byte 1 bit1
            "4, 0, ram",          // byte 1 bit2
            "8, 0, eeprom",       // byte 1 bit3
            "0, 1, under",        // byte 2 bit0
            "0, 2, over",         // byte 2 bit1
    })
    void statusBits(int b1, int b2, String which) {
        String s = "S" + (char) (0x30 | b1) + (char) (0x30 | b2);
        NciReply r = parse("\n" + s + "\r\u0003");
        assertThat(r.weightField()).isEqualTo(NciReply.WeightField.ABSENT);
        assertThat(r.motion()).isEqualTo(which.equals("motion"));
        assertThat(r.atZero()).isEqualTo(which.equals("atZero"));
        assertThat(r.ramError()).isEqualTo(which.equals("ram"));
        assertThat(r.eepromError()).isEqualTo(which.equals("eeprom"));
        assertThat(r.underCapacity()).isEqualTo(which.equals("under"));
        assertThat(r.overCapacity()).isEqualTo(which.equals("over"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"^^^^^^, OVER", "______, UNDER", "------, ZERO_ERROR"})
    void outOfRangeFields(String field, NciReply.WeightField expected) {
        NciReply r = parse("\n" + field + "\r\nS00\r\u0003");
        assertThat(r.weightField()).isEqualTo(expected);
        assertThat(r.grams()).isEmpty();
        assertThat(r.overload()).isEqualTo(expected == NciReply.WeightField.OVER);
        assertThat(r.underload()).isEqualTo(expected == NciReply.WeightField.UNDER);
    }

    @Test
    void unknownCommandAnswer() {
        assertThat(parse("\n?\r\u0003").weightField()).isEqualTo(NciReply.WeightField.UNKNOWN_COMMAND);
    }

    @Test
    void repliesAreCheckedAgainstTheRequest() {
        NciReply weight = parse(SPEC_ZERO_LB);
        NciReply status = parse("\nS00\r\u0003");
        assertThat(NciEcrCodec.answers(weight, NciEcrCodec.Request.W)).isTrue();
        assertThat(NciEcrCodec.answers(weight, NciEcrCodec.Request.S)).isFalse();
        assertThat(NciEcrCodec.answers(status, NciEcrCodec.Request.Z)).isTrue();
        assertThat(NciEcrCodec.answers(status, NciEcrCodec.Request.W)).isTrue();   // moving: status only
    }

    @ParameterizedTest(name = "garbage #{index}")
    @ValueSource(strings = {"", "\n\r", "\nS\r", "\nSAB\r", "\nhello\r\nS00\r", "\n1.0LB\r\n2.0LB\r\nS00\r", "\n00.000LB\r"})
    void garbageIsNotAReply(String s) {
        assertThat(NciEcrCodec.parseReply(s)).isEmpty();
    }

    @ParameterizedTest(name = "chunk {0}")
    @ValueSource(ints = {1, 2, 3, 5, 16})
    void splitAndConcatenatedRepliesFrameOnEtx(int chunk) {
        byte[] in = (SPEC_ZERO_LB + "\nS10\r\u0003" + SPEC_ZERO_LB).getBytes(StandardCharsets.US_ASCII);
        LineFramer f = framer();
        for (int i = 0; i < in.length; i += chunk) f.feed(in, i, Math.min(chunk, in.length - i));
        assertThat(frames).hasSize(3);
        assertThat(parse(frames.get(1)).motion()).isTrue();
    }

    @Test
    void endlessReplyWithoutEtxIsDroppedAndTheNextOneRead() {
        LineFramer f = framer();
        f.feed("\n0000000000".repeat(100).getBytes(StandardCharsets.US_ASCII));
        assertThat(f.buffered()).isLessThanOrEqualTo(NciEcrCodec.MAX_REPLY_BYTES + 1);
        f.feed("\u0003".getBytes(StandardCharsets.US_ASCII));
        f.feed(SPEC_ZERO_LB.getBytes(StandardCharsets.US_ASCII));
        assertThat(frames).hasSize(1);
        assertThat(f.overflows()).isEqualTo(1);
    }

    @Test
    void scaleSideEncodingRoundTrips() {
        NciReply r = parse(new String(NciEcrCodec.weightReply(NciEcrCodec.weightField(1.5, 3, "kg"),
                NciEcrCodec.status(true, false, false, false)), StandardCharsets.US_ASCII));
        assertThat(r.grams().getAsDouble()).isEqualTo(1500, within(1e-9));
        assertThat(r.motion()).isTrue();
        assertThat(NciEcrCodec.weightField(0, 3, "lb")).isEqualTo("00.000LB");
    }

    @Property(tries = 300)
    void randomBytesNeverThrowAndAValidReplyAfterwardsIsRead(@ForAll @Size(max = 300) byte[] noise) {
        List<NciReply> out = new ArrayList<>();
        LineFramer f = new LineFramer(NciEcrCodec.TERMINATOR, NciEcrCodec.MAX_REPLY_BYTES,
                s -> NciEcrCodec.parseReply(s).ifPresent(out::add), null);
        f.feed(noise);
        assertThat(f.buffered()).isLessThanOrEqualTo(NciEcrCodec.MAX_REPLY_BYTES + 1);
        f.feed(new byte[]{NciEcrCodec.ETX});   // ends whatever the noise left open
        out.clear();
        f.feed(SPEC_ZERO_LB.getBytes(StandardCharsets.US_ASCII));
        assertThat(out).singleElement().satisfies(r -> assertThat(r.grams()).hasValue(0.0));
    }
}
