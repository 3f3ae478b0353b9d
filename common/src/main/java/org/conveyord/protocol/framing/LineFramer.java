package org.conveyord.protocol.framing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into lines on a fixed terminator (CR LF, LF, ...), whatever the chunking of the
 * transport: a line split over several reads, or several lines in one read, come out the same.
 * <p>
 * Bounded: a line whose content exceeds {@code maxLineBytes} is dropped up to the next terminator
 * and reported once through {@code onOverflow}, so a device that never sends a terminator cannot
 * grow memory. Lines are delivered without the terminator, decoded as ISO-8859-1 (one char per byte,
 * so nothing is lost for the ASCII protocols above).
 * <p>
 * Not thread-safe: feed it from one thread (a link's read thread); the consumer runs on that thread.
 */
public final class LineFramer {

    private final byte[] terminator;
    private final int maxLineBytes;
    private final Consumer<String> lines;
    private final Runnable onOverflow;
    private final byte[] buf;
    private int count;
    private boolean discarding;
    private long overflows;

    public LineFramer(byte[] terminator, int maxLineBytes, Consumer<String> lines, Runnable onOverflow) {
        if (terminator == null || terminator.length == 0) {
            throw new IllegalArgumentException("line terminator must not be empty");
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1, was " + maxLineBytes);
        }
        this.terminator = terminator.clone();
        this.maxLineBytes = maxLineBytes;
        this.lines = Objects.requireNonNull(lines);
        this.onOverflow = onOverflow == null ? () -> { } : onOverflow;
        this.buf = new byte[maxLineBytes + terminator.length];
    }

    public LineFramer(String terminator, int maxLineBytes, Consumer<String> lines, Runnable onOverflow) {
        this(terminator.getBytes(StandardCharsets.ISO_8859_1), maxLineBytes, lines, onOverflow);
    }

    public void feed(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        for (int i = off; i < off + len; i++) {
            accept(b[i]);
        }
    }

    public void feed(byte[] b) {
        feed(b, 0, b.length);
    }

    private void accept(byte x) {
        if (discarding && count == terminator.length) {
            // while discarding keep only the last terminator-length bytes, to see the terminator end
            System.arraycopy(buf, 1, buf, 0, count - 1);
            count--;
        }
        buf[count++] = x;
        if (endsWithTerminator()) {
            if (!discarding) {
                lines.accept(new String(buf, 0, count - terminator.length, StandardCharsets.ISO_8859_1));
            }
            discarding = false;
            count = 0;
        } else if (!discarding && count == buf.length) {
            // the content is longer than maxLineBytes and no terminator ended it
            discarding = true;
            overflows++;
            onOverflow.run();
            System.arraycopy(buf, count - (terminator.length), buf, 0, terminator.length);
            count = terminator.length;
        }
    }

    private boolean endsWithTerminator() {
        if (count < terminator.length) {
            return false;
        }
        return Arrays.equals(buf, count - terminator.length, count, terminator, 0, terminator.length);
    }

    /** Drops a partial line, e.g. after the link reconnected. */
    public void reset() {
        count = 0;
        discarding = false;
    }

    /** How many over-long lines were dropped so far. */
    public long overflows() {
        return overflows;
    }

    /** Bytes currently held for an incomplete line; never more than maxLineBytes + terminator length. */
    public int buffered() {
        return count;
    }
}
