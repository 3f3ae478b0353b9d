package org.conveyord.mqtt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;

/**
 * The event seq counter that survives restarts and crashes. The file holds a high-water mark: every
 * seq up to it may have been used. Blocks of {@code block} seqs are reserved ahead (mark written with
 * fsync before any seq of the block is handed out), so a crash skips at most one block and never
 * reuses a seq. The next block is reserved on {@code io} while half of the current one is left, so
 * {@link #next()} normally does no I/O. A crash leaves a gap of at most one block; {@link #close()}
 * leaves none. Thread-safe.
 */
public final class SeqStore {

    private static final Logger log = LoggerFactory.getLogger(SeqStore.class);

    private final Path file;
    private final long block;
    private final Executor io;
    private long last;          // last seq handed out
    private long reservedUpTo;  // on disk
    private boolean reserving;
    private final Object fileLock = new Object();
    private long written;       // highest mark on disk; guarded by fileLock

    private SeqStore(Path file, long block, Executor io, long mark) {
        this.file = file;
        this.block = block;
        this.io = io;
        this.last = mark;
        this.reservedUpTo = mark;
    }

    /** Opens (or creates) {@code <dir>/event-seq}; the first seq handed out is above any used before. */
    public static SeqStore open(Path dir, long block, Executor io) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("event-seq");
        long mark = 0;
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            try {
                mark = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IOException(file + " holds '" + text + "', expected a whole number (the event seq high-water mark);"
                        + " restore it or delete it only if consumers may see seq restart");
            }
        }
        SeqStore s = new SeqStore(file, block, io, mark);
        s.write(mark + block);
        s.reservedUpTo = mark + block;
        return s;
    }

    public synchronized long next() {
        if (last >= reservedUpTo) {
            // the background reservation fell behind: do it here rather than reuse a seq
            long mark = reservedUpTo + block;
            writeOrFail(mark);
            reservedUpTo = mark;
        }
        long seq = ++last;
        if (!reserving && reservedUpTo - last < block / 2) {
            reserving = true;
            long mark = reservedUpTo + block;
            io.execute(() -> reserveAhead(mark));
        }
        return seq;
    }

    /**
     * On a clean shutdown: records the last seq actually used, so the next start continues at
     * last + 1 without the gap a reserved block leaves (consumers read a gap as missed events).
     * Seqs handed out after this reserve a new block first, so none is ever reused.
     */
    public synchronized void close() throws IOException {
        synchronized (fileLock) {
            writeFile(last);
            written = last;
        }
        reservedUpTo = last;
    }

    /** The last seq handed out (or, right after a restart, the mark it resumed above). */
    public synchronized long last() { return last; }

    private void reserveAhead(long mark) {
        try {
            write(mark);
            synchronized (this) {
                if (mark > reservedUpTo) reservedUpTo = mark;
                reserving = false;
            }
        } catch (IOException e) {
            synchronized (this) { reserving = false; }
            log.error("Cannot reserve event seqs in {}: {}; will retry on the next event", file, e.toString());
        }
    }

    private void writeOrFail(long mark) {
        try {
            write(mark);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the event seq mark to " + file, e);
        }
    }

    private void write(long mark) throws IOException {
        synchronized (fileLock) {
            // the background and the fallback reservation may race: the mark on disk only grows
            if (mark <= written) return;
            writeFile(mark);
            written = mark;
        }
    }

    private void writeFile(long mark) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((mark + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
