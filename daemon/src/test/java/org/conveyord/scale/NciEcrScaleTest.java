package org.conveyord.scale;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.nciecr.NciEcrCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** Conversations with a fake NCI/ECR scale on a real loopback socket: request, bytes, reply, result. */
class NciEcrScaleTest {

    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final RecordingEventSink sink = new RecordingEventSink();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** What the fake scale answers to each request (the raw reply text, ETX included). */
    private final LoopbackDeviceServer.Reply[] replyTo = new LoopbackDeviceServer.Reply[1];
    private volatile Function<String, String> answers = req -> "\n?\r\u0003";
    private final LoopbackDeviceServer fake = new LoopbackDeviceServer(() -> {
        LineFramer framer = new LineFramer("\r", 16, line -> {
            requests.add(line);
            String a = answers.apply(line);
            if (a == null) return;
            try {
                replyTo[0].send(a.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, null);
        return (data, len, reply) -> {
            replyTo[0] = reply;
            framer.feed(data, 0, len);
        };
    });
    private NciEcrScale scale;

    @AfterEach
    void tearDown() throws IOException {
        if (scale != null) scale.stop();
        fake.close();
        scheduler.shutdownNow();
        group.close();
    }

    private void start(int timeoutMs, int pollMs) {
        LinkConfig link = new LinkConfig(fake.address(), null, null, 7, "even", null, null, 500);
        ScaleConfig cfg = new ScaleConfig("nci-ecr", link, timeoutMs, pollMs, 5.0);
        scale = new NciEcrScale("scale-1", cfg, ByteLinks.create(link, group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()));
        scale.start();
        // connected; polling may already have found a fault
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().state() != DeviceStatus.State.OFFLINE);
    }

    private CommandResult command(String action) {
        return scale.handle(new Command("c-1", "scale-1", action, new ObjectMapper().createObjectNode().put("id", "c-1"),
                Optional.empty(), Optional.empty(), 5000)).toCompletableFuture().join();
    }

    @Test
    void readSendsWAndConvertsPoundsToGrams() {
        answers = req -> req.equals("W") ? "\n02.000LB\r\nS00\r\u0003" : null;
        start(500, 0);
        CommandResult r = command("read");
        assertThat(requests).containsExactly("W");
        assertThat(r.ok()).isTrue();
        @SuppressWarnings("unchecked") var m = (java.util.Map<String, Object>) r.result();
        assertThat((double) m.get("grams")).isEqualTo(907.18474, within(1e-6));
        assertThat(m).containsEntry("stable", true);
    }

    @Test
    void whileMovingOnlyStatusComesBackAndTheReadRetriesUntilItSettles() {
        int[] n = {0};
        answers = req -> ++n[0] < 4 ? "\nS10\r\u0003" : "\n01.500KG\r\nS00\r\u0003";
        start(2000, 0);
        Weight w = scale.readWeight(true).toCompletableFuture().join();
        assertThat(w.grams()).isEqualTo(1500, within(1e-9));
        assertThat(w.stable()).isTrue();
        assertThat(requests).hasSize(4).containsOnly("W");
    }

    @Test
    void stillMovingAtTheDeadlineIsTimeout() {
        answers = req -> "\nS10\r\u0003";
        start(300, 0);
        assertThat(command("read").code()).isEqualTo(ErrorCode.TIMEOUT);
    }

    @Test
    void noAnswerIsTimeoutAndAWrongShapedReplyIsNotTakenAsTheAnswer() {
        // Z must be answered by status only: a weight reply is someone else's
        answers = req -> "\n01.000KG\r\nS00\r\u0003";
        start(300, 0);
        assertThat(command("zero").code()).isEqualTo(ErrorCode.TIMEOUT);
        answers = req -> "\nS20\r\u0003";   // status byte 1 bit1: at zero
        assertThat(command("zero").ok()).isTrue();
    }

    @ParameterizedTest(name = "weight field [{0}] status [{1}] -> {2}")
    @CsvSource({
            "^^^^^^, S00, overload, OVERLOAD",             // over range field
            "______, S00, underload, UNDERLOAD",           // under range field
            "'',     S02, overload, OVERLOAD",             // status byte 2 bit1: over capacity, status only
            "------, S00, hardware-error, HARDWARE_ERROR", // zero error field
            "'',     S40, hardware-error, HARDWARE_ERROR", // status byte 1 bit2: RAM error
    })
    void pollingTurnsOutOfRangeAndErrorsIntoFaults(String field, String status, String fault, StatusDetail detail) {
        String reply = field.isEmpty() ? "\n" + status + "\r\u0003" : "\n" + field + "\r\n" + status + "\r\u0003";
        answers = req -> reply;
        start(500, 50);
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().reason().equals(fault));
        assertThat(scale.status().detail()).isEqualTo(detail);
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).contains(fault);
        assertThat(command("read").code()).isEqualTo(ErrorCode.DEVICE_FAULT);
    }

    @Test
    void pollsTheScaleDoesNotUnderstandAreNotReadyAndSilenceIsNoData() {
        answers = req -> "\n?\r\u0003";
        start(300, 50);
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().equals(DeviceStatus.fault(StatusDetail.NOT_READY, "not-ready")));
        answers = req -> null;
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().equals(DeviceStatus.fault(StatusDetail.NO_DATA, "no-answer")));
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).containsSubsequence("not-ready", "no-answer");
    }

    @Test
    void linkLossIsLinkDownAndReconnectIsOnline() throws IOException {
        answers = req -> "\n01.000KG\r\nS00\r\u0003";
        start(300, 50);
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().isOnline());
        fake.stopAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().detail() == StatusDetail.LINK_DOWN);
        assertThat(scale.status().state()).isEqualTo(DeviceStatus.State.OFFLINE);
        assertThat(scale.state()).containsEntry("detail", "LINK_DOWN");
        fake.resumeAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().equals(DeviceStatus.ONLINE));
    }

    @Test
    void unknownCommandAndTareRefusal() {
        answers = req -> "\n?\r\u0003";
        start(500, 0);
        assertThat(command("read").message()).contains("NCI/ECR protocol");
        assertThat(command("tare").code()).isEqualTo(ErrorCode.INVALID_STATE);
    }

    @Test
    void stableWeightsFromPollingBecomeWeightEventsAboveTheThreshold() {
        String[] current = {"\n01.000KG\r\nS00\r\u0003"};
        answers = req -> current[0];
        start(500, 30);
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("weight").size() == 1);
        current[0] = "\n01.003KG\r\nS00\r\u0003";   // 3 g: below the 5 g threshold
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.state().get("grams") instanceof Double g && Math.abs(g - 1003) < 1e-6);
        current[0] = "\n01.100KG\r\nS00\r\u0003";
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("weight").size() == 2);
        assertThat((double) sink.ofType("weight").get(1).fields().get("grams")).isEqualTo(1100, within(1e-9));
    }
}
