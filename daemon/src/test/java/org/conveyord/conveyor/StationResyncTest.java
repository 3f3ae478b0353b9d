package org.conveyord.conveyor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-aligning reads and arrivals after a hand-cleared station jam with one bag from before
 * (k = 1). Times are motor-on nanoseconds; the overdue limit is 5 s.
 */
class StationResyncTest {
    private static final long S = 1_000_000_000L;
    private static final long LIMIT = 5 * S;

    private static PendingRead read(String code, long atS) {
        return new PendingRead(code, atS * S, atS * S);
    }

    @Test
    void theStuckBagStayedAndComesFirstThenTheNextBagKeepsItsRead() {
        StationResync r = new StationResync(1, List.of());
        r.read(read("B-5", 1));
        // the stuck bag or B-5? both worlds are possible: nobody is named
        assertThat(r.arrive().read()).isNull();
        assertThat(r.resolved()).isFalse();
        // a second arrival with only one read ever: only "the stuck bag came first" holds, so this is B-5
        assertThat(r.arrive().read().code()).isEqualTo("B-5");
        assertThat(r.resolved()).isTrue();
        StationResync.Resolved done = r.finish();
        assertThat(done.lost()).isEmpty();
        assertThat(done.pending()).isEmpty();
    }

    @Test
    void theStuckBagWasTakenOffAndTheOverdueReadSettlesIt() {
        StationResync r = new StationResync(1, List.of());
        r.read(read("B-5", 1));
        assertThat(r.arrive().read()).isNull();   // B-5 in truth, but it could be the stuck bag
        r.read(read("B-2", 3));
        // nothing more arrives: the world in which B-5 is still to come waits for a read 5 s old
        r.expire(5 * S, 2 * S, LIMIT);
        assertThat(r.resolved()).as("not overdue yet").isFalse();
        r.expire(7 * S, 4 * S, LIMIT);
        assertThat(r.resolved()).isTrue();
        StationResync.Resolved done = r.finish();
        assertThat(done.lost()).extracting(PendingRead::code).containsExactly("B-5");   // it went to exception unnamed
        assertThat(done.pending()).extracting(PendingRead::code).containsExactly("B-2");
    }

    @Test
    void aBagFromBeforeArrivingWithNoReadPendingIsKnownToBeFromBefore() {
        StationResync r = new StationResync(1, List.of());
        assertThat(r.arrive().read()).isNull();
        assertThat(r.resolved()).isTrue();
        assertThat(r.finish().lost()).isEmpty();
    }

    @Test
    void theStuckBagNeverComesAndTheZoneRunsQuiet() {
        StationResync r = new StationResync(1, List.of());
        r.expire(6 * S, 6 * S, LIMIT);
        assertThat(r.resolved()).isTrue();
        r.read(read("B-7", 7));
        StationResync.Resolved done = r.finish();
        assertThat(done.pending()).extracting(PendingRead::code).containsExactly("B-7");
    }

    @Test
    void aDenseStreamStaysUnnamedUntilAGapThenEveryoneBehindIsRight() {
        StationResync r = new StationResync(1, List.of());
        r.read(read("B-5", 1));
        r.read(read("B-2", 2));
        assertThat(r.arrive().read()).isNull();   // stuck bag or B-5
        r.read(read("B-7", 3));
        assertThat(r.arrive().read()).isNull();   // B-5 or B-2
        assertThat(r.arrive().read()).isNull();   // B-2 or B-7
        // a fourth arrival with three reads: only the world with the stuck bag first can name it
        assertThat(r.arrive().read().code()).isEqualTo("B-7");
        StationResync.Resolved done = r.finish();
        assertThat(done.lost()).extracting(PendingRead::code).containsExactly("B-5", "B-2");
    }

    @Test
    void anArrivalNoWorldExplainsBreaksTheResync() {
        StationResync r = new StationResync(0, List.of());
        assertThat(r.arrive().read()).isNull();
        assertThat(r.broken()).isTrue();
    }
}
