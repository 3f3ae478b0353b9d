package org.conveyord.device;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The control thread hands events over without ever waiting for a slow or blocked outbox. */
class EventRelayTest {

    /** A sink that blocks inside emit until released, as an outbox stuck on a slow disk would. */
    private static final class BlockedSink implements EventSink {
        final List<String> received = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public long emit(String device, String type, Map<String, Object> fields, String cmdId) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            received.add(type.equals("events-dropped") ? device + ":events-dropped:" + fields : device + ":" + fields.get("n"));
            return received.size();
        }
    }

    @Test
    void theEmittingThreadNeverWaitsAndKeepsOrderAndCountsWhatDidNotFit() throws Exception {
        BlockedSink sink = new BlockedSink();
        try (EventRelay relay = new EventRelay(sink, "test-events", 4)) {
            relay.emit("line-1", "e", Map.of("n", 1));
            assertThat(sink.entered.await(5, TimeUnit.SECONDS)).as("the relay's thread is stuck in the sink").isTrue();

            // 4 fit behind the stuck one, 5 do not; none of the 9 calls may wait
            CompletableFuture.runAsync(() -> {
                for (int n = 2; n <= 10; n++) relay.emit("line-1", "e", Map.of("n", n));
            }).get(1, TimeUnit.SECONDS);
            assertThat(relay.dropped()).isEqualTo(5);

            sink.release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sink.received.size() == 6);
            relay.emit("line-1", "e", Map.of("n", 11));
            await().atMost(Duration.ofSeconds(5)).until(() -> sink.received.size() == 7);
            assertThat(sink.received).containsExactly("line-1:1", "line-1:2", "line-1:3", "line-1:4", "line-1:5",
                    "line-1:events-dropped:{count=5, reason=relay-full}", "line-1:11");
            assertThat(relay.dropped()).isEqualTo(5);
        }
    }

    @Test
    void eventsQueuedWhileTheSinkIsBlockedAreAllDeliveredInOrderWhenItResumes() throws Exception {
        BlockedSink sink = new BlockedSink();
        try (EventRelay relay = new EventRelay(sink, "test-events", 1000)) {
            CompletableFuture.runAsync(() -> {
                for (int n = 1; n <= 500; n++) relay.emit("line-1", "e", Map.of("n", n));
            }).get(1, TimeUnit.SECONDS);
            assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();
            sink.release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sink.received.size() == 500);
            assertThat(sink.received).containsExactlyElementsOf(
                    java.util.stream.IntStream.rangeClosed(1, 500).mapToObj(n -> "line-1:" + n).toList());
            assertThat(relay.dropped()).isZero();
        }
    }
}
