package org.conveyord.mqtt;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class DurableOutboxTest {

    @TempDir
    Path dir;

    private final List<DurableOutbox> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(DurableOutbox::close);
    }

    private DurableOutbox outbox(DurableOutbox.Settings s, Outbox.DropListener l) throws IOException {
        DurableOutbox o = DurableOutbox.open(dir, s, l);
        open.add(o);
        return o;
    }

    private DurableOutbox outbox() throws IOException {
        return outbox(new DurableOutbox.Settings(1 << 20, 4096, DurableOutbox.Fsync.BATCHED, 50, 8), e -> {});
    }

    private static byte[] p(int i) { return ("{\"seq\":" + i + "}").getBytes(StandardCharsets.UTF_8); }

    private static List<String> payloads(List<Outbox.Entry> es) {
        return es.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("outbox"))) {
            return s.filter(f -> f.getFileName().toString().startsWith("seg-")).sorted().toList();
        }
    }

    @ParameterizedTest
    @EnumSource(DurableOutbox.Fsync.class)
    void entriesComeOutInOrderAndLeaveOnlyWhenRemoved(DurableOutbox.Fsync fsync) throws IOException {
        var o = outbox(DurableOutbox.Settings.of(1 << 20, fsync, 20), e -> {});
        Instant exp = Instant.parse("2026-11-25T10:15:30.123Z");
        long a = o.append("t/a", p(1), null);
        long b = o.append("t/b", p(2), exp);
        long c = o.append("t/c", p(3), null);
        assertThat(o.after(0, 10)).extracting(Outbox.Entry::id).containsExactly(a, b, c);
        assertThat(o.after(a, 1)).extracting(Outbox.Entry::topic).containsExactly("t/b");
        o.remove(b);
        o.remove(b); // a second PUBACK for the same message (resent after a reconnect)
        assertThat(o.after(0, 10)).extracting(Outbox.Entry::id).containsExactly(a, c);
        o.remove(a);
        assertThat(o.size()).isEqualTo(1);
        o.close();

        var again = outbox(DurableOutbox.Settings.of(1 << 20, fsync, 20), e -> {});
        List<Outbox.Entry> left = again.after(0, 10);
        assertThat(left).extracting(Outbox.Entry::topic).containsExactly("t/c");
        assertThat(payloads(left)).containsExactly("{\"seq\":3}");
        long d = again.append("t/d", p(4), exp);
        assertThat(d).isGreaterThan(c);
        assertThat(again.after(c, 10)).singleElement().satisfies(e -> assertThat(e.expiresAt()).isEqualTo(exp));
    }

    @Test
    void aMessageAcknowledgedOutOfOrderMaySurviveARestartButNoneIsLost() throws IOException {
        var o = outbox();
        long a = o.append("t/a", p(1), null);
        long b = o.append("t/b", p(2), null);
        o.remove(b); // at-least-once: the cursor only records the acknowledged prefix
        o.close();
        var again = outbox();
        assertThat(again.after(0, 10)).extracting(Outbox.Entry::id).containsExactly(a, b);
    }

    @Test
    void aBacklogBiggerThanMemoryIsReadBackFromDiskInOrderThenLiveEntriesFollow() throws IOException {
        var o = outbox(); // 8 entries in memory, 4 KiB segments
        for (int i = 1; i <= 500; i++) o.append("t/e", p(i), null);
        List<String> seen = new ArrayList<>();
        long cursor = 0;
        while (true) {
            List<Outbox.Entry> batch = o.after(cursor, 37);
            if (batch.isEmpty()) break;
            for (Outbox.Entry e : batch) {
                seen.add(new String(e.payload(), StandardCharsets.UTF_8));
                cursor = e.id();
                if (seen.size() == 250) o.append("t/e", p(501), null); // live, behind the backlog
            }
        }
        assertThat(seen).hasSize(501);
        for (int i = 0; i < 501; i++) assertThat(seen.get(i)).isEqualTo("{\"seq\":" + (i + 1) + "}");
    }

    @Test
    void acknowledgedSegmentsAreDeletedAndARestartResendsOnlyWhatWasNotAcknowledged() throws IOException {
        var o = outbox();
        List<Long> ids = new ArrayList<>();
        for (int i = 1; i <= 300; i++) ids.add(o.append("t/e", p(i), null));
        assertThat(segments().size()).isGreaterThan(3);
        ids.subList(0, 290).forEach(o::remove);
        assertThat(segments().size()).isLessThanOrEqualTo(2);
        assertThat(o.size()).isEqualTo(10);
        o.close();

        var again = outbox();
        assertThat(payloads(again.after(0, 100))).hasSize(10).first().isEqualTo("{\"seq\":291}");
    }

    @Test
    void aRecordTornByAPowerCutIsSkippedAndCountedAndTheRestIsKept() throws IOException {
        var o = outbox(new DurableOutbox.Settings(1 << 20, 1 << 19, DurableOutbox.Fsync.BATCHED, 50, 8), e -> {});
        for (int i = 1; i <= 10; i++) o.append("t/e", p(i), null);
        o.close();
        Path seg = segments().getLast();
        long size = Files.size(seg);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(size - 5); // the last record lost its last 5 bytes
        }

        var again = outbox(new DurableOutbox.Settings(1 << 20, 1 << 19, DurableOutbox.Fsync.BATCHED, 50, 8), e -> {});
        assertThat(again.corruptRecords()).isEqualTo(1);
        assertThat(payloads(again.after(0, 100))).containsExactly(
                "{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}", "{\"seq\":4}", "{\"seq\":5}",
                "{\"seq\":6}", "{\"seq\":7}", "{\"seq\":8}", "{\"seq\":9}");
        long next = again.append("t/e", p(11), null);
        assertThat(again.after(0, 100)).hasSize(10).last().extracting(Outbox.Entry::id).isEqualTo(next);
    }

    @Test
    void aDamagedRecordInTheMiddleIsSkippedAndTheAckCursorStillPassesIt() throws IOException {
        var o = outbox(new DurableOutbox.Settings(1 << 20, 1 << 19, DurableOutbox.Fsync.EVERY_WRITE, 50, 8), e -> {});
        for (int i = 1; i <= 10; i++) o.append("t/e", p(i), null);
        o.close();
        Path seg = segments().getFirst();
        byte[] bytes = Files.readAllBytes(seg);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("{\"seq\":5}");
        bytes[at + 2] ^= 0x20; // one flipped bit inside record 5's payload
        Files.write(seg, bytes);

        var again = outbox(new DurableOutbox.Settings(1 << 20, 1 << 19, DurableOutbox.Fsync.EVERY_WRITE, 50, 8), e -> {});
        assertThat(again.corruptRecords()).isEqualTo(1);
        List<Outbox.Entry> left = again.after(0, 100);
        assertThat(payloads(left)).hasSize(9).doesNotContain("{\"seq\":5}");
        left.forEach(e -> again.remove(e.id()));
        assertThat(again.size()).isZero();
        again.close();
        assertThat(segments()).isEmpty();
    }

    @Test
    void atTheCapTheOldestSegmentsAreDroppedReportedAndTheNewestKept() throws IOException {
        List<String> dropped = new ArrayList<>();
        var s = new DurableOutbox.Settings(16 * 1024, 2048, DurableOutbox.Fsync.BATCHED, 50, 8);
        var o = outbox(s, e -> dropped.add(new String(e.payload(), StandardCharsets.UTF_8)));
        for (int i = 1; i <= 2000; i++) {
            o.append("t/e", p(i), null);
            assertThat(o.bytesOnDisk()).isLessThanOrEqualTo(16 * 1024);
        }
        assertThat(dropped).isNotEmpty().first().isEqualTo("{\"seq\":1}");
        List<String> kept = payloads(o.after(0, 5000));
        assertThat(dropped.size() + kept.size()).isEqualTo(2000);
        assertThat(kept.getLast()).isEqualTo("{\"seq\":2000}");
        assertThat(kept.getFirst()).isEqualTo("{\"seq\":" + (dropped.size() + 1) + "}");
        assertThat(o.fill()).isGreaterThan(0.8).isLessThanOrEqualTo(1.0);
    }

    /** One record as the releases before format versions wrote it (the class comment's layout). */
    private static byte[] version1Record(long id, String topic, byte[] payload, long expiresAtMs) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(8 + 8 + 2 + t.length + payload.length);
        body.putLong(id).putLong(expiresAtMs).putShort((short) t.length).put(t).put(payload);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.array());
        return java.nio.ByteBuffer.allocate(12 + body.capacity())
                .putInt(0x43594F42).putInt(body.capacity()).putInt((int) crc.getValue()).put(body.array()).array();
    }

    @Test
    void aVersion1OutboxFromBeforeVersionsIsSentAndNewSegmentsCarryTheirVersion() throws IOException {
        Path box = Files.createDirectories(dir.resolve("outbox"));
        var v1 = new java.io.ByteArrayOutputStream();
        for (int i = 1; i <= 5; i++) v1.writeBytes(version1Record(i, "t/e", p(i), i == 4 ? 1795600000000L : -1));
        Files.write(box.resolve("seg-00000000000000000001.log"), v1.toByteArray());
        Files.writeString(box.resolve("acked"), "2\n");

        var o = outbox();
        assertThat(o.size()).isEqualTo(3);
        assertThat(o.after(0, 100)).extracting(Outbox.Entry::id).containsExactly(3L, 4L, 5L);
        assertThat(o.after(0, 100).get(1).expiresAt()).isEqualTo(Instant.ofEpochMilli(1795600000000L));
        assertThat(o.append("t/e", p(6), null)).isEqualTo(6);
        o.close();
        assertThat(segments()).hasSize(2);
        byte[] newSegment = Files.readAllBytes(segments().getLast());
        assertThat(java.nio.ByteBuffer.wrap(newSegment).getInt(0)).isEqualTo(0x43594F56); // "CYOV"
        assertThat(java.nio.ByteBuffer.wrap(newSegment).getInt(4)).isEqualTo(2);

        // both read from disk after a restart, old segment first
        var again = outbox();
        List<Outbox.Entry> left = again.after(0, 100);
        assertThat(payloads(left)).containsExactly("{\"seq\":3}", "{\"seq\":4}", "{\"seq\":5}", "{\"seq\":6}");
        assertThat(again.corruptRecords()).isZero();
        left.forEach(e -> again.remove(e.id()));
        again.close();
        assertThat(segments()).isEmpty();
    }

    @Test
    void aSegmentFromANewerFormatIsRefusedNamingTheFileAndBothVersions() throws IOException {
        Path box = Files.createDirectories(dir.resolve("outbox"));
        Path seg = box.resolve("seg-00000000000000000001.log");
        byte[] future = java.nio.ByteBuffer.allocate(16).putInt(0x43594F56).putInt(99).putLong(42).array();
        Files.write(seg, future);
        org.assertj.core.api.Assertions.assertThatThrownBy(this::outbox)
                .isInstanceOf(org.conveyord.state.NewerStateVersionException.class)
                .hasMessageContaining(seg.toString())
                .hasMessageContaining("version 99")
                .hasMessageContaining("versions 1 to 2");
        assertThat(Files.readAllBytes(seg)).isEqualTo(future);
    }

    @Test
    void aSegmentHeaderCutShortByACrashIsAnEmptySegment() throws IOException {
        var o = outbox();
        o.append("t/e", p(1), null);
        o.close();
        Path box = dir.resolve("outbox");
        Files.write(box.resolve("seg-00000000000000000002.log"), new byte[]{0x43, 0x59, 0x4F, 0x56, 0}); // "CYOV" and 1 byte
        var again = outbox();
        assertThat(payloads(again.after(0, 10))).containsExactly("{\"seq\":1}");
        assertThat(again.corruptRecords()).isZero();
        assertThat(again.append("t/e", p(2), null)).isEqualTo(2);
    }
}
