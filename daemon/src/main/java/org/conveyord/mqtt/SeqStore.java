package org.conveyord.mqtt;

import org.conveyord.state.NewerStateVersionException;
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
 * reuses a seq. The next block is reserved on {@code io} while half of the current one is left.
 *
 * <p>No gap after a crash: every stored event's seq ({@link #stored}) is written into {@code event-seq.used}
 * together with the kernel's boot id, without fsync (one small write to the page cache, which
 * survives the death of the process). On open, a used mark from the same kernel boot is exact (the
 * process died, the machine did not) and numbering continues right after it; after a reboot (power
 * cut: the page cache may have lost the latest writes) it is not trusted and numbering continues
 * above the fsync'd block mark, leaving a gap but never reusing a seq. Thread-safe.
 */
public final class SeqStore {

    private static final Logger log = LoggerFactory.getLogger(SeqStore.class);

    /** The format of {@code event-seq} this code writes; it reads every version up to it. */
    static final int FORMAT_VERSION = 2;
    private static final String VERSION_KEY = "version ";

    private final Path file;
    private final long block;
    private final Executor io;
    private long last;          // last seq handed out
    private long reservedUpTo;  // on disk
    private boolean reserving;
    private final Object fileLock = new Object();
    private long written;       // highest mark on disk; guarded by fileLock
    private final String kernelBoot;
    private final byte[] kernelBootBytes;
    private FileChannel used;   // event-seq.used, rewritten in place on every next()
    private final ByteBuffer usedBuf = ByteBuffer.allocate(96);
    private long lastStored;    // 0: the owner never called stored()

    private SeqStore(Path file, long block, Executor io, long mark, String kernelBoot) {
        this.kernelBoot = kernelBoot;
        this.kernelBootBytes = kernelBoot == null ? new byte[0] : kernelBoot.getBytes(StandardCharsets.US_ASCII);
        this.file = file;
        this.block = block;
        this.io = io;
        this.last = mark;
        this.reservedUpTo = mark;
    }

    /** Opens (or creates) {@code <dir>/event-seq}; the first seq handed out is above any used before. */
    public static SeqStore open(Path dir, long block, Executor io) throws IOException {
        return open(dir, block, io, SeqStore::kernelBootId);
    }

    /** @param kernelBoot the id of the running kernel boot (tests pretend a reboot with another one) */
    static SeqStore open(Path dir, long block, Executor io, java.util.function.Supplier<String> kernelBoot) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("event-seq");
        long mark = Files.exists(file) ? readMark(file) : 0;
        String boot = kernelBoot.get();
        Path usedFile = dir.resolve("event-seq.used");
        long resumeAt = mark;
        if (boot != null && Files.exists(usedFile)) {
            String[] parts = Files.readString(usedFile, StandardCharsets.US_ASCII).trim().split(" ");
            try {
                if (parts.length == 3 && parts[0].equals(boot)) {
                    // the process died, not the machine: continue after the last stored seq (or, for an
                    // owner that never reports storing, the last handed out): no gap
                    long handedOut = Long.parseLong(parts[1]);
                    long stored = Long.parseLong(parts[2]);
                    long usedSeq = stored > 0 ? stored : handedOut;
                    if (usedSeq <= mark) resumeAt = usedSeq;
                }
            } catch (NumberFormatException e) {
                log.warn("{} is unreadable; event seqs continue above the reserved mark {}", usedFile, mark);
            }
        }
        SeqStore s = new SeqStore(file, block, io, resumeAt, boot);
        s.write(mark + block);
        s.reservedUpTo = mark + block;
        if (boot != null) {
            s.used = FileChannel.open(usedFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            s.writeUsed();
        }
        return s;
    }

    /**
     * Version 1 (before versions): the mark alone. Version 2: a {@code version 2} line, then the mark.
     * The used file ({@code event-seq.used}) is only a hint next to it and goes by this version.
     */
    private static long readMark(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        String markText = text;
        if (text.startsWith(VERSION_KEY)) {
            int eol = text.indexOf('\n');
            String versionText = (eol < 0 ? text : text.substring(0, eol)).substring(VERSION_KEY.length()).trim();
            int version;
            try {
                version = Integer.parseInt(versionText);
            } catch (NumberFormatException e) {
                throw new IOException(file + " starts with '" + VERSION_KEY + versionText + "', expected a whole number"
                        + " after '" + VERSION_KEY.trim() + "'");
            }
            NewerStateVersionException.check(file, version, FORMAT_VERSION,
                    "the event seq (consumers would see seq restart and read it as missed events)");
            markText = eol < 0 ? "" : text.substring(eol + 1).trim();
        }
        try {
            return Long.parseLong(markText);
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds '" + markText + "', expected a whole number (the event seq high-water mark);"
                    + " restore it or delete it only if consumers may see seq restart");
        }
    }

    /** Linux: a new value on every boot of the machine; null elsewhere (then a crash skips up to a block). */
    static String kernelBootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** "boot handedOut stored", fixed width, so every write replaces the whole previous text. */
    private void writeUsed() {
        if (used == null) return;
        usedBuf.clear();
        usedBuf.put(kernelBootBytes);
        putDigits(last);
        putDigits(lastStored);
        usedBuf.put((byte) '\n').flip();
        try {
            while (usedBuf.hasRemaining()) used.write(usedBuf, usedBuf.position());
        } catch (IOException e) {
            log.warn("Cannot write {}: {}; after a crash event seqs would continue above the reserved mark",
                    file.resolveSibling("event-seq.used"), e.toString());
            closeUsed();
        }
    }

    /** " " and 20 digits (a long has at most 19); no String.format: this runs for every event. */
    private void putDigits(long v) {
        usedBuf.put((byte) ' ').put((byte) '0');
        for (long div = 1_000_000_000_000_000_000L; div > 0; div /= 10) usedBuf.put((byte) ('0' + (v / div) % 10));
    }

    private void closeUsed() {
        try {
            if (used != null) used.close();
        } catch (IOException e) {
            // nothing left to protect
        }
        used = null;
    }

    public synchronized long next() {
        if (last >= reservedUpTo) {
            // the background reservation fell behind: do it here rather than reuse a seq
            long mark = reservedUpTo + block;
            writeOrFail(mark);
            reservedUpTo = mark;
        }
        long seq = ++last;
        writeUsed();
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
        writeUsed();
    }

    /**
     * Records that the event with {@code seq} is stored (in the outbox), without fsync. A restart in the
     * same kernel boot continues right after the last seq recorded here: a seq handed out but never
     * stored (the process died in between) was never seen by anyone and is used again.
     */
    public synchronized void stored(long seq) {
        lastStored = Math.max(lastStored, seq);
        writeUsed();
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
            ch.write(ByteBuffer.wrap((VERSION_KEY + FORMAT_VERSION + "\n" + mark + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
