package org.conveyord.mqtt;

import org.conveyord.state.NewerStateVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The outbox on local disk (mqtt-api.md, Delivery): an append-only log of segment files under
 * {@code <stateDir>/outbox/}, named {@code seg-<first id>.log}. Every message is written (to the
 * kernel, so a {@code kill -9} loses nothing; to the device according to the {@link Fsync} policy)
 * before the gateway can read it to send it. A PUBACK removes it: the ack cursor (all ids up to it
 * are done, kept in {@code outbox/acked}) moves on and segments behind it are deleted. After a
 * restart everything above the ack cursor is sent again, oldest first: at-least-once.
 *
 * <p>Segment: {@code "CYOV" u32 | format version u32 (2)}, then records (version 1 segments, from
 * before versions, start with the first record). Record: {@code magic u32 | length u32 | crc32 u32 |
 * body}, body = {@code id i64 | expiresAtMs i64 (-1: never) | topicLength u16 | topic | payload}. A record whose checksum does not match (a
 * write torn by a power cut) is skipped and counted, never fatal; the magic lets the scan find the
 * next good record after damage in the middle of a file. A restart always appends to a new segment,
 * so nothing is ever written behind a torn tail.
 *
 * <p>Hard cap: when the segments would exceed {@code maxBytes}, the oldest segment is dropped whole
 * and each live entry in it is reported to the {@link DropListener}. Recent entries are also kept in
 * memory (a bounded "hot" tail), so live traffic is sent without reading the disk back; a backlog
 * bigger than that is read from the segments.
 *
 * <p>Threading: every method is synchronized on this object; appends cost a write() to the page
 * cache (microseconds), never an fsync under {@link Fsync#BATCHED}: a private thread ("outbox-fsync")
 * syncs {@code fsyncIntervalMs} after the first unsynced write, outside the lock, and a power cut loses at
 * most that much.
 * With {@link Fsync#EVERY_WRITE} the appending thread (the control loop, for events) waits for one
 * fsync per message: safe against power cuts, but use it only where that pause is acceptable.
 */
public final class DurableOutbox implements Outbox {

    private static final Logger log = LoggerFactory.getLogger(DurableOutbox.class);

    public enum Fsync {
        EVERY_WRITE("every-write"), BATCHED("batched");

        private final String configName;

        Fsync(String configName) { this.configName = configName; }

        public String configName() { return configName; }

        public static Fsync fromConfig(String s) {
            for (Fsync f : values()) if (f.configName.equals(s)) return f;
            throw new IllegalArgumentException("fsync policy '" + s + "' is not every-write or batched");
        }
    }

    /**
     * @param maxBytes        hard cap on the segment files together
     * @param segmentBytes    a segment is closed and a new one started past this size (the cap drops whole segments)
     * @param hotEntries      how many recent entries are also kept in memory
     */
    public record Settings(long maxBytes, long segmentBytes, Fsync fsync, long fsyncIntervalMs, int hotEntries) {
        public Settings {
            if (maxBytes < 4096) throw new IllegalArgumentException("outbox cap must be at least 4096 bytes, got " + maxBytes);
            if (segmentBytes < 1024 || segmentBytes > maxBytes / 2) {
                throw new IllegalArgumentException("segment size " + segmentBytes + " must be between 1 KiB and half the cap");
            }
            if (fsyncIntervalMs < 1) throw new IllegalArgumentException("fsync interval must be at least 1 ms");
        }

        /** Segments of 1/16 of the cap (at most 8 MiB), 8192 entries in memory. */
        public static Settings of(long maxBytes, Fsync fsync, long fsyncIntervalMs) {
            long seg = Math.max(1024, Math.min(8L << 20, maxBytes / 16));
            return new Settings(maxBytes, seg, fsync, fsyncIntervalMs, 8192);
        }
    }

    static final int MAGIC = 0x43594F42; // "CYOB"
    /** The first 4 bytes of a segment from version 2 on, then the version (u32). */
    static final int SEGMENT_MAGIC = 0x43594F56; // "CYOV"
    static final int SEGMENT_HEADER = 8;
    /** The segment format this code writes; it reads every version up to it. */
    static final int FORMAT_VERSION = 2;
    static final int HEADER = 12;
    static final int MAX_BODY = 16 << 20;
    private static final int FIXED_BODY = 8 + 8 + 2;

    /** Every INDEX_EVERY-th record's place, so a replay can start reading near any id without a scan. */
    private static final int INDEX_EVERY = 64;

    private record Pos(Segment segment, long offset) {}

    /** @param dataStart where the first record starts: after the header (0 in a version 1 segment) */
    private record Segment(Path file, long firstId, long[] lastId, long[] bytes, long dataStart) {
        long last() { return lastId[0]; }
        long size() { return bytes[0]; }
        boolean empty() { return size() <= dataStart; }
    }

    private final Path dir;
    private final Settings settings;
    private final DropListener onDrop;
    private final TreeMap<Long, Segment> segments = new TreeMap<>(); // by first id
    private final TreeMap<Long, Entry> hot = new TreeMap<>();
    private final TreeMap<Long, Pos> index = new TreeMap<>();
    private final TreeSet<Long> removedAboveAck = new TreeSet<>();
    private final ScheduledExecutorService syncer;
    private final CRC32 crc = new CRC32();

    private FileChannel active;
    private Segment activeSeg;
    private long nextId;
    private long ackedId;          // every id <= ackedId is gone
    private long ackedOnDisk;
    private long hotFrom;          // every live id >= hotFrom is in hot
    private int live;
    private long totalBytes;
    private long corrupt;
    private boolean dirty;
    private boolean syncScheduled;
    private boolean closed;
    private ByteBuffer writeBuf = ByteBuffer.allocate(4096);

    // sequential disk reader: the next record to read and the id it returned last
    private Segment readSeg;
    private long readPos;
    private long readLastId = -1;
    private FileChannel readChannel;
    private Segment readChannelSeg;
    // read-ahead on readChannel: a backlog is read 64 KiB at a time, not two pread()s per record
    private final ByteBuffer readAhead = ByteBuffer.allocate(64 * 1024);
    private long readAheadFrom = -1;
    private int readAheadLen;

    private DurableOutbox(Path dir, Settings settings, DropListener onDrop) {
        this.dir = dir;
        this.settings = settings;
        this.onDrop = onDrop;
        // also with EVERY_WRITE: it records the ack cursor, so a crash resends little
        this.syncer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-fsync");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) {@code <stateDir>/outbox}, scanning what a previous run left: live entries
     * are sent again, corrupt records are logged and counted.
     */
    public static DurableOutbox open(Path stateDir, Settings settings, DropListener onDrop) throws IOException {
        Path dir = stateDir.resolve("outbox");
        Files.createDirectories(dir);
        DurableOutbox o = new DurableOutbox(dir, settings, onDrop);
        o.recover();
        synchronized (o) {
            if (o.dirty) o.scheduleSync();
        }
        return o;
    }

    // ------------------------------------------------------------------ Outbox

    @Override
    public synchronized long append(String topic, byte[] payload, Instant expiresAt) {
        if (closed) throw new IllegalStateException("the outbox is closed");
        long id = nextId;
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        int body = FIXED_BODY + t.length + payload.length;
        if (t.length > 0xFFFF || body > MAX_BODY) {
            throw new IllegalArgumentException("message on " + topic + " is too big for the outbox (" + body + " bytes)");
        }
        int recLen = HEADER + body;
        makeRoom(recLen + (needsRoll(recLen) ? SEGMENT_HEADER : 0));
        if (needsRoll(recLen)) roll(id);
        if (writeBuf.capacity() < recLen) writeBuf = ByteBuffer.allocate(Math.max(recLen, writeBuf.capacity() * 2));
        ByteBuffer b = writeBuf.clear();
        b.putInt(MAGIC).putInt(body).putInt(0);
        b.putLong(id).putLong(expiresAt == null ? -1 : expiresAt.toEpochMilli()).putShort((short) t.length).put(t).put(payload);
        crc.reset();
        crc.update(b.array(), HEADER, body);
        b.putInt(8, (int) crc.getValue());
        b.flip();
        long at = activeSeg.size();
        try {
            while (b.hasRemaining()) active.write(b);
            if (settings.fsync() == Fsync.EVERY_WRITE) active.force(false);
            else markDirty();
        } catch (IOException e) {
            // not appended: the caller must know (events go nowhere else)
            throw new UncheckedIOException("cannot append to the outbox in " + dir + ": " + e.getMessage(), e);
        }
        nextId = id + 1;
        if (id % INDEX_EVERY == 0 || at == activeSeg.dataStart()) index.put(id, new Pos(activeSeg, at));
        activeSeg.lastId()[0] = id;
        activeSeg.bytes()[0] += recLen;
        totalBytes += recLen;
        live++;
        hot.put(id, new Entry(id, topic, payload, expiresAt));
        while (hot.size() > settings.hotEntries()) {
            long evicted = hot.pollFirstEntry().getKey();
            hotFrom = Math.max(hotFrom, evicted + 1);
        }
        return id;
    }

    @Override
    public synchronized List<Entry> after(long afterId, int max) {
        // grown as entries are found: the gateway asks on every event and ack, mostly for one or none
        List<Entry> out = new ArrayList<>();
        if (max <= 0 || closed) return out;
        if (afterId + 1 >= hotFrom) {
            for (Entry e : hot.tailMap(afterId, false).values()) {
                if (out.size() >= max) break;
                out.add(e);
            }
            return out;
        }
        try {
            readFromDisk(afterId, max, out);
        } catch (IOException e) {
            log.error("Cannot read the outbox in {}: {}; retrying on the next send", dir, e.toString());
        }
        return out;
    }

    @Override
    public synchronized void remove(long id) {
        if (id <= ackedId || id >= nextId || removedAboveAck.contains(id)) return;
        hot.remove(id);
        live--;
        removedAboveAck.add(id);
        while (!removedAboveAck.isEmpty() && removedAboveAck.first() == ackedId + 1) {
            removedAboveAck.pollFirst();
            ackedId++;
        }
        if (live == 0) {
            // nothing left: also skips ids lost to corruption that would hold the cursor back
            ackedId = nextId - 1;
            removedAboveAck.clear();
        }
        markDirty();
        deleteAckedSegments();
    }

    @Override
    public synchronized int size() { return live; }

    @Override
    public synchronized double fill() { return (double) totalBytes / settings.maxBytes(); }

    @Override
    public synchronized long bytesOnDisk() { return totalBytes; }

    @Override
    public synchronized long corruptRecords() { return corrupt; }

    public Settings settings() { return settings; }

    /** fsyncs the log and records the ack cursor; the "outbox-fsync" thread does this after every write anyway. */
    public synchronized void sync() throws IOException {
        if (active != null && settings.fsync() == Fsync.BATCHED) active.force(false);
        if (ackedId != ackedOnDisk) writeAcked();
        dirty = false;
    }

    @Override
    public void close() {
        // not shutdownNow(): interrupting a thread inside FileChannel.force() closes the channel
        syncer.shutdown();
        try {
            syncer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (closed) return;
            try {
                sync();
            } catch (IOException e) {
                log.warn("Outbox {}: final sync failed: {}", dir, e.toString());
            }
            closed = true;
            closeQuietly(active);
            closeQuietly(readChannel);
            active = null;
            readChannel = null;
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * The "outbox-fsync" thread. The fsync runs outside the lock: it can take milliseconds (much more
     * on a busy SD card), and the control loop appends events meanwhile; FileChannel allows both at once.
     */
    private void syncQuietly() {
        FileChannel ch;
        synchronized (this) {
            syncScheduled = false;
            if (!dirty || closed) return;
            dirty = false;
            ch = settings.fsync() == Fsync.BATCHED ? active : null;
            if (ackedId != ackedOnDisk) {
                try {
                    writeAcked();
                } catch (IOException e) {
                    log.warn("Outbox {}: cannot record the ack cursor: {}; a restart may send some messages twice", dir, e.toString());
                }
            }
        }
        if (ch == null) return;
        try {
            ch.force(false);
        } catch (java.nio.channels.ClosedChannelException e) {
            // rolled to a new segment meanwhile: roll() synced the old one before closing it
        } catch (IOException e) {
            log.error("Outbox {}: fsync failed: {}; messages since the last sync may not survive a power cut", dir, e.toString());
        }
    }

    /**
     * Something to sync: one sync {@code fsyncIntervalMs} from now, unless one is due already. An idle
     * outbox wakes no thread (a fixed-rate syncer woke 10 times a second to find nothing to do).
     */
    private void markDirty() {
        dirty = true;
        if (!syncScheduled) scheduleSync();
    }

    private void scheduleSync() {
        if (closed) return;
        syncScheduled = true;
        try {
            syncer.schedule(this::syncQuietly, settings.fsyncIntervalMs(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            syncScheduled = false;   // closing: close() syncs what is left
        }
    }

    private void roll(long firstId) {
        try {
            if (active != null) {
                if (settings.fsync() == Fsync.BATCHED) active.force(false);
                active.close();
            }
            Path f = dir.resolve(String.format("seg-%020d.log", firstId));
            active = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER).putInt(SEGMENT_MAGIC).putInt(FORMAT_VERSION).flip();
            while (h.hasRemaining()) active.write(h);
            activeSeg = new Segment(f, firstId, new long[]{firstId - 1}, new long[]{SEGMENT_HEADER}, SEGMENT_HEADER);
            segments.put(firstId, activeSeg);
            totalBytes += SEGMENT_HEADER;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a new outbox segment in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether a record of {@code recLen} bytes starts a new segment: none yet, or the active one is full. */
    private boolean needsRoll(int recLen) {
        return active == null || activeSeg.size() + recLen > settings.segmentBytes() && !activeSeg.empty();
    }

    /** At the cap: drops the oldest segments (never the one being written) until the record fits. */
    private void makeRoom(int recLen) {
        while (totalBytes + recLen > settings.maxBytes() && segments.size() > 1) {
            Segment oldest = segments.firstEntry().getValue();
            if (oldest == activeSeg) break;
            dropSegment(oldest);
        }
        if (totalBytes + recLen > settings.maxBytes() && activeSeg != null && !activeSeg.empty()) {
            // only the segment being written is left: close it so it can go too
            roll(nextId);
            makeRoom(recLen);
        }
    }

    private void dropSegment(Segment s) {
        try {
            scan(s, (e, pos) -> {
                if (e.id() > ackedId && !removedAboveAck.contains(e.id())) {
                    live--;
                    hot.remove(e.id());
                    if (onDrop != null) onDrop.dropped(e);
                }
            }, false);
        } catch (IOException e) {
            log.error("Outbox {}: cannot read {} before dropping it: {}", dir, s.file().getFileName(), e.toString());
        }
        if (s.last() > ackedId) {
            ackedId = s.last();
            removedAboveAck.headSet(ackedId, true).clear();
        }
        markDirty();
        deleteSegment(s);
    }

    private void deleteAckedSegments() {
        while (!segments.isEmpty()) {
            Segment s = segments.firstEntry().getValue();
            if (s == activeSeg || s.last() > ackedId) return;
            deleteSegment(s);
        }
    }

    private void deleteSegment(Segment s) {
        segments.remove(s.firstId());
        index.subMap(s.firstId(), true, Math.max(s.firstId(), s.last()), true).clear();
        totalBytes -= s.size();
        if (readChannelSeg == s) {
            closeQuietly(readChannel);
            readChannel = null;
            readChannelSeg = null;
            readAheadFrom = -1;
        }
        if (readSeg == s) {
            readSeg = null;
            readLastId = -1;
        }
        try {
            Files.deleteIfExists(s.file());
        } catch (IOException e) {
            log.warn("Outbox {}: cannot delete {}: {}", dir, s.file().getFileName(), e.toString());
        }
    }

    private void writeAcked() throws IOException {
        Path f = dir.resolve("acked");
        Path tmp = dir.resolve("acked.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // no fsync: a stale or empty file after a power cut only means some messages are sent twice
            ch.write(ByteBuffer.wrap((ackedId + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        ackedOnDisk = ackedId;
    }

    // ------------------------------------------------------------------ reading

    private void readFromDisk(long afterId, int max, List<Entry> out) throws IOException {
        if (readSeg == null || readLastId != afterId) {
            // a new round (after a reconnect) or a jump: start at the indexed record nearest below
            Map.Entry<Long, Pos> near = index.floorEntry(Math.max(afterId, ackedId) + 1);
            if (near != null && segments.get(near.getValue().segment().firstId()) == near.getValue().segment()) {
                readSeg = near.getValue().segment();
                readPos = near.getValue().offset();
            } else {
                Map.Entry<Long, Segment> first = segments.firstEntry();
                if (first == null) return;
                readSeg = first.getValue();
                readPos = readSeg.dataStart();
            }
        }
        while (out.size() < max && readSeg != null) {
            FileChannel ch = readChannel(readSeg);
            long end = readSeg == activeSeg ? activeSeg.size() : ch.size();
            if (readPos >= end) {
                Map.Entry<Long, Segment> next = segments.higherEntry(readSeg.firstId());
                if (next == null) break; // stay at the end of the last segment: appends may follow
                readSeg = next.getValue();
                readPos = readSeg.dataStart();
                continue;
            }
            Read r = readRecord(ch, readPos, end);
            if (r == null) { // unreadable: only possible in a damaged old segment; skip the rest of it
                readPos = end;
                continue;
            }
            readPos = r.nextPos();
            Entry e = r.entry();
            if (e == null || e.id() <= afterId || e.id() <= ackedId || removedAboveAck.contains(e.id())) continue;
            out.add(e);
        }
        readLastId = out.isEmpty() ? afterId : out.get(out.size() - 1).id();
    }

    private FileChannel readChannel(Segment s) throws IOException {
        if (readChannelSeg != s) {
            closeQuietly(readChannel);
            readAheadFrom = -1;
            readChannel = FileChannel.open(s.file(), StandardOpenOption.READ);
            readChannelSeg = s;
        }
        return readChannel;
    }

    /** @param entry null when the record at pos is corrupt and {@code nextPos} is where the next good one starts */
    private record Read(Entry entry, long nextPos) {}

    /** One record at {@code pos}; null when nothing readable is left before {@code end}. */
    private Read readRecord(FileChannel ch, long pos, long end) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        if (end - pos < HEADER || readAt(ch, h, pos) < HEADER) return null;
        h.flip();
        int magic = h.getInt();
        int len = h.getInt();
        int sum = h.getInt();
        if (magic == MAGIC && len >= FIXED_BODY && len <= MAX_BODY && pos + HEADER + len <= end) {
            ByteBuffer b = ByteBuffer.allocate(len);
            if (readAt(ch, b, pos + HEADER) == len) {
                crc.reset();
                crc.update(b.array(), 0, len);
                if ((int) crc.getValue() == sum) {
                    b.flip();
                    long id = b.getLong();
                    long exp = b.getLong();
                    int tl = b.getShort() & 0xFFFF;
                    if (tl <= len - FIXED_BODY) {
                        String topic = new String(b.array(), FIXED_BODY, tl, StandardCharsets.UTF_8);
                        byte[] payload = new byte[len - FIXED_BODY - tl];
                        System.arraycopy(b.array(), FIXED_BODY + tl, payload, 0, payload.length);
                        return new Read(new Entry(id, topic, payload, exp < 0 ? null : Instant.ofEpochMilli(exp)),
                                pos + HEADER + len);
                    }
                }
            }
        }
        long next = findMagic(ch, pos + 1, end);
        return new Read(null, next < 0 ? end : next);
    }

    private static long findMagic(FileChannel ch, long from, long end) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long p = from; p + 4 <= end; ) {
            buf.clear();
            int n = readFully(ch, buf, p);
            if (n < 4) return -1;
            for (int i = 0; i + 4 <= n; i++) {
                if (buf.getInt(i) == MAGIC) return p + i;
            }
            p += n - 3;
        }
        return -1;
    }

    /**
     * {@link #readFully} through the read-ahead when reading {@code readChannel}. Segments are
     * append-only, so bytes once read stay valid; the read-ahead is dropped with its channel.
     */
    private int readAt(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int need = b.remaining();
        if (ch != readChannel || need > readAhead.capacity()) return readFully(ch, b, pos);
        if (readAheadFrom < 0 || pos < readAheadFrom || pos + need > readAheadFrom + readAheadLen) {
            readAhead.clear();
            readAheadLen = readFully(ch, readAhead, pos);
            readAheadFrom = pos;
        }
        int n = (int) Math.min(need, readAheadFrom + readAheadLen - pos);
        if (n <= 0) return 0;
        b.put(readAhead.array(), (int) (pos - readAheadFrom), n);
        return n;
    }

    private static int readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int total = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + total);
            if (n < 0) break;
            total += n;
        }
        return total;
    }

    private interface EntryVisitor {
        void visit(Entry e, long pos);
    }

    /** Visits every good record of {@code s}; with {@code count} adds corrupt ones to the counter and logs them. */
    private void scan(Segment s, EntryVisitor v, boolean count) throws IOException {
        try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
            long end = ch.size();
            long pos = s.dataStart();
            while (pos < end) {
                Read r = readRecord(ch, pos, end);
                if (r == null) {
                    if (count) reportCorrupt(s, pos, end - pos, "torn record at the end");
                    break;
                }
                if (r.entry() == null) {
                    if (count) reportCorrupt(s, pos, r.nextPos() - pos, r.nextPos() >= end ? "torn record at the end" : "bad checksum");
                } else {
                    v.visit(r.entry(), pos);
                }
                pos = r.nextPos();
            }
        }
    }

    private void reportCorrupt(Segment s, long pos, long bytes, String what) {
        corrupt++;
        log.warn("Outbox {}: skipped an unreadable record in {} at byte {} ({} bytes, {}: a write cut short by a power"
                + " loss or a damaged card); the messages around it are kept", dir, s.file().getFileName(), pos, bytes, what);
    }

    // ------------------------------------------------------------------ start-up

    private void recover() throws IOException {
        Path ackFile = dir.resolve("acked");
        ackedId = 0;
        if (Files.exists(ackFile)) {
            String text = Files.readString(ackFile, StandardCharsets.US_ASCII).trim();
            try {
                ackedId = Long.parseLong(text);
            } catch (NumberFormatException e) {
                log.warn("Outbox {}: 'acked' holds '{}', not a number; everything left in the outbox is sent again", dir, text);
            }
        }
        ackedOnDisk = ackedId;
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "seg-*.log")) {
            ds.forEach(files::add);
        }
        files.sort(null);
        long maxId = ackedId;
        long[] prev = {ackedId};
        for (Path f : files) {
            long first;
            try {
                first = Long.parseLong(f.getFileName().toString().substring(4, 24));
            } catch (RuntimeException e) {
                log.warn("Outbox {}: ignoring {} (not a segment name)", dir, f.getFileName());
                continue;
            }
            Segment s = new Segment(f, first, new long[]{first - 1}, new long[]{Files.size(f)}, dataStart(f));
            long[] count = {0};
            scan(s, (e, pos) -> {
                if (count[0]++ % INDEX_EVERY == 0) index.put(e.id(), new Pos(s, pos));
                s.lastId()[0] = Math.max(s.last(), e.id());
                if (e.id() > ackedId) {
                    // ids skipped by corruption would hold the ack cursor back: count them as done
                    for (long gap = Math.max(prev[0], ackedId) + 1; gap < e.id(); gap++) removedAboveAck.add(gap);
                    live++;
                }
                prev[0] = Math.max(prev[0], e.id());
            }, true);
            maxId = Math.max(maxId, s.last());
            segments.put(first, s);
            totalBytes += s.size();
        }
        nextId = maxId + 1;
        hotFrom = nextId;
        if (live == 0) {
            ackedId = maxId;
            removedAboveAck.clear();
        }
        deleteAckedSegments();
        if (!segments.isEmpty() && segments.lastEntry().getValue().empty()) deleteSegment(segments.lastEntry().getValue());
        if (ackedId != ackedOnDisk) writeAcked();
        if (live > 0 || corrupt > 0) {
            log.info("Outbox {}: {} messages left from the last run ({} bytes in {} segments, {} unreadable records skipped);"
                    + " they are sent first", dir, live, totalBytes, segments.size(), corrupt);
        }
    }

    /**
     * Where the records of segment {@code f} start. Version 1 (before versions) has no header: the
     * first record's magic is at 0. Version 2 starts with {@code SEGMENT_MAGIC u32 | version u32}; a
     * header cut short (a crash right after the segment was created) means a segment without records.
     */
    private long dataStart(Path f) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER);
        long size;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            size = ch.size();
            readFully(ch, h, 0);
        }
        if (h.position() < 4 || h.getInt(0) != SEGMENT_MAGIC) return 0;
        if (h.position() < SEGMENT_HEADER) return size;
        NewerStateVersionException.check(f, h.getInt(4), FORMAT_VERSION,
                "the messages queued in it (events not yet delivered to the broker)");
        return SEGMENT_HEADER;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException e) {
            // closing after use: nothing to recover
        }
    }
}
