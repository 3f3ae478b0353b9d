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
import org.conveyord.protocol.mtsics.MtSicsCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Conversations with a fake MT-SICS scale on a real loopback socket, through TcpLink. */
class MtSicsScaleTest {

    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final RecordingEventSink sink = new RecordingEventSink();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** What the fake scale answers to each request line (reply lines without CR LF). */
    private volatile Function<String, List<String>> answers = req -> List.of("ES");
    private final LoopbackDeviceServer fake = new LoopbackDeviceServer(() -> {
        LineFramer[] framer = new LineFramer[1];
        return (data, len, reply) -> {
            if (framer[0] == null) {
                framer[0] = new LineFramer(MtSicsCodec.TERMINATOR, 64, line -> {
                    requests.add(line);
                    try {
                        for (String a : answers.apply(line)) reply.send(MtSicsCodec.toWire(a));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, null);
            }
            framer[0].feed(data, 0, len);
        };
    });
    private MtSicsScale scale;

    @AfterEach
    void tearDown() throws IOException {
        if (scale != null) scale.stop();
        fake.close();
        scheduler.shutdownNow();
        group.close();
    }

    private MtSicsScale start(int timeoutMs, int pollMs) {
        LinkConfig link = new LinkConfig(fake.address(), null, null, null, null, null, null, 500);
        ScaleConfig cfg = new ScaleConfig("mt-sics", link, timeoutMs, pollMs, 5.0);
        scale = new MtSicsScale("scale-1", cfg, ByteLinks.create(link, group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()));
        scale.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().isOnline());
        return scale;
    }

    private static Command cmd(String id, String action) {
        return new Command(id, "scale-1", action, new ObjectMapper().createObjectNode().put("id", id), Optional.empty(),
                Optional.empty(), 5000);
    }

    private static CommandResult run(MtSicsScale s, Command c) throws Exception {
        return s.handle(c).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "''{0}'' -> {1} g")
    @CsvSource(delimiter = '|', value = {
            "S S      1.234 kg | 1234.0 | true",
            "S D     129.07 g  | 129.07 | false",
            "S S  2.000 lb     | 907.18474 | true"})
    void readSendsSiAndAnswersGrams(String reply, double grams, boolean stable) throws Exception {
        answers = req -> req.equals("SI") ? List.of(reply) : List.of("ES");
        start(1000, 0);
        CommandResult r = run(scale, cmd("c-1", "read"));
        assertThat(r.ok()).isTrue();
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) r.result();
        assertThat((Double) m.get("grams")).isCloseTo(grams, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(m.get("stable")).isEqualTo(stable);
        assertThat(requests).containsExactly("SI");
    }

    @Test
    void busyIsRetriedThenTimesOut() throws Exception {
        answers = req -> List.of("S I");
        start(1000, 0);
        CommandResult r = run(scale, cmd("c-2", "read"));
        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(requests).hasSize(1 + MtSicsScale.BUSY_RETRIES).containsOnly("SI");
    }

    @Test
    void busyOnceThenAWeightSucceeds() throws Exception {
        answers = req -> requests.size() == 1 ? List.of("S I") : List.of(MtSicsCodec.formatWeight("S", 'S', 500, 2, "g"));
        start(1000, 0);
        Weight w = scale.readWeight(false).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(w).isEqualTo(new Weight(500, true));
    }

    @ParameterizedTest
    @CsvSource({"S +, overloaded", "S -, underloaded", "ES, rejected"})
    void overloadUnderloadAndErrorsAreDeviceFaults(String reply, String words) throws Exception {
        answers = req -> List.of(reply);
        start(1000, 0);
        CommandResult r = run(scale, cmd("c-3", "read"));
        assertThat(r.code()).isEqualTo(ErrorCode.DEVICE_FAULT);
        assertThat(r.message()).contains("scale-1").contains(words);
    }

    @Test
    void replyToAnotherCommandIsNotTakenAsTheAnswer() throws Exception {
        answers = req -> List.of("T S 12.00 g");
        start(300, 0);
        CommandResult r = run(scale, cmd("c-4", "read"));
        assertThat(r.code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(r.message()).contains("did not answer within 300 ms");
    }

    @Test
    void tareAndZero() throws Exception {
        answers = req -> switch (req) {
            case "T" -> List.of(MtSicsCodec.formatWeight("T", 'S', 12, 2, "g"));
            case "Z" -> List.of(MtSicsCodec.formatStatusOnly("Z", "A"));
            default -> List.of("ES");
        };
        start(1000, 0);
        assertThat(run(scale, cmd("c-5", "tare")).result()).isEqualTo(Map.of("tareGrams", 12.0));
        assertThat(run(scale, cmd("c-6", "zero"))).isEqualTo(CommandResult.success());
        assertThat(run(scale, cmd("c-7", "calibrate")).code()).isEqualTo(ErrorCode.UNKNOWN_ACTION);
    }

    @Test
    void concurrentRequestsGoOneAtATimeInOrder() throws Exception {
        answers = req -> req.equals("T") ? List.of("T S 1.00 g") : List.of("S S 2.00 g");
        start(1000, 0);
        var a = scale.readWeight(true).toCompletableFuture();
        var b = scale.handle(cmd("c-8", "tare")).toCompletableFuture();
        var c = scale.readWeight(false).toCompletableFuture();
        assertThat(a.get(5, TimeUnit.SECONDS).grams()).isEqualTo(2.0);
        assertThat(b.get(5, TimeUnit.SECONDS).result()).isEqualTo(Map.of("tareGrams", 1.0));
        assertThat(c.get(5, TimeUnit.SECONDS).grams()).isEqualTo(2.0);
        assertThat(requests).containsExactly("S", "T", "SI");
    }

    @Test
    void pollingEmitsWeightOnStableChangeAndLinkLossGoesOfflineAndBack() throws Exception {
        String[] current = {"S S 100.00 g"};
        answers = req -> List.of(current[0]);
        start(500, 50);
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("weight").size() == 1);
        assertThat(sink.ofType("weight").get(0).fields()).isEqualTo(Map.of("grams", 100.0, "stable", true));
        current[0] = "S S 102.00 g";   // within the 5 g threshold: no event
        await().atMost(Duration.ofSeconds(2)).until(() -> Double.valueOf(102.0).equals(scale.state().get("grams")));
        current[0] = "S D 900.00 g";   // dynamic: state only
        await().atMost(Duration.ofSeconds(2)).until(() -> Boolean.FALSE.equals(scale.state().get("stable")));
        current[0] = "S S 1300.00 g";
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("weight").size() == 2);
        assertThat(sink.ofType("weight").get(1).fields()).containsEntry("grams", 1300.0);

        fake.stopAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().state() == DeviceStatus.State.OFFLINE);
        assertThat(scale.status().detail()).isEqualTo(StatusDetail.LINK_DOWN);
        assertThat(scale.state()).containsEntry("online", false).containsEntry("detail", "LINK_DOWN");
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).containsExactly("offline");
        assertThat(run(scale, cmd("c-9", "read")).code()).isEqualTo(ErrorCode.DEVICE_OFFLINE);

        fake.resumeAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scale.status().isOnline());
        assertThat(scale.status().detail()).isEqualTo(StatusDetail.NONE);
        assertThat(run(scale, cmd("c-10", "read")).ok()).isTrue();
        assertThat(sink.ofType("fault")).hasSize(1);
    }

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource({"S +, OVERLOAD, overload", "S -, UNDERLOAD, underload", "S I, NOT_READY, not-ready",
            "'', NO_DATA, no-answer"})
    void overloadWhilePollingIsAFaultState(String reply, StatusDetail detail, String reason) {
        // '' : the scale stays silent, every poll times out
        answers = req -> reply.isEmpty() ? List.of() : List.of(reply);
        LinkConfig link = new LinkConfig(fake.address(), null, null, null, null, null, null, 500);
        scale = new MtSicsScale("scale-1", new ScaleConfig(null, link, 500, 50, null), ByteLinks.create(link, group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()));
        scale.start();
        await().atMost(Duration.ofSeconds(3)).until(() -> scale.status().equals(DeviceStatus.fault(detail, reason)));
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).contains(reason);
        assertThat(scale.state()).containsEntry("status", "fault").containsEntry("detail", detail.name());
        scale.stop();
        scale.stop();
    }
}
