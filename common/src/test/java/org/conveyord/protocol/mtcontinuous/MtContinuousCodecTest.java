package org.conveyord.protocol.mtcontinuous;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.conveyord.protocol.mtcontinuous.MtContinuousCodec.Decoder;
import org.conveyord.protocol.mtcontinuous.MtContinuousCodec.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MtContinuousCodecTest {

    /** 12.34 kg gross, stable, tare 0, built field by field after the layout in devices.md. */
    static byte[] frame1234kg() {
        byte[] f = {
                0x02,                                   // STX
                0x24,                                   // SWA: bit5 set, bits 0-2 = 4 -> XXXX.XX
                0x30,                                   // SWB: bit5 set, bit4 kg; gross, positive, no motion
                0x20,                                   // SWC: bit5 set, nothing pressed
                '0', '0', '1', '2', '3', '4',           // weight 001234 -> 12.34
                '0', '0', '0', '0', '0', '0',           // tare 000000
                0x0D,                                   // CR
                0                                       // CHK, below
        };
        int sum = 0;
        for (int i = 0; i < 17; i++) sum += f[i];
        f[17] = (byte) ((-sum) & 0x7f);             // the 7-bit sum of all 18 bytes is 0
        return f;
    }

    private final List<ContinuousFrame> frames = new ArrayList<>();

    @Test
    void decodesTheSpecLayoutFieldByField() {
        ContinuousFrame f = MtContinuousCodec.decode(frame1234kg(), Format.FULL);
        assertThat(f.weight()).isEqualTo(12.34, within(1e-9));
        assertThat(f.grams()).isEqualTo(12340, within(1e-6));
        assertThat(f.tare()).hasValue(0.0);
        assertThat(f.decimals()).isEqualTo(2);
        assertThat(f.kg()).isTrue();
        assertThat(f.motion()).isFalse();
        assertThat(f.steady()).isTrue();
    }

    @Test
    void checksumIsTheTwosComplementOfTheSevenBitSum() {
        byte[] f = frame1234kg();
        // 02+24+30+20 + 30+30+31+32+33+34 + 6*30 + 0D = 0x2CD; 7 bits 0x4D; -0x4D & 0x7f = 0x33 ('3')
        assertThat(f[17]).isEqualTo((byte) 0x33);
        assertThat(MtContinuousCodec.checksum(f, 17)).isEqualTo((byte) 0x33);
    }

    @ParameterizedTest(name = "SWB 0x{0}: negative={1} over={2} motion={3} kg={4} powerUp={5}")
    @CsvSource({
            "32, true,  false, false, true,  false",   // bit1 negative
            "34, false, true,  false, true,  false",   // bit2 over capacity
            "38, false, false, true,  true,  false",   // bit3 motion
            "20, false, false, false, false, false",   // bit4 clear: lb
            "70, false, false, false, true,  true",    // bit6 power-up
    })
    void swbBits(String swbHex, boolean negative, boolean over, boolean motion, boolean kg, boolean powerUp) {
        byte[] f = frame1234kg();
        f[2] = (byte) Integer.parseInt(swbHex, 16);
        f[17] = MtContinuousCodec.checksum(f, 17);
        ContinuousFrame d = MtContinuousCodec.decode(f, Format.FULL);
        assertThat(d.weight() < 0).isEqualTo(negative);
        assertThat(d.overCapacity()).isEqualTo(over);
        assertThat(d.motion()).isEqualTo(motion);
        assertThat(d.kg()).isEqualTo(kg);
        assertThat(d.powerUp()).isEqualTo(powerUp);
        if (!kg) assertThat(d.grams()).isEqualTo(12.34 * 453.59237, within(1e-6));
    }

    @ParameterizedTest(name = "SWA code {0} -> {1}")
    @CsvSource({"0, 123400", "1, 12340", "2, 1234", "3, 123.4", "4, 12.34", "5, 1.234", "6, 0.1234"})
    void swaDecimalPointPositions(int code, double expected) {
        byte[] f = frame1234kg();
        f[1] = (byte) (0x20 | code);
        f[17] = MtContinuousCodec.checksum(f, 17);
        assertThat(MtContinuousCodec.decode(f, Format.FULL).weight()).isEqualTo(expected, within(1e-9));
    }

    @Test
    void badChecksumIsRejectedAndTheNextGoodFrameIsRead() {
        byte[] bad = frame1234kg();
        bad[17] ^= 0x01;
        assertThatThrownBy(() -> MtContinuousCodec.decode(bad, Format.FULL)).hasMessageContaining("checksum");
        Decoder d = new Decoder(Format.FULL, frames::add);
        d.feed(bad);
        d.feed(frame1234kg());
        assertThat(frames).hasSize(1);
        assertThat(d.rejected()).isEqualTo(1);
    }

    @ParameterizedTest(name = "chunk {0}")
    @ValueSource(ints = {1, 2, 5, 7, 17, 18, 19})
    void splitAndConcatenatedFramesDecodeTheSame(int chunk) {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        for (int i = 0; i < 4; i++) s.writeBytes(frame1234kg());
        byte[] in = s.toByteArray();
        Decoder d = new Decoder(Format.FULL, frames::add);
        for (int i = 0; i < in.length; i += chunk) d.feed(in, i, Math.min(chunk, in.length - i));
        assertThat(frames).hasSize(4).allSatisfy(f -> assertThat(f.grams()).isEqualTo(12340, within(1e-6)));
    }

    @Test
    void garbageBeforeAndAStxInsideGarbageDoNotHideTheFrame() {
        Decoder d = new Decoder(Format.FULL, frames::add);
        d.feed(new byte[]{'x', 0x02, 'y', 0x7f, 0x02, 0x02});
        d.feed(frame1234kg());
        assertThat(frames).hasSize(1);
        assertThat(d.buffered()).isZero();
    }

    @Test
    void indicatorsWithoutTareOrChecksum() {
        Format noTare = new Format(false, true);
        Format neither = new Format(false, false);
        assertThat(noTare.length()).isEqualTo(12);
        assertThat(neither.length()).isEqualTo(11);
        for (Format fm : List.of(noTare, neither, new Format(true, false), Format.FULL)) {
            byte[] f = MtContinuousCodec.encode(2.5, 0, 3, true, false, false, false, fm);
            assertThat(f).hasSize(fm.length());
            assertThat(MtContinuousCodec.decode(f, fm).grams()).isEqualTo(2500, within(1e-6));
            assertThat(MtContinuousCodec.decode(f, fm).tare().isPresent()).isEqualTo(fm.tare());
        }
    }

    @Test
    void parityBitReadAsDataIsIgnored() {
        byte[] f = frame1234kg();
        for (int i = 0; i < f.length; i++) f[i] |= (byte) 0x80;
        new Decoder(Format.FULL, frames::add).feed(f);
        assertThat(frames).hasSize(1);
    }

    @Test
    void nonDigitWeightIsRejected() {
        byte[] f = frame1234kg();
        f[6] = 'A';
        f[17] = MtContinuousCodec.checksum(f, 17);
        assertThatThrownBy(() -> MtContinuousCodec.decode(f, Format.FULL)).hasMessageContaining("weight digit 3");
    }

    @Test
    void encodeRoundTripsThroughTheDecoder() {
        byte[] f = MtContinuousCodec.encode(-1.25, 0.5, 2, true, true, false, false, Format.FULL);
        new Decoder(Format.FULL, frames::add).feed(f);
        assertThat(frames).singleElement().satisfies(x -> {
            assertThat(x.weight()).isEqualTo(-1.25, within(1e-9));
            assertThat(x.motion()).isTrue();
            assertThat(x.net()).isTrue();
            assertThat(x.tare()).hasValue(0.5);
        });
    }

    @Property(tries = 300)
    void randomBytesNeverThrowStayBoundedAndAValidFrameAfterwardsIsRead(@ForAll @Size(max = 400) byte[] noise) {
        List<ContinuousFrame> out = new ArrayList<>();
        Decoder d = new Decoder(Format.FULL, out::add);
        d.feed(noise);
        assertThat(d.buffered()).isLessThanOrEqualTo(Format.FULL.length());
        int before = out.size();
        // two good frames: the first may be swallowed by a partial frame the noise left open
        d.feed(frame1234kg());
        d.feed(frame1234kg());
        assertThat(out.size() - before).isGreaterThanOrEqualTo(1);
        assertThat(out.get(out.size() - 1).grams()).isEqualTo(12340, within(1e-6));
    }
}
