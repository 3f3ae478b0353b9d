package org.conveyord.protocol.zpl;

import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything a Zebra printer sends back on one stream, told apart by content: {@code ~HS} answers
 * (three comma-separated strings, handed to {@link HostStatus.Framer}), {@code ~HQES} answers
 * ({@code ERRORS:}/{@code WARNINGS:}) and {@code ~HQOD} answers ({@code PRINT METERS},
 * {@code TOTAL NONRESETTABLE: n LABELS}). Each answer sits in STX...ETX; bytes outside are skipped;
 * a frame longer than {@code maxFrameBytes} is dropped. Not thread-safe: one feeding thread.
 */
public final class HostReplyFramer {

    private static final Pattern ODOMETER = Pattern.compile("NONRESETTABLE:\\s*(\\d{1,15})");

    private final HostStatus.Framer hs;
    private final Consumer<HostQueryErrors> errors;
    private final LongConsumer odometer;
    private final StxEtxFramer frames;
    private long rejected;

    public HostReplyFramer(Consumer<HostStatus> statuses, Consumer<HostQueryErrors> errors, LongConsumer odometer) {
        this.frames = new StxEtxFramer(256, this::onFrame);
        this.hs = new HostStatus.Framer(statuses);
        this.errors = Objects.requireNonNull(errors);
        this.odometer = Objects.requireNonNull(odometer);
    }

    /** The odometer reading in a {@code ~HQOD} answer's text; empty when it has none. */
    public static OptionalLong parseOdometer(String text) {
        Matcher m = ODOMETER.matcher(text);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    public void feed(byte[] b, int off, int len) {
        frames.feed(b, off, len);
    }

    private void onFrame(String text) {
        if (text.contains("ERRORS:")) {
            HostQueryErrors.parse(text).ifPresentOrElse(errors, () -> rejected++);
        } else if (text.contains("PRINT METERS") || text.contains("NONRESETTABLE")) {
            parseOdometer(text).ifPresentOrElse(odometer, () -> rejected++);
        } else {
            hs.onString(text);
        }
    }

    public void reset() {
        frames.reset();
        hs.reset();
    }

    /** Malformed or over-long answers dropped so far. */
    public long rejected() {
        return rejected + frames.rejected() + hs.rejected();
    }
}
