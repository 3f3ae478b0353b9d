package org.conveyord.http;

import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The live feed's treatment of a client that does not read: frames skipped, then the client closed. */
class LiveFeedTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LiveFeed feed = new LiveFeed(Map::of, session -> { }, now::get);

    private static void unwritable(EmbeddedChannel ch, boolean stuck) {
        // as if the high watermark were passed: what Netty reports for a client that reads nothing
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, !stuck);
    }

    private int framesWritten(EmbeddedChannel ch) {
        int n = 0;
        for (Object m; (m = ch.readOutbound()) != null; n++) ((TextWebSocketFrame) m).release();
        return n;
    }

    @Test
    void aClientThatReadsNothingMissesFramesAndIsClosedAfterFiveSeconds() {
        EmbeddedChannel slow = new EmbeddedChannel(DefaultChannelId.newInstance());
        EmbeddedChannel reader = new EmbeddedChannel(DefaultChannelId.newInstance());
        feed.join(slow);
        feed.join(reader);
        assertThat(framesWritten(slow)).as("the hello frame with the session").isEqualTo(1);
        assertThat(framesWritten(reader)).isEqualTo(1);
        unwritable(slow, true);

        feed.onEvent("line-1", "bag-inducted", Map.of("bag", "B-1"), null);
        now.addAndGet(LiveFeed.SLOW_CLIENT_NANOS - 1);
        feed.onEvent("line-1", "bag-diverted", Map.of("bag", "B-1"), null);
        assertThat(slow.isOpen()).isTrue();
        assertThat(framesWritten(slow)).as("nothing piles up for the slow client").isZero();

        now.addAndGet(1);
        feed.onEvent("line-1", "bag-arrived", Map.of("bag", "B-1"), null);
        assertThat(slow.isOpen()).as("stuck for 5 s: closed").isFalse();
        slow.runPendingTasks();   // the embedded loop runs the close's listeners when told
        assertThat(feed.clients()).isEqualTo(1);
        assertThat(framesWritten(reader)).as("the client that reads got every frame").isEqualTo(3);
        reader.close();
    }

    @Test
    void aClientThatCatchesUpStartsItsFiveSecondsAfresh() {
        EmbeddedChannel ch = new EmbeddedChannel(DefaultChannelId.newInstance());
        feed.join(ch);
        assertThat(framesWritten(ch)).as("the hello frame with the session").isEqualTo(1);
        unwritable(ch, true);
        feed.onEvent("line-1", "jam", Map.of("zone", "z1"), null);
        now.addAndGet(4_000_000_000L);
        unwritable(ch, false);
        feed.onEvent("line-1", "jam", Map.of("zone", "z1", "cleared", true), null);
        unwritable(ch, true);
        now.addAndGet(4_000_000_000L);
        feed.onEvent("line-1", "fault", Map.of("reason", "x"), null);
        assertThat(ch.isOpen()).isTrue();
        assertThat(framesWritten(ch)).isEqualTo(1);
        ch.close();
    }
}
