package org.conveyord.protocol.scanner;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.conveyord.protocol.framing.LineFramer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ScanLineCodecTest {

    private final ScanLineCodec plain = new ScanLineCodec("", "\r\n", "NOREAD", 64);

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', value = {
            "B-1        | B-1",
            "'  B-1<CR>'  | B-1",
            "B-1<CR><LF>  | B-1",
            "NOREAD     | <noread>",
            "noread     | <noread>"})
    void linesBecomeReadsOrNoReads(String line, String expected) {
        // CR and LF written as markers: a CSV row cannot hold them
        ScanResult r = plain.parse(line.replace("<CR>", "\r").replace("<LF>", "\n")).orElseThrow();
        if (expected.equals("<noread>")) {
            assertThat(r).isInstanceOf(ScanResult.NoRead.class);
        } else {
            assertThat(r).isEqualTo(new ScanResult.Read(expected));
        }
    }

    @Test
    void prefixAndSuffixAreStripped() {
        ScanLineCodec c = new ScanLineCodec("]C0", "\r", "NO LABEL", 64);
        assertThat(c.parse("]C0B-77\r")).contains(new ScanResult.Read("B-77"));
        assertThat(c.parse("]C0NO LABEL")).contains(ScanResult.NO_READ);
        assertThat(c.parse("B-78")).contains(new ScanResult.Read("B-78"));
    }

    @Test
    void emptyAndOverLongLinesAreIgnored() {
        assertThat(plain.parse("")).isEmpty();
        assertThat(plain.parse("  \r")).isEmpty();
        assertThat(plain.parse("x".repeat(65))).isEmpty();
    }

    @Test
    void encodeIsPrefixCodeSuffixAndParsesBack() {
        ScanLineCodec c = new ScanLineCodec("]C0", "\r\n", "ERR99", 64);
        assertThat(c.encode(new ScanResult.Read("B-1"))).asString().isEqualTo("]C0B-1\r\n");
        assertThat(c.encode(ScanResult.NO_READ)).asString().isEqualTo("]C0ERR99\r\n");
        List<ScanResult> got = new ArrayList<>();
        LineFramer f = new LineFramer(c.suffix(), 64, l -> c.parse(l).ifPresent(got::add), null);
        f.feed(c.encode(new ScanResult.Read("B-1")));
        f.feed(c.encode(ScanResult.NO_READ));
        assertThat(got).containsExactly(new ScanResult.Read("B-1"), ScanResult.NO_READ);
    }

    @Property(tries = 300)
    void randomBytesNeverThrowAndAReadAfterThemIsParsed(@ForAll @Size(max = 500) byte[] garbage) {
        List<ScanResult> got = new ArrayList<>();
        LineFramer f = new LineFramer("\r\n", 64, l -> plain.parse(l).ifPresent(got::add), null);
        f.feed(garbage);
        f.feed("\r\nB-42\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(got).last().isEqualTo(new ScanResult.Read("B-42"));
    }

    @Property(tries = 300)
    void parseNeverThrows(@ForAll String line) {
        plain.parse(line);
    }
}
