package org.conveyord.clock;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ThreadControlClockTest {

    @Test
    void anErrorRunsTheSafetyStopsThenTheFatalHandlerAndNothingRunsAfter() {
        ThreadControlClock clock = new ThreadControlClock("test-control");
        List<String> seen = new CopyOnWriteArrayList<>();
        clock.addSafetyStop(() -> seen.add("outputs off"));
        clock.onFatal(t -> seen.add("fatal " + t.getMessage()));
        clock.execute(() -> { throw new LinkageError("injected"); });
        await().atMost(5, TimeUnit.SECONDS).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("outputs off", "fatal injected");
        assertThat(clock.offer(() -> seen.add("after"))).isFalse();
        clock.shutdown();
    }

    @Test
    void periodsThatAreMultiplesOfTheBeatShareOneTimerAndKeepTheirRates() {
        ThreadControlClock clock = new ThreadControlClock("test-control");
        AtomicLong tick = new AtomicLong(), probe = new AtomicLong();
        List<long[]> atBeat = new CopyOnWriteArrayList<>();
        long beatMs = TimeUnit.NANOSECONDS.toMillis(ThreadControlClock.SHARED_BEAT_NANOS);
        clock.every(tick::incrementAndGet, ThreadControlClock.SHARED_BEAT_NANOS);
        clock.every(probe::incrementAndGet, 2 * ThreadControlClock.SHARED_BEAT_NANOS);
        // registered last, so on its beat the others have run already: their counts are exact multiples
        clock.every(() -> atBeat.add(new long[] {tick.get(), probe.get()}), 10 * ThreadControlClock.SHARED_BEAT_NANOS);
        clock.every(() -> { }, TimeUnit.MILLISECONDS.toNanos(beatMs + 7));   // not a multiple: a timer of its own
        assertThat(clock.timers()).isEqualTo(2);
        await().atMost(10, TimeUnit.SECONDS).until(() -> atBeat.size() >= 2);
        assertThat(atBeat.get(0)).containsExactly(10, 5);
        assertThat(atBeat.get(1)).containsExactly(20, 10);
        clock.shutdown();
    }

    @Test
    void anErrorInAPeriodicTaskIsFatalToo() {
        ThreadControlClock clock = new ThreadControlClock("test-control");
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        clock.onFatal(fatal::add);
        StackOverflowError boom = new StackOverflowError("tick");
        clock.every(() -> { throw boom; }, TimeUnit.MILLISECONDS.toNanos(10));
        await().atMost(5, TimeUnit.SECONDS).until(() -> !fatal.isEmpty());
        assertThat(fatal).containsExactly(boom);
        clock.shutdown();
    }

    @Test
    void theQueueIsBoundedAndTellsTheOldestWait() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        ThreadControlClock clock = new ThreadControlClock("test-control", 4, now::get);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        clock.execute(() -> {
            blocking.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(blocking.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 4; i++) assertThat(clock.offer(() -> { })).isTrue();
        assertThat(clock.offer(() -> { })).as("a fifth task beyond the capacity of 4").isFalse();
        assertThatThrownBy(() -> clock.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);

        now.addAndGet(300_000_000L);
        assertThat(clock.oldestWaitNanos()).isEqualTo(300_000_000L);

        release.countDown();
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.queuedTasks() == 0);
        assertThat(clock.oldestWaitNanos()).isZero();
        assertThat(clock.offer(() -> { })).isTrue();
        clock.shutdown();
    }
}
