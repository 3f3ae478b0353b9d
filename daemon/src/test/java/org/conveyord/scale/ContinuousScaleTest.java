package org.conveyord.scale;

import org.conveyord.config.LinkConfig;
import org.conveyord.config.ScaleConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.StatusDetail;
import org.conveyord.link.ByteLinks;
import org.conveyord.link.LinkGroup;
import org.conveyord.link.LoopbackDeviceServer;
import org.conveyord.link.RecordingEventSink;
import org.conveyord.protocol.mtcontinuous.MtContinuousCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** A Toledo indicator streaming continuous output on a real loopback socket, through TcpLink. */
class ContinuousScaleTest {

    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final RecordingEventSink sink = new RecordingEventSink();
    private final LoopbackDeviceServer fake = new LoopbackDeviceServer(() -> (data, len, reply) -> { });
    private final MtContinuousCodec.Format format = new MtContinuousCodec.Format(false, true);
    private volatile byte[] streaming;
    private ContinuousScale scale;

    @AfterEach
    void tearDown() throws IOException {
        if (scale != null) scale.stop();
        fake.close();
        scheduler.shutdownNow();
        group.close();
    }

    private void startStreaming() {
        // what an indicator does: a frame every 50 ms, whatever anyone says
        scheduler.scheduleAtFixedRate(() -> {
            byte[] f = streaming;
            if (f == null) return;
            try {
                fake.broadcast(f);
            } catch (IOException e) {
                // the daemon side is gone for a moment; the next frame tries again
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
    }

    private void start() {
        LinkConfig link = new LinkConfig(fake.address(), null, null, null, null, null, null, 500);
        // no tare digits: the 12-byte variant, as some indicators send
        ScaleConfig cfg = new ScaleConfig("mt-continuous", link, 400, null, 5.0, 200, false, true);
        scale = new ContinuousScale("scale-1", cfg, ByteLinks.create(link, group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()));
        scale.start();
        startStreaming();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().state() != DeviceStatus.State.OFFLINE);
    }

    private static byte[] frame(double kg, boolean motion) {
        return MtContinuousCodec.encode(kg, 0, 3, true, motion, false, false, new MtContinuousCodec.Format(false, true));
    }

    private CommandResult command(String action) {
        return scale.handle(new Command("c-1", "scale-1", action,
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("id", "c-1"),
                Optional.empty(), Optional.empty(), 5000)).toCompletableFuture().join();
    }

    @Test
    void stableOnlyAfterTheSettleTimeWithoutMotionThenOneWeightEvent() {
        streaming = frame(1.234, true);
        start();
        Weight moving = scale.readWeight(false).toCompletableFuture().join();
        assertThat(moving.stable()).isFalse();
        assertThat(moving.grams()).isEqualTo(1234, within(0.01));

        var stable = scale.readWeight(true).toCompletableFuture();
        streaming = frame(1.240, false);
        assertThat(stable.join().stable()).isTrue();
        assertThat(stable.join().grams()).isEqualTo(1240, within(0.01));
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("weight").size() == 1);
        assertThat(sink.ofType("weight").get(0).fields()).containsEntry("stable", true);
    }

    @Test
    void aWeightThatKeepsMovingTimesOutAsTimeout() {
        streaming = frame(0.5, true);
        start();
        var r = scale.readWeight(true).toCompletableFuture();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(r::join)).isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(ScaleException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT));
    }

    @Test
    void overloadAndPowerUpAreFaultsAndSilenceIsNoData() {
        streaming = MtContinuousCodec.encode(999, 0, 3, true, false, true, false, format);
        start();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().reason().equals("overload"));
        assertThat(scale.status().detail()).isEqualTo(StatusDetail.OVERLOAD);
        streaming = MtContinuousCodec.encode(0, 0, 3, true, false, false, true, format);
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().reason().equals("not-ready"));
        assertThat(scale.status().detail()).isEqualTo(StatusDetail.NOT_READY);
        streaming = null;
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().reason().equals("no-data"));
        assertThat(scale.status().detail()).isEqualTo(StatusDetail.NO_DATA);
        assertThat(scale.state()).containsEntry("status", "fault").containsEntry("detail", "NO_DATA");
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason"))
                .containsSubsequence("overload", "not-ready", "no-data");
        streaming = frame(1, false);
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().isOnline());
    }

    @Test
    void tareAndZeroAreRefusedBecauseTheProtocolHasNoCommands() {
        streaming = frame(1, false);
        start();
        assertThat(command("tare").code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(command("zero").message()).contains("press zero on the indicator");
        assertThat(command("read").ok()).isTrue();
    }

    @Test
    void linkLossIsOfflineWithAFaultAndTheScaleComesBack() throws IOException {
        streaming = frame(1, false);
        start();
        fake.stopAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().state() == DeviceStatus.State.OFFLINE);
        assertThat(scale.status().detail()).isEqualTo(StatusDetail.LINK_DOWN);
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).contains("offline");
        fake.resumeAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().isOnline());
    }
}
