package org.conveyord.printer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.StatusDetail;
import org.conveyord.device.ErrorCode;
import org.conveyord.link.ByteLinks;
import org.conveyord.link.LinkGroup;
import org.conveyord.link.LoopbackDeviceServer;
import org.conveyord.link.RecordingEventSink;
import org.conveyord.protocol.zpl.HostStatus;
import org.conveyord.protocol.zpl.ZplLabelReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fake Zebra on a real loopback socket: a received label sits in its buffer (reported by ~HS as one
 * format) until the next ~HS after it, then prints, unless paper is out.
 */
class ZplPrinterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final RecordingEventSink sink = new RecordingEventSink();
    private final List<ZplLabelReader.Label> printed = new CopyOnWriteArrayList<>();
    private final AtomicInteger busyAnswers = new AtomicInteger();
    private final AtomicInteger statusQueries = new AtomicInteger();
    private volatile boolean paperOut;
    /** Another fault the fake reports besides paper-out: head-open, ribbon-out or paused. */
    private volatile String otherFault = "";
    private final LoopbackDeviceServer fake = new LoopbackDeviceServer(() -> {
        List<ZplLabelReader.Label> buffer = new ArrayList<>();
        ZplLabelReader[] reader = new ZplLabelReader[1];
        LoopbackDeviceServer.Reply[] out = new LoopbackDeviceServer.Reply[1];
        reader[0] = new ZplLabelReader(65536, item -> {
            if (item instanceof ZplLabelReader.Label l) {
                buffer.add(l);
            } else if (item instanceof ZplLabelReader.HostQuery q && q.query() == ZplLabelReader.Query.HS) {
                statusQueries.incrementAndGet();
                String f = otherFault;
                HostStatus hs = new HostStatus(paperOut, f.equals("paused"), 1225, buffer.size(), false, false,
                        f.equals("head-open"), f.equals("ribbon-out"), false, buffer.size());
                if (!buffer.isEmpty()) busyAnswers.incrementAndGet();
                try {
                    out[0].send(hs.encode());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (!paperOut) {
                    printed.addAll(buffer);
                    buffer.clear();
                }
            }
        });
        return (data, len, reply) -> {
            out[0] = reply;
            reader[0].feed(data, 0, len);
        };
    });
    private ZplPrinter printer;

    @AfterEach
    void tearDown() throws IOException {
        if (printer != null) printer.stop();
        fake.close();
        scheduler.shutdownNow();
        group.close();
    }

    private ZplPrinter start(Duration deadline) {
        return start(deadline, null);
    }

    private ZplPrinter start(Duration deadline, Map<String, String> templates) {
        return start(deadline, templates, 50);
    }

    private ZplPrinter start(Duration deadline, Map<String, String> templates, int pollMs) {
        LinkConfig link = new LinkConfig(fake.address(), null, null, null, null, null, null, 500);
        // this fake has no odometer: one job at a time, confirmed by ~HS alone
        PrinterConfig cfg = new PrinterConfig("zpl", link, pollMs, 1000, 4096, null, false, templates);
        printer = new ZplPrinter("printer-1", cfg, ByteLinks.create(link, group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()), new InMemoryPrintQueue(), deadline);
        printer.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> Boolean.TRUE.equals(printer.state().get("online")));
        return printer;
    }

    private static Command print(String id, String json) throws IOException {
        ObjectNode p = (ObjectNode) JSON.readTree(json);
        p.put("id", id);
        return new Command(id, "printer-1", "print", p, Optional.empty(), Optional.empty(), 5000);
    }

    private CommandResult run(Command c) throws Exception {
        return printer.handle(c).toCompletableFuture().get(2, TimeUnit.SECONDS);
    }

    @Test
    void printedIsReportedOnlyAfterHostStatusShowsAnEmptyBuffer() throws Exception {
        start(Duration.ofSeconds(60));
        CommandResult r = run(print("c-1",
                "{\"job\":\"J-1\",\"template\":\"bag-label\",\"fields\":{\"order\":\"O-1\",\"bag\":\"B-1\",\"lane\":\"lane-2\"}}"));
        assertThat(r.ok()).isTrue();
        await().atMost(Duration.ofSeconds(3)).until(() -> !sink.ofType("printed").isEmpty());
        // the fake answered "one format in buffer" at least once before it printed
        assertThat(busyAnswers).hasPositiveValue();
        assertThat(printed).singleElement().satisfies(l -> assertThat(l.code128()).containsExactly("B-1"));
        RecordingEventSink.Event e = sink.ofType("printed").get(0);
        assertThat(e.fields()).isEqualTo(Map.of("job", "J-1"));
        assertThat(e.cmdId()).isEqualTo("c-1");
        assertThat(printer.state()).containsEntry("queued", 0).containsEntry("ready", true);
    }

    @Test
    void anIdlePrinterIsPolledAtPollMsAndAJobGetsTheFastPollAtOnce() throws Exception {
        // pollMs 30 s: idle, only the status query at connect; a job must not wait 30 s for its "printed"
        start(Duration.ofSeconds(60), null, 30_000);
        await().atMost(Duration.ofSeconds(2)).until(() -> statusQueries.get() >= 1);
        int atConnect = statusQueries.get();
        // a 100 ms timer would have asked 5 times by now
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> statusQueries.get() == atConnect);

        assertThat(run(print("c-1", "{\"job\":\"J-1\",\"zpl\":\"^XA^FDx^FS^XZ\"}")).ok()).isTrue();
        await().atMost(Duration.ofSeconds(3)).until(() -> !sink.ofType("printed").isEmpty());

        // done: back to the slow pace (at most the one poll that was already due when the job finished)
        int afterPrinted = statusQueries.get();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> statusQueries.get() <= afterPrinted + 1);
        assertThat(printer.state()).containsEntry("queued", 0);
    }

    @Test
    void paperOutIsAFaultTheJobWaitsAndIsPrintedOnceWhenPaperIsBack() throws Exception {
        paperOut = true;
        start(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(2)).until(() -> !sink.ofType("fault").isEmpty());
        assertThat(sink.ofType("fault").get(0).fields()).isEqualTo(Map.of("reason", "paper-out"));
        assertThat(run(print("c-2", "{\"job\":\"J-2\",\"zpl\":\"^XA^FO10,10^A0N,30,30^FDhello^FS^XZ\"}")).ok()).isTrue();
        assertThat(printer.state()).containsEntry("ready", false).containsEntry("queued", 1)
                .containsEntry("faults", List.of("paper-out"));
        await().atMost(Duration.ofSeconds(1))
                .until(() -> printer.status().equals(DeviceStatus.fault(StatusDetail.PAPER_OUT, "paper-out")));
        assertThat(printer.state()).containsEntry("status", "fault").containsEntry("detail", "PAPER_OUT");
        // several polls pass while paper is out: nothing is sent, nothing printed
        long polls = busyAnswers.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> printed.isEmpty());
        assertThat(sink.ofType("printed")).isEmpty();
        assertThat(busyAnswers.get()).isEqualTo(polls);

        paperOut = false;
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("printed").size() == 1);
        assertThat(sink.ofType("fault-cleared")).extracting(ev -> ev.fields().get("reason")).containsExactly("paper-out");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> printed.size() == 1);
        assertThat(sink.ofType("printed")).hasSize(1);
        assertThat(printed.get(0).texts()).containsExactly("hello");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"head-open, HEAD_OPEN", "ribbon-out, RIBBON_OUT", "paused, PAUSED"})
    void eachPrinterFaultHasItsDetailAndClears(String fault, StatusDetail detail) {
        otherFault = fault;
        start(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(2)).until(() -> printer.status().equals(DeviceStatus.fault(detail, fault)));
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).containsExactly(fault);
        assertThat(printer.state()).containsEntry("detail", detail.name());
        otherFault = "";
        await().atMost(Duration.ofSeconds(2)).until(() -> printer.status().equals(DeviceStatus.ONLINE));
        assertThat(sink.ofType("fault-cleared")).extracting(e -> e.fields().get("reason")).containsExactly(fault);
    }

    @Test
    void theLinesBagLabelIsRenderedByThePrinterAsJobLabelOfTheBag() {
        start(Duration.ofSeconds(60));
        assertThat(printer.printBagLabel("O-1", "B-1", "lane-2", "c-order")).isTrue();
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("printed").size() == 1);
        RecordingEventSink.Event e = sink.ofType("printed").get(0);
        assertThat(e.fields()).isEqualTo(Map.of("job", "label-B-1"));
        assertThat(e.cmdId()).isEqualTo("c-order");
        assertThat(printed).singleElement().satisfies(l -> {
            assertThat(l.code128()).containsExactly("B-1");
            assertThat(l.texts()).contains("ORDER O-1", "BAG B-1", "LANE lane-2");
        });
        // the same bag arriving again (a re-run after a restart) is not a second label
        assertThat(printer.printBagLabel("O-1", "B-1", "lane-2", "c-order")).isFalse();
    }

    @Test
    void aConfiguredBagLabelTemplateIsWhatTheLinePrints() {
        start(Duration.ofSeconds(60), Map.of("bag-label", "^XA^FO10,10^FDSHOP ${order} ${lane}^FS^BCN,80^FD${bag}^FS^XZ"));
        printer.printBagLabel("O-7", "B-7", "lane-1", null);
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("printed").size() == 1);
        assertThat(printed).singleElement().satisfies(l -> {
            assertThat(l.texts()).containsExactly("SHOP O-7 lane-1");
            assertThat(l.code128()).containsExactly("B-7");
        });
    }

    @Test
    void aReloadedTemplateIsWhatTheNextLabelPrints() {
        start(Duration.ofSeconds(60), Map.of("bag-label", "^XA^FO10,10^FDSHOP ${order}^FS^BCN,80^FD${bag}^FS^XZ"));
        printer.printBagLabel("O-7", "B-7", "lane-1", null);
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("printed").size() == 1);

        printer.applyTemplates(Map.of("bag-label", "^XA^FO10,10^FDSTORE 12 ${order} ${lane}^FS^BCN,80^FD${bag}^FS^XZ"));
        printer.printBagLabel("O-8", "B-8", "lane-2", null);
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("printed").size() == 2);
        assertThat(printed).map(l -> l.texts()).containsExactly(List.of("SHOP O-7"), List.of("STORE 12 O-8 lane-2"));

        // a reload that drops the template: the built-in bag label again
        printer.applyTemplates(Map.of());
        printer.printBagLabel("O-9", "B-9", "lane-3", null);
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("printed").size() == 3);
        assertThat(printed.get(2).texts()).contains("ORDER O-9", "BAG B-9", "LANE lane-3");
    }

    @Test
    void jobNotPrintedByItsDeadlineFails() throws Exception {
        paperOut = true;
        start(Duration.ofMillis(300));
        await().atMost(Duration.ofSeconds(2)).until(() -> !sink.ofType("fault").isEmpty());
        run(print("c-3", "{\"job\":\"J-3\",\"zpl\":\"^XA^FDx^FS^XZ\"}"));
        await().atMost(Duration.ofSeconds(3)).until(() -> !sink.ofType("job-failed").isEmpty());
        RecordingEventSink.Event e = sink.ofType("job-failed").get(0);
        assertThat(e.fields()).containsEntry("job", "J-3");
        assertThat((String) e.fields().get("reason")).contains("paper-out");
        assertThat(e.cmdId()).isEqualTo("c-3");
        assertThat(printer.state()).containsEntry("queued", 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"zpl\":\"^XA^XZ\"}",
            "{\"job\":\"\",\"zpl\":\"^XA^XZ\"}",
            "{\"job\":\"J-1\",\"zpl\":\"^FDno start^XZ\"}",
            "{\"job\":\"J-1\",\"template\":\"fancy\",\"fields\":{}}",
            "{\"job\":\"J-1\",\"template\":\"bag-label\",\"fields\":{\"order\":\"O^XZ\",\"bag\":\"B-1\"}}",
            "{\"job\":\"J-1\",\"template\":\"bag-label\"}"})
    void badPrintRequestsAreRefusedWithASentence(String json) throws Exception {
        start(Duration.ofSeconds(60));
        CommandResult r = run(print("c-4", json));
        assertThat(r.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(r.message()).startsWith("printer-1: ").endsWith(".");
        assertThat(printer.state()).containsEntry("queued", 0);
    }

    @Test
    void oversizedZplIsRefused() throws Exception {
        start(Duration.ofSeconds(60));
        String big = "^XA" + "^FDx^FS".repeat(1000) + "^XZ";
        CommandResult r = run(print("c-5", "{\"job\":\"J-5\",\"zpl\":\"" + big + "\"}"));
        assertThat(r.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(r.message()).contains("more than the 4096 allowed");
    }

    @Test
    void linkLossIsAnOfflineFaultAndClearsOnReconnect() throws Exception {
        start(Duration.ofSeconds(60));
        fake.stopAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> Boolean.FALSE.equals(printer.state().get("online")));
        assertThat(sink.ofType("fault")).extracting(e -> e.fields().get("reason")).containsExactly("offline");
        await().atMost(Duration.ofSeconds(1)).until(() -> printer.status().detail() == StatusDetail.LINK_DOWN);
        assertThat(printer.status().state()).isEqualTo(DeviceStatus.State.OFFLINE);
        fake.resumeAccepting();
        await().atMost(Duration.ofSeconds(2)).until(() -> Boolean.TRUE.equals(printer.state().get("ready")));
        await().atMost(Duration.ofSeconds(1)).until(() -> printer.status().equals(DeviceStatus.ONLINE));
        assertThat(sink.ofType("fault-cleared")).extracting(e -> e.fields().get("reason")).containsExactly("offline");
        Command status = new Command("c-6", "printer-1", "status", JSON.createObjectNode(), Optional.empty(),
                Optional.empty(), 5000);
        assertThat(run(status).result()).isEqualTo(printer.state());
    }
}
