package org.conveyord.scanner;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.ScannerConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.link.ByteLinks;
import org.conveyord.link.LinkGroup;
import org.conveyord.link.LoopbackDeviceServer;
import org.conveyord.link.RecordingEventSink;
import org.conveyord.protocol.scanner.ScanLineCodec;
import org.conveyord.protocol.scanner.ScanResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
        fake.resumeAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> scanner.status().isOnline());
    }

    private static Command cmd(String action) {
        return new Command("c-1", "scanner-1", action, new ObjectMapper().createObjectNode(), Optional.empty(),
                Optional.empty(), 5000);
    }
}
