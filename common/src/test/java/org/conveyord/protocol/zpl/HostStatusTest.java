package org.conveyord.protocol.zpl;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostStatusTest {

    /** The example answer from spec/devices.md. */
    static final String EXAMPLE =
            "\u0002030,1,1,1225,000,0,0,0,000,0,0,0\u0003\r\n"   // comm 030, paper out 1, paused 1, length 1225, 0 formats
            + "\u0002001,0,0,1,1,2,6,0,00000100,1,000\u0003\r\n"  // head up 0, ribbon out 1, 100 labels remaining
            + "\u00021234,0\u0003\r\n";                            // password 1234, no static RAM

    private final List<HostStatus> got = new ArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void exampleFromTheSpecIsParsedFieldByField() {
        new HostStatus.Framer(got::add).feed(bytes(EXAMPLE));
        assertThat(got).containsExactly(new HostStatus(true, true, 1225, 0, false, false, false, true, false, 100));
        HostStatus s = got.get(0);
        assertThat(s.faults()).containsExactly("paper-out", "ribbon-out", "paused");
        assertThat(s.idle()).isFalse();
    }

    @Test
    void encodeReproducesTheExampleByteForByte() {
        HostStatus s = new HostStatus(true, true, 1225, 0, false, false, false, true, false, 100);
        assertThat(new String(s.encode(), StandardCharsets.ISO_8859_1)).isEqualTo(EXAMPLE);
    }

    @Test
    void readyPrinterIsIdleWithoutFaults() {
        HostStatus ready = HostStatus.ready(1225);
        assertThat(ready.faults()).isEmpty();
        assertThat(ready.idle()).isTrue();
        new HostStatus.Framer(got::add).feed(ready.encode());
        assertThat(got).containsExactly(ready);
    }

    @Test
    void headUpIsHeadOpenAndBusyPrinterIsNotIdle() {
        HostStatus s = new HostStatus(false, false, 800, 2, false, true, true, false, false, 1);
        assertThat(s.faults()).containsExactly("head-open");
        assertThat(HostStatus.ready(800).idle()).isTrue();
        assertThat(new HostStatus(false, false, 800, 0, false, false, false, false, false, 3).idle()).isFalse();
        assertThat(new HostStatus(false, false, 800, 0, false, true, false, false, false, 0).idle()).isFalse();
    }

    @ParameterizedTest(name = "chunk {0}")
    @ValueSource(ints = {1, 2, 5, 17})
    void splitAnswersAreReassembled(int chunk) {
        HostStatus.Framer f = new HostStatus.Framer(got::add);
        byte[] in = bytes(EXAMPLE + EXAMPLE);
        for (int i = 0; i < in.length; i += chunk) {
            f.feed(in, i, Math.min(chunk, in.length - i));
        }
        assertThat(got).hasSize(2);
    }

    @Test
    void garbageBeforeAndBetweenFramesIsSkipped() {
        new HostStatus.Framer(got::add).feed(bytes("xx\r\n\u0003junk" + EXAMPLE.replace("\r\n\u00021234", "\r\nnoise\u00021234")));
        assertThat(got).hasSize(1);
    }

    @Test
    void lostStringResynchronisesOnTheNextAnswer() {
        String withoutString2 = EXAMPLE.replace("\u0002001,0,0,1,1,2,6,0,00000100,1,000\u0003\r\n", "");
        HostStatus.Framer f = new HostStatus.Framer(got::add);
        f.feed(bytes(withoutString2 + EXAMPLE));
        assertThat(got).hasSize(1);
        assertThat(f.rejected()).isPositive();
    }

    @Test
    void badFieldIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> HostStatus.parse("030,X,1,1225,000,0,0,0,000,0,0,0", "001,0,0,1,1,2,6,0,00000100,1,000", "1234,0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("paper-out flag is 'X'");
        assertThatThrownBy(() -> HostStatus.parse("030,1", "001", "1234,0"))
                .hasMessageContaining("string 1 has 2 fields, expected 12");
    }

    @Test
    void endlessFrameWithoutEtxIsDroppedAndBounded() {
        HostStatus.Framer f = new HostStatus.Framer(64, got::add);
        byte[] junk = new byte[10_000];
        java.util.Arrays.fill(junk, (byte) '7');
        junk[0] = HostStatus.STX;
        f.feed(junk);
        f.feed(bytes(EXAMPLE));
        assertThat(got).hasSize(1);
        assertThat(f.rejected()).isEqualTo(1);
    }

    @Property(tries = 300)
    void randomBytesNeverThrowAndAValidAnswerAfterThemIsRead(@ForAll @Size(max = 400) byte[] garbage) {
        List<HostStatus> out = new ArrayList<>();
        HostStatus.Framer f = new HostStatus.Framer(out::add);
        f.feed(garbage);
        out.clear();
        f.feed(bytes(EXAMPLE));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).labelsRemaining()).isEqualTo(100);
    }

    @Test
    void hqesAnswerBitsAndRoundTrip() {
        String answer = "\u0002\r\n\r\n  PRINTER STATUS\r\n   ERRORS:         1 00000000 00010005\r\n"
                + "   WARNINGS:       1 00000000 00000008\r\n\u0003\r\n";
        HostQueryErrors e = HostQueryErrors.parse(answer).orElseThrow();
        assertThat(e.has(HostQueryErrors.MEDIA_OUT)).isTrue();
        assertThat(e.has(HostQueryErrors.HEAD_OPEN)).isTrue();
        assertThat(e.has(HostQueryErrors.RIBBON_OUT)).isFalse();
        assertThat(e.faults()).containsExactly("paper-out", "head-open", "paused");
        assertThat(e.warnings() & HostQueryErrors.WARNING_PAPER_ALMOST_OUT).isNotZero();
        assertThat(HostQueryErrors.parse(new String(e.encode(), StandardCharsets.US_ASCII))).contains(e);
        assertThat(HostQueryErrors.parse("PRINTER STATUS ERRORS: zz")).isEmpty();
    }
}
