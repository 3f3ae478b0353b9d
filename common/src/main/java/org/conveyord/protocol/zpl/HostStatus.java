package org.conveyord.protocol.zpl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A Zebra printer's answer to {@code ~HS} (host status): three {@code STX ... ETX CR LF} strings.
 * <pre>
 *   string 1  aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
 *             aaa comm settings, b paper out, c paused, dddd label length (dots), eee formats in
 *             receive buffer, f buffer full, g comm diagnostics, h partial format in progress,
 *             iii unused, j corrupt RAM, k under temperature, l over temperature
 *   string 2  mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
 *             mmm function settings, n unused, o head up, p ribbon out, q thermal transfer,
 *             r print mode, s print width mode, t label waiting, uuuuuuuu labels remaining in batch,
 *             v format while printing, www graphic images stored
 *   string 3  xxxx,y   password, static RAM installed
 * </pre>
 * Only the fields the daemon acts on are kept; {@link #encode()} writes the others with the values
 * of the example in the spec, which is what the simulator needs.
 */
public record HostStatus(boolean paperOut, boolean paused, int labelLengthDots, int formatsInBuffer,
                         boolean bufferFull, boolean partialFormat, boolean headUp, boolean ribbonOut,
                         boolean labelWaiting, int labelsRemaining) {

    public static final byte STX = 0x02;
    public static final byte ETX = 0x03;

    /** The three strings' field counts: how a frame is told apart from the others. */
    private static final int FIELDS_1 = 12;
    private static final int FIELDS_2 = 11;
    private static final int FIELDS_3 = 2;

    /** An idle printer with paper, nothing queued: what the simulator answers normally. */
    public static HostStatus ready(int labelLengthDots) {
        return new HostStatus(false, false, labelLengthDots, 0, false, false, false, false, false, 0);
    }

    /**
     * Faults among {@code paper-out}, {@code head-open}, {@code ribbon-out}, {@code paused}, in that
     * order: the names of the {@code fault} event's reason.
     */
    public List<String> faults() {
        List<String> f = new ArrayList<>(4);
        if (paperOut) f.add("paper-out");
        if (headUp) f.add("head-open");
        if (ribbonOut) f.add("ribbon-out");
        if (paused) f.add("paused");
        return f;
    }

    /** Every sent format has been printed: nothing in the buffer, in progress or still to print, no fault. */
    public boolean idle() {
        return formatsInBuffer == 0 && !partialFormat && labelsRemaining == 0 && faults().isEmpty();
    }

    /**
     * Parses the three strings (the text between STX and ETX).
     *
     * @throws IllegalArgumentException naming the string and field that is wrong
     */
    public static HostStatus parse(String s1, String s2, String s3) {
        String[] a = split(s1, FIELDS_1, "string 1");
        String[] b = split(s2, FIELDS_2, "string 2");
        split(s3, FIELDS_3, "string 3");
        return new HostStatus(
                flag(a[1], "string 1 paper-out flag"),
                flag(a[2], "string 1 pause flag"),
                number(a[3], "string 1 label length"),
                number(a[4], "string 1 formats in buffer"),
                flag(a[5], "string 1 buffer-full flag"),
                flag(a[7], "string 1 partial-format flag"),
                flag(b[2], "string 2 head-up flag"),
                flag(b[3], "string 2 ribbon-out flag"),
                flag(b[7], "string 2 label-waiting flag"),
                number(b[8], "string 2 labels remaining"));
    }

    /** The full answer as a printer sends it, three STX...ETX CR LF strings. */
    public byte[] encode() {
        String s1 = String.format(Locale.ROOT, "030,%d,%d,%04d,%03d,%d,0,%d,000,0,0,0",
                bit(paperOut), bit(paused), labelLengthDots, formatsInBuffer, bit(bufferFull), bit(partialFormat));
        String s2 = String.format(Locale.ROOT, "001,0,%d,%d,1,2,6,%d,%08d,1,000",
                bit(headUp), bit(ribbonOut), bit(labelWaiting), labelsRemaining);
        String s3 = "1234,0";
        return (frame(s1) + frame(s2) + frame(s3)).getBytes(StandardCharsets.US_ASCII);
    }

    private static String frame(String s) {
        return "\u0002" + s + "\u0003\r\n";
    }

    private static int bit(boolean b) {
        return b ? 1 : 0;
    }

    private static String[] split(String s, int fields, String what) {
        Objects.requireNonNull(s, what);
        String[] f = s.strip().split(",", -1);
        if (f.length != fields) {
            throw new IllegalArgumentException("~HS " + what + " has " + f.length + " fields, expected " + fields
                    + ": '" + s + "'");
        }
        return f;
    }

    private static boolean flag(String s, String what) {
        return switch (s.strip()) {
            case "0" -> false;
            case "1" -> true;
            default -> throw new IllegalArgumentException("~HS " + what + " is '" + s + "', expected 0 or 1");
        };
    }

    private static int number(String s, String what) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 9 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("~HS " + what + " is '" + s + "', expected digits");
        }
        return Integer.parseInt(t);
    }

    private static int fieldCount(String s) {
        int n = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ',') n++;
        }
        return n;
    }

    /**
     * Collects {@code ~HS} answers from a byte stream: skips anything outside STX...ETX, tells the
     * three strings apart by their field counts (so a lost string resynchronises on the next answer
     * instead of shifting every later one), and hands each complete, valid answer to the consumer.
     * Bounded: a frame longer than {@code maxFrameBytes} is dropped. Not thread-safe: one feeding thread.
     */
    public static final class Framer {

        private final int maxFrameBytes;
        private final Consumer<HostStatus> statuses;
        private final StxEtxFramer frames;
        private final List<String> strings = new ArrayList<>(3);
        private long rejected;

        public Framer(int maxFrameBytes, Consumer<HostStatus> statuses) {
            this.maxFrameBytes = maxFrameBytes;
            this.frames = new StxEtxFramer(maxFrameBytes, this::onString);
            this.statuses = Objects.requireNonNull(statuses);
        }

        public Framer(Consumer<HostStatus> statuses) {
            this(256, statuses);
        }

        public void feed(byte[] b, int off, int len) {
            frames.feed(b, off, len);
        }

        public void feed(byte[] b) {
            feed(b, 0, b.length);
        }

        /** One string between STX and ETX (also from {@link HostReplyFramer}, which already cut it out). */
        void onString(String s) {
            int n = fieldCount(s);
            if (n == FIELDS_1) {
                if (!strings.isEmpty()) rejected++;
                strings.clear();
                strings.add(s);
            } else if (n == FIELDS_2 && strings.size() == 1) {
                strings.add(s);
            } else if (n == FIELDS_3 && strings.size() == 2) {
                strings.add(s);
                HostStatus parsed = null;
                try {
                    parsed = parse(strings.get(0), strings.get(1), strings.get(2));
                } catch (IllegalArgumentException e) {
                    rejected++;
                }
                strings.clear();
                if (parsed != null) {
                    statuses.accept(parsed);
                }
            } else {
                rejected++;
                strings.clear();
            }
        }

        /** Drops any partial answer, e.g. after a reconnect. */
        public void reset() {
            frames.reset();
            strings.clear();
        }

        /** Frames or answers thrown away as malformed or over-long so far. */
        public long rejected() {
            return rejected + frames.rejected();
        }
    }
}
