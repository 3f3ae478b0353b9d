package org.conveyord.systemd;

import org.conveyord.clock.ThreadControlClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * sd_notify over a real Unix datagram socket: READY, STATUS on change, WATCHDOG while every part
 * makes progress, none once the control loop is blocked on purpose, STOPPING at the end.
 */
class ServiceNotifierTest {

    @TempDir
    Path dir;

    @Test
    void withoutNotifySocketNothingIsSentAndNothingFails() {
        SdNotify n = SdNotify.open(Map.of(), 42);
        assertThat(n.enabled()).isFalse();
        assertThat(n.watchdogInterval()).isEmpty();
        n.ready();
        n.status("x");
        n.close();
    }

    @Test
    void watchdogIntervalIsHalfTheTimeoutAndOnlyForThisProcess() {
        assertThat(SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "10000000"), 7)).isEqualTo(Duration.ofSeconds(5));
        assertThat(SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "10000000", "WATCHDOG_PID", "7"), 7)).isEqualTo(Duration.ofSeconds(5));
        assertThat(SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "10000000", "WATCHDOG_PID", "8"), 7)).isNull();
        assertThat(SdNotify.watchdogInterval(Map.of(), 7)).isNull();
    }

    @Test
    void readyStatusAndWatchdogWhileTheControlLoopRunsNoneWhenItIsBlocked() throws Exception {
        try (FakeNotifySocket systemd = new FakeNotifySocket(dir.resolve("notify"))) {
            // 600 ms watchdog: a ping every 300 ms, a part silent for 600 ms counts as stalled
            SdNotify notify = SdNotify.open(Map.of("NOTIFY_SOCKET", systemd.path.toString(), "WATCHDOG_USEC", "600000"), 1);
            assertThat(notify.enabled()).isTrue();
            Liveness liveness = new Liveness();
            ThreadControlClock control = new ThreadControlClock("test-control");
            control.every(liveness.part("line-1 control loop")::beat, TimeUnit.MILLISECONDS.toNanos(50));
            AtomicReference<String> status = new AtomicReference<>("line-1 stopped; broker not connected");
            ServiceNotifier notifier = new ServiceNotifier(notify, liveness, status::get);
            CountDownLatch release = new CountDownLatch(1);
            try {
                notifier.ready();
                await().atMost(Duration.ofSeconds(5)).until(() -> systemd.messages.contains("READY=1"));
                assertThat(systemd.messages).startsWith("STATUS=line-1 stopped; broker not connected", "READY=1");
                await().atMost(Duration.ofSeconds(5)).until(() -> systemd.count("WATCHDOG=1") >= 3);

                status.set("line-1 running, 2 bags; broker connected");
                await().atMost(Duration.ofSeconds(5)).until(() -> systemd.messages.contains("STATUS=line-1 running, 2 bags; broker connected"));
                assertThat(systemd.messages.stream().filter(m -> m.startsWith("STATUS=")).count()).isEqualTo(2);

                // the control thread hangs: its beats stop, and so do the watchdog pings
                control.execute(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                await().atMost(Duration.ofSeconds(5)).until(() -> !liveness.stalled(TimeUnit.MILLISECONDS.toNanos(600)).isEmpty());
                long pingsAtStall = systemd.count("WATCHDOG=1");
                // at most one ping already on its way; then none for well over a watchdog timeout
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4))
                        .until(() -> systemd.count("WATCHDOG=1") <= pingsAtStall + 1);
                assertThat(liveness.stalled(TimeUnit.MILLISECONDS.toNanos(600))).containsExactly("line-1 control loop");

                release.countDown();
                long pingsBefore = systemd.count("WATCHDOG=1");
                await().atMost(Duration.ofSeconds(5)).until(() -> systemd.count("WATCHDOG=1") > pingsBefore + 1);
            } finally {
                release.countDown();
                notifier.close();
                control.shutdown();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> systemd.messages.contains("STOPPING=1"));
        }
    }

    @Test
    void statusLineSummarisesTheLinesAndTheBroker() {
        assertThat(StatusLine.format(Map.of("line-1", Map.of("running", true, "bagsInTransit", 3, "faults", java.util.List.of("jam p1"))), true))
                .isEqualTo("line-1 running, 3 bags, faults: jam p1; broker connected");
        assertThat(StatusLine.format(Map.of("line-1", Map.of("running", false, "bagsInTransit", 1, "faults", java.util.List.of())), false))
                .isEqualTo("line-1 stopped, 1 bag; broker not connected");
    }
}
