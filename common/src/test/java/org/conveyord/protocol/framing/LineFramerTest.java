package org.conveyord.protocol.framing;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LineFramerTest {

    private final List<String> lines = new ArrayList<>();
    private final AtomicInteger overflows = new AtomicInteger();

    private LineFramer crlf(int max) {
        return new LineFramer("\r\n", max, lines::add, overflows::incrementAndGet);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void concatenatedFramesInOneReadComeOutAsSeparateLines() {
        crlf(64).feed(ascii("S S     100.00 g\r\nZ A\r\nES\r\n"));
        assertThat(lines).containsExactly("S S     100.00 g", "Z A", "ES");
    }

    @ParameterizedTest(name = "chunk size {0}")
    @ValueSource(ints = {1, 2, 3, 5, 7})
    void framesSplitAtEveryPositionStillFormTheSameLines(int chunk) {
        LineFramer f = crlf(64);
        byte[] in = ascii("S S     100.00 g\r\nT S    12.00 g\r\n");
        for (int i = 0; i < in.length; i += chunk) {
            f.feed(in, i, Math.min(chunk, in.length - i));
        }
        assertThat(lines).containsExactly("S S     100.00 g", "T S    12.00 g");
    }

    @Test
    void terminatorSplitBetweenCrAndLfIsRecognised() {
        LineFramer f = crlf(64);
        f.feed(ascii("abc\r"));
        assertThat(lines).isEmpty();
        f.feed(ascii("\n"));
        assertThat(lines).containsExactly("abc");
    }

    @Test
    void loneCrOrLfInsideALineIsKeptWhenTheTerminatorIsCrLf() {
        crlf(64).feed(ascii("a\rb\nc\r\n"));
        assertThat(lines).containsExactly("a\rb\nc");
    }

    @Test
    void lfTerminatorAndEmptyLines() {
        new LineFramer("\n", 16, lines::add, null).feed(ascii("x\n\ny\n"));
        assertThat(lines).containsExactly("x", "", "y");
    }

    @Test
    void overLongLineIsDroppedUpToTheNextTerminatorAndReportedOnce() {
        LineFramer f = crlf(8);
        f.feed(ascii("123456789012345678901234567890"));
        f.feed(ascii("still the same line\r\nok\r\n"));
        assertThat(lines).containsExactly("ok");
        assertThat(overflows).hasValue(1);
        assertThat(f.overflows()).isEqualTo(1);
    }

    @Test
    void lineOfExactlyMaxBytesIsDelivered() {
        crlf(4).feed(ascii("abcd\r\nabcde\r\n"));
        assertThat(lines).containsExactly("abcd");
        assertThat(overflows).hasValue(1);
    }

    @Test
    void endlessInputWithoutTerminatorStaysBounded() {
        LineFramer f = crlf(32);
        byte[] junk = new byte[4096];
        java.util.Arrays.fill(junk, (byte) 'x');
        for (int i = 0; i < 100; i++) {
            f.feed(junk, 0, junk.length);
            assertThat(f.buffered()).isLessThanOrEqualTo(32 + 2);
        }
        assertThat(overflows).hasValue(1);
        f.feed(ascii("\r\nS S 1 g\r\n"));
        assertThat(lines).containsExactly("S S 1 g");
    }

    @Test
    void emptyTerminatorIsRefused() {
        assertThatThrownBy(() -> new LineFramer(new byte[0], 8, s -> { }, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("terminator");
    }

    @Property(tries = 300)
    void randomBytesNeverThrowStayBoundedAndAValidLineAfterThemIsRead(
            @ForAll @Size(max = 600) byte[] garbage) {
        List<String> got = new ArrayList<>();
        LineFramer f = new LineFramer("\r\n", 64, got::add, null);
        f.feed(garbage, 0, garbage.length);
        assertThat(f.buffered()).isLessThanOrEqualTo(66);
        // a terminator ends whatever the garbage left, then a valid frame follows
        f.feed(ascii("\r\nS S     100.00 g\r\n"));
        assertThat(got).last().isEqualTo("S S     100.00 g");
    }
}
