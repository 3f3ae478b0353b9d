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
