package org.conveyord.protocol.mtcontinuous;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * Mettler Toledo continuous output: the indicator sends, unasked and over and over,
 * <pre>
 *   STX SWA SWB SWC w1..w6 t1..t6 CR CHK       (18 bytes)
 *   SWA bits 0-2  decimal point: 0 XXXX00, 1 XXXXX0, 2 XXXXXX, 3 XXXXX.X, 4 XXXX.XX, 5 XXX.XXX, 6 XX.XXXX
 *   SWB bit0 net, bit1 negative, bit2 over capacity, bit3 motion, bit4 kg (else lb), bit6 power-up
 *   SWC bit3 print pressed, bit6 keyboard tare
 *   w, t          six ASCII digits each, no sign, no point
 *   CHK           two's complement of the 7-bit sum of all earlier bytes (the 18 bytes sum to 0 mod 128)
 * </pre>
 * Some indicators omit the tare digits or the checksum: {@link Format} says which this one sends.
 * <p>
 * {@link Decoder} finds frames in a byte stream whatever the chunking, drops frames with a wrong
 * checksum, missing CR or non-digit weight, and resynchronises on the next STX; it never holds more
 * than one frame's bytes. Bytes are read as 7-bit (a parity bit read as data is ignored). The
 * codec functions are pure; a Decoder is fed from one thread.
 */
public final class MtContinuousCodec {

    public static final byte STX = 0x02;
    public static final byte CR = 0x0D;

    /** Which optional parts this indicator sends. */
    public record Format(boolean tare, boolean checksum) {
        public static final Format FULL = new Format(true, true);

        /** Bytes per frame: 18 with tare and checksum, 12 with neither. */
        public int length() {
            return 1 + 3 + 6 + (tare ? 6 : 0) + 1 + (checksum ? 1 : 0);
        }
    }

    private MtContinuousCodec() { }

    /** The checksum byte for {@code frame[0..len)}: -(sum) mod 128. */
    public static byte checksum(byte[] frame, int len) {
        int sum = 0;
        for (int i = 0; i < len; i++) sum += frame[i] & 0x7f;
        return (byte) ((-sum) & 0x7f);
    }

