package org.conveyord.scanner;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.ScannerConfig;
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
import org.conveyord.protocol.scanner.ScanLineCodec;
import org.conveyord.protocol.scanner.ScanResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A fake scanner on a real loopback socket sends lines; the scanner device turns them into events. */
class LineScannerTest {

    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final RecordingEventSink sink = new RecordingEventSink();
    private final List<String> receivedByFake = new CopyOnWriteArrayList<>();
    private final LoopbackDeviceServer fake = new LoopbackDeviceServer(() -> (data, len, reply) ->
            receivedByFake.add(new String(data, 0, len, StandardCharsets.ISO_8859_1)));
    private final ScannerConfig cfg = new ScannerConfig(
            new LinkConfig(fake.address(), null, null, null, null, null, null, 500), null, "\r\n", "NOREAD", 64);
    private final ScanLineCodec codec = new ScanLineCodec("", "\r\n", "NOREAD", 64);
    private LineScanner scanner;

    @AfterEach
    void tearDown() throws IOException {
        if (scanner != null) scanner.stop();
        fake.close();
        scheduler.shutdownNow();
        group.close();
    }

    private LineScanner start(Optional<byte[]> trigger) {
        scanner = new LineScanner("scanner-1", cfg, ByteLinks.create(cfg.link(), group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()), trigger);
        scanner.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> scanner.status().isOnline() && fake.connections() == 1);
        return scanner;
    }

    @Test
    void linesBecomeReadAndNoreadEventsAndReachListeners() throws IOException {
        start(Optional.empty());
        List<ScanResult> heard = new CopyOnWriteArrayList<>();
        scanner.addListener((r, t) -> heard.add(r));
        // one read split across two writes, then a no-read and a read in one write
        fake.broadcast("B-".getBytes(StandardCharsets.ISO_8859_1));
        fake.broadcast("1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        byte[] two = (new String(codec.encode(ScanResult.NO_READ), StandardCharsets.ISO_8859_1)
                + new String(codec.encode(new ScanResult.Read("B-2")), StandardCharsets.ISO_8859_1) + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        fake.broadcast(two);
        await().atMost(Duration.ofSeconds(2)).until(() -> heard.size() == 3);
        assertThat(heard).containsExactly(new ScanResult.Read("B-1"), ScanResult.NO_READ, new ScanResult.Read("B-2"));
        assertThat(sink.events).extracting(RecordingEventSink.Event::type).containsExactly("read", "noread", "read");
        assertThat(sink.ofType("read").get(0).fields()).isEqualTo(Map.of("code", "B-1"));
        assertThat(scanner.state()).containsEntry("lastCode", "B-2").containsEntry("online", true);
    }

    @Test
    void triggerWithoutConfiguredCommandIsRefused() throws Exception {
        start(Optional.empty());
        CommandResult r = scanner.handle(cmd("trigger")).toCompletableFuture().get(2, TimeUnit.SECONDS);
        assertThat(r.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(r.message()).isEqualTo("scanner-1 has no trigger command configured");
    }

    @Test
    void triggerSendsTheCommandWhenThereIsOne() throws Exception {
        start(Optional.of("LON\r".getBytes(StandardCharsets.US_ASCII)));
        assertThat(scanner.handle(cmd("trigger")).toCompletableFuture().get(2, TimeUnit.SECONDS).ok()).isTrue();
        await().atMost(Duration.ofSeconds(2)).until(() -> String.join("", receivedByFake).equals("LON\r"));
    }

    @Test
    void linkLossIsOfflineAndReconnectIsOnline() throws IOException {
        start(Optional.empty());
        fake.stopAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scanner.status().state() == DeviceStatus.State.OFFLINE);
        assertThat(scanner.status().detail()).isEqualTo(StatusDetail.LINK_DOWN);
        assertThat(scanner.state()).containsEntry("online", false).containsEntry("detail", "LINK_DOWN");
        fake.resumeAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scanner.status().isOnline());
        assertThat(scanner.status()).isEqualTo(DeviceStatus.ONLINE);
        assertThat(scanner.state()).containsEntry("detail", "NONE");
        scanner.stop();
        scanner.stop();
    }

    private LineScanner startWith(ScannerConfig c) {
        scanner = new LineScanner("scanner-1", c, ByteLinks.create(c.link(), group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()));
        scanner.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> scanner.status().isOnline() && fake.connections() == 1);
        return scanner;
    }

    @ParameterizedTest(name = "trigger: {0}")
    @CsvSource({"keyence, LON\\r", "cognex, ||>TRIGGER ON\\r\\n", "honeywell, \\x16T\\r", "datalogic, \\x16T\\r",
            "'T1\\r', T1\\r"})
    void triggerFromConfigSendsTheMakesCommand(String trigger, String expectedEscaped) throws Exception {
        String configValue = unescape(trigger);
        startWith(new ScannerConfig(cfg.link(), null, "\r\n", "NOREAD", 64, configValue, null));
        assertThat(scanner.handle(cmd("trigger")).toCompletableFuture().get(2, TimeUnit.SECONDS).ok()).isTrue();
        await().atMost(Duration.ofSeconds(2)).until(() -> String.join("", receivedByFake).equals(unescape(expectedEscaped)));
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\x16", "\u0016");
    }

    @Test
    void prefixSuffixAndTheMakesNoReadString() throws IOException {
        startWith(new ScannerConfig(cfg.link(), "]C0", "\r", "NO LABEL", 64, null, null));
        fake.broadcast("]C0B-7\r]C0NO LABEL\r".getBytes(StandardCharsets.ISO_8859_1));
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.events.size() == 2);
        assertThat(sink.events).extracting(RecordingEventSink.Event::type).containsExactly("read", "noread");
        assertThat(sink.ofType("read").get(0).fields()).isEqualTo(Map.of("code", "B-7"));
    }

    @Test
    void theSameCodeWithinTheDuplicateWindowIsOneReadAndAnotherCodeIsNot() throws IOException {
        startWith(new ScannerConfig(cfg.link(), null, "\r\n", "NOREAD", 64, null, 60_000));
        List<ScanResult> heard = new CopyOnWriteArrayList<>();
        scanner.addListener((r, t) -> heard.add(r));
        fake.broadcast("B-1\r\nB-1\r\nB-1\r\nB-2\r\nB-1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        await().atMost(Duration.ofSeconds(2)).until(() -> heard.size() == 3);
        assertThat(heard).containsExactly(new ScanResult.Read("B-1"), new ScanResult.Read("B-2"), new ScanResult.Read("B-1"));
        assertThat(sink.ofType("read")).hasSize(3);
        assertThat(scanner.state()).containsEntry("duplicatesSuppressed", 2L);
    }

    private static Command cmd(String action) {
        return new Command("c-1", "scanner-1", action, new ObjectMapper().createObjectNode(), Optional.empty(),
                Optional.empty(), 5000);
    }
}
