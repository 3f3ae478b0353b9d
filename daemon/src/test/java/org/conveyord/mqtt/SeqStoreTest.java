package org.conveyord.mqtt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeqStoreTest {

    @TempDir
    Path dir;

    @Test
    void seqsIncreaseByOneAndStayAboveEverythingUsedAfterAReopen() throws Exception {
        SeqStore s = SeqStore.open(dir, 10, Runnable::run);
        long last = 0;
        for (int i = 1; i <= 25; i++) {
            long seq = s.next();
            assertThat(seq).isEqualTo(i);
            last = seq;
        }
        // a "crash": no close, reopen the same directory
        SeqStore again = SeqStore.open(dir, 10, Runnable::run);
        assertThat(again.next()).isGreaterThan(last);
    }

    @Test
    void theMarkOnDiskIsAlwaysAheadOfTheSeqsHandedOut() throws Exception {
        SeqStore s = SeqStore.open(dir, 10, Runnable::run);
        for (int i = 0; i < 37; i++) {
            long seq = s.next();
            long mark = markOnDisk();
            assertThat(mark).isGreaterThanOrEqualTo(seq);
        }
    }

    @Test
    void handsOutSeqsEvenWhenTheBackgroundReservationNeverRuns() throws Exception {
        SeqStore s = SeqStore.open(dir, 4, r -> { /* io executor that never runs */ });
        for (int i = 1; i <= 20; i++) assertThat(s.next()).isEqualTo(i);
        assertThat(markOnDisk()).isGreaterThanOrEqualTo(20);
    }

    /** The mark is the file's last line (version 2 puts a version line before it). */
    private long markOnDisk() throws java.io.IOException {
        return Long.parseLong(Files.readAllLines(dir.resolve("event-seq")).getLast().trim());
    }

    @Test
    void theMarkIsWrittenWithItsFormatVersion() throws Exception {
        SeqStore.open(dir, 10, Runnable::run).close();
        assertThat(Files.readAllLines(dir.resolve("event-seq")).getFirst()).isEqualTo("version 2");
    }

    @Test
    void aVersion1FileFromBeforeVersionsIsReadAndNumberingContinuesAboveItsMark() throws Exception {
        // what the releases before format versions wrote: the mark alone
        Files.writeString(dir.resolve("event-seq"), "1234\n");
        SeqStore s = SeqStore.open(dir, 10, Runnable::run, () -> null);
        assertThat(s.next()).isEqualTo(1235);
        s.close();
        assertThat(Files.readString(dir.resolve("event-seq"))).isEqualTo("version 2\n1235\n");
        assertThat(SeqStore.open(dir, 10, Runnable::run, () -> null).next()).isEqualTo(1236);
    }

    @Test
    void aFileFromANewerFormatIsRefusedNamingTheFileAndBothVersions() throws Exception {
        Files.writeString(dir.resolve("event-seq"), "version 99\n1234\n");
        assertThatThrownBy(() -> SeqStore.open(dir, 10, Runnable::run))
                .isInstanceOf(org.conveyord.state.NewerStateVersionException.class)
                .hasMessageContaining(dir.resolve("event-seq").toString())
                .hasMessageContaining("version 99")
                .hasMessageContaining("versions 1 to 2");
        assertThat(Files.readString(dir.resolve("event-seq"))).isEqualTo("version 99\n1234\n");
    }

    @Test
    void aCorruptFileIsRefusedWithAClearMessage() throws Exception {
        Files.writeString(dir.resolve("event-seq"), "banana");
        assertThatThrownBy(() -> SeqStore.open(dir, 10, Runnable::run))
                .hasMessageContaining("banana").hasMessageContaining("high-water mark");
    }

    @Test
    void aCleanCloseLeavesNoGapAndLaterSeqsAreStillNeverReused() throws Exception {
        SeqStore s = SeqStore.open(dir, 10, Runnable::run);
        for (int i = 0; i < 3; i++) s.next();
        s.close();
        assertThat(SeqStore.open(dir, 10, Runnable::run).next()).isEqualTo(4);

        SeqStore t = SeqStore.open(dir, 10, Runnable::run);
        long a = t.next();
        t.close();
        long late = t.next(); // an event after close: it must not be handed out again after a restart
        assertThat(late).isEqualTo(a + 1);
        assertThat(SeqStore.open(dir, 10, Runnable::run).next()).isGreaterThan(late);
    }

    @Test
    void afterTheProcessDiesTheNextSeqFollowsTheLastUsedOneWithoutAGap() throws Exception {
        SeqStore s = SeqStore.open(dir, 1000, Runnable::run, () -> "boot-a");
        for (int i = 0; i < 37; i++) s.stored(s.next());
        s.next(); // handed out, but the process died before the event was stored: nobody saw 38
        // kill -9: no close; the machine (kernel boot) is the same
        assertThat(SeqStore.open(dir, 1000, Runnable::run, () -> "boot-a").next()).isEqualTo(38);
    }

    @Test
    void afterARebootTheUsedMarkIsNotTrustedAndSeqsContinueAboveTheReservedBlock() throws Exception {
        SeqStore s = SeqStore.open(dir, 1000, Runnable::run, () -> "boot-a");
        for (int i = 0; i < 37; i++) s.stored(s.next());
        // a power cut may have lost the latest page-cache writes: skip to the fsync'd mark
        assertThat(SeqStore.open(dir, 1000, Runnable::run, () -> "boot-b").next()).isGreaterThan(1000);
    }
}