    /**
     * Decodes one frame of exactly {@code format.length()} bytes.
     *
     * @throws IllegalArgumentException naming what is wrong (length, STX, CR, digits, checksum)
     */
    public static ContinuousFrame decode(byte[] b, Format format) {
        int len = format.length();
        if (b.length != len) {
            throw new IllegalArgumentException("continuous frame has " + b.length + " bytes, expected " + len);
        }
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) f[i] = (byte) (b[i] & 0x7f);
        if (f[0] != STX) throw new IllegalArgumentException("continuous frame does not start with STX");
        int crAt = 10 + (format.tare() ? 6 : 0);
        if (f[crAt] != CR) throw new IllegalArgumentException("continuous frame has no CR at byte " + crAt);
        if (format.checksum()) {
            int sum = 0;
            for (byte x : f) sum += x;
            if ((sum & 0x7f) != 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "continuous frame checksum 0x%02X is wrong; expected 0x%02X", f[len - 1], checksum(f, len - 1)));
            }
        }
        int swa = f[1];
        int swb = f[2];
        int swc = f[3];
        int code = swa & 0x07;
        if (code == 7) throw new IllegalArgumentException("continuous frame SWA decimal code 7 is undefined");
        int decimals = code - 2;   // 2 -> 0 decimals, 4 -> 2, 0 -> x100
        long digits = digits(f, 4, "weight");
        double weight = scale(digits, decimals);
        if ((swb & 0x02) != 0) weight = -weight;
        OptionalDouble tare = format.tare() ? OptionalDouble.of(scale(digits(f, 10, "tare"), decimals)) : OptionalDouble.empty();
        return new ContinuousFrame(weight, tare, decimals, (swb & 0x10) != 0, (swb & 0x01) != 0, (swb & 0x04) != 0,
                (swb & 0x08) != 0, (swb & 0x40) != 0, (swc & 0x08) != 0);
    }

    /**
     * A frame as an indicator sends it (for the simulator and tests). Bits 5 of SWA/SWB/SWC are set
     * as Toledo does, so the status bytes are printable.
     *
     * @param weight    in the unit, rounded to {@code decimals} (2..6 from SWA's table minus 2: 0..4)
     */
    public static byte[] encode(double weight, double tare, int decimals, boolean kg, boolean motion,
                                boolean overCapacity, boolean powerUp, Format format) {
        if (decimals < 0 || decimals > 4) throw new IllegalArgumentException("decimals must be 0..4, was " + decimals);
        byte[] f = new byte[format.length()];
        f[0] = STX;
        f[1] = (byte) (0x20 | (decimals + 2));
        f[2] = (byte) (0x20 | (tare != 0 ? 0x01 : 0) | (weight < 0 ? 0x02 : 0) | (overCapacity ? 0x04 : 0)
                | (motion ? 0x08 : 0) | (kg ? 0x10 : 0) | (powerUp ? 0x40 : 0));
        f[3] = 0x20;
        putDigits(f, 4, Math.abs(weight), decimals);
        int at = 10;
        if (format.tare()) {
            putDigits(f, 10, Math.abs(tare), decimals);
            at = 16;
        }
        f[at] = CR;
        if (format.checksum()) f[at + 1] = checksum(f, at + 1);
        return f;
    }

    private static void putDigits(byte[] f, int at, double value, int decimals) {
        long n = Math.round(value * Math.pow(10, decimals));
        n = Math.min(n, 999_999);
        String s = String.format(Locale.ROOT, "%06d", n);
        for (int i = 0; i < 6; i++) f[at + i] = (byte) s.charAt(i);
    }

    private static long digits(byte[] f, int at, String what) {
        long n = 0;
        for (int i = at; i < at + 6; i++) {
            byte c = f[i];
            // indicators blank leading zeros with spaces on some models
            if (c == ' ') c = '0';
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("continuous frame " + what + " digit " + (i - at + 1) + " is not a digit");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static double scale(long digits, int decimals) {
        return decimals >= 0 ? digits / Math.pow(10, decimals) : digits * Math.pow(10, -decimals);
    }

    /** Cuts a byte stream into frames; see the class comment. Not thread-safe. */
    public static final class Decoder {
        private final Format format;
        private final Consumer<ContinuousFrame> frames;
        private final byte[] buf;
        private int count;
        private long rejected;

        public Decoder(Format format, Consumer<ContinuousFrame> frames) {
            this.format = Objects.requireNonNull(format);
            this.frames = Objects.requireNonNull(frames);
            this.buf = new byte[format.length()];
        }

        public void feed(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            for (int i = off; i < off + len; i++) accept((byte) (b[i] & 0x7f));
        }

        public void feed(byte[] b) {
            feed(b, 0, b.length);
        }

        private void accept(byte x) {
            if (count == 0 && x != STX) return;   // between frames: skip to the next STX
            buf[count++] = x;
            if (count < buf.length) return;
            ContinuousFrame f = null;
            try {
                f = decode(buf, format);
            } catch (IllegalArgumentException e) {
                rejected++;
            }
            if (f != null) {
                count = 0;
                frames.accept(f);
                return;
            }
            // resynchronise: the real frame may start at a later STX inside what we hold
            int next = -1;
            for (int i = 1; i < count; i++) {
                if (buf[i] == STX) {
                    next = i;
                    break;
                }
            }
            if (next < 0) {
                count = 0;
                return;
            }
            byte[] rest = Arrays.copyOfRange(buf, next, count);
            count = 0;
            for (byte r : rest) accept(r);
        }

        public void reset() {
            count = 0;
        }

        /** Frames dropped as malformed so far. */
        public long rejected() {
            return rejected;
        }

        /** Bytes held for an incomplete frame; never more than one frame. */
        public int buffered() {
            return count;
        }
    }
}
