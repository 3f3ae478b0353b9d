package org.conveyord.printer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.link.ByteLinks;
import org.conveyord.link.LinkGroup;
import org.conveyord.link.RecordingEventSink;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.endpoints.SimLabel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The daemon's printer against device-sim's Zebra on a real socket: labels are counted, rendered
 * and their barcodes decoded by the simulated printer, so "printed exactly once" is checked on
 * paper, not on the daemon's word. The durable queue lives in a temp state dir.
 */
class ZplPrinterSimIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The simulator's GPIO bridge on a free port: the default 7070 may be taken by another simulator on the box. */
    private static final GpioConfig FREE_PORT_GPIO = new GpioConfig("sim", null, new GpioConfig.SimBridge("127.0.0.1", 0));

    @TempDir
    Path stateDir;
    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final RecordingEventSink sink = new RecordingEventSink();
    private DeviceSim sim;
    private ZplPrinter printer;
    private LinkConfig link;

    @AfterEach
    void tearDown() {
        if (printer != null) printer.stop();
        if (sim != null) sim.close();
        scheduler.shutdownNow();
        group.close();
    }

    private void startSim() throws IOException {
        startSim(20);
    }

    private void startSim(int printMs) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        link = new LinkConfig("127.0.0.1:" + port, null, null, null, null, null, null, 500);
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>();
        devices.put("printer-1", new PrinterConfig("zpl", link, null, null, null));
        ObjectNode simSettings = JSON.createObjectNode().put("printMs", printMs);
        // no broker in this test: the simulator's MQTT side keeps retrying in the background, harmlessly
        sim = DeviceSim.start(new ConveyordConfig("test", "edge-1", null, null, FREE_PORT_GPIO, devices, simSettings),
                "tcp://127.0.0.1:1");
    }

    private ZplPrinter startPrinter(boolean odometer) {
        PrinterConfig cfg = new PrinterConfig("zpl", link, 100, 1000, 65536, 60, odometer, null);
        printer = new ZplPrinter("printer-1", cfg, ByteLinks.create(link, group),
                new DeviceContext(sink, sink, scheduler, Clock.systemUTC()), new FilePrintQueue(stateDir, "printer-1"));
        printer.start();
        await().atMost(Duration.ofSeconds(3)).until(() -> Boolean.TRUE.equals(printer.state().get("ready")));
        return printer;
    }

    private CommandResult run(String action, String cmdId, String json) throws Exception {
        ObjectNode p = (ObjectNode) JSON.readTree(json);
        p.put("id", cmdId);
        return printer.handle(new Command(cmdId, "printer-1", action, p, Optional.empty(), Optional.empty(), 5000))
                .toCompletableFuture().get(2, TimeUnit.SECONDS);
    }

    private CommandResult printBag(String cmdId, String bag) throws Exception {
        return run("print", cmdId, "{\"job\":\"J-" + bag + "\",\"template\":\"bag-label\",\"fields\":{\"order\":\"O-1\",\"bag\":\""
                + bag + "\",\"lane\":\"lane-1\"}}");
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> resultOf(CommandResult r) {
        return (java.util.Map<String, Object>) r.result();
    }

    private List<String> decodedBags() {
        return sim.labels().stream().flatMap(l -> l.decodedCode128().stream()).toList();
    }

    @Test
    void paperOutDuringARushOf50LabelsEveryLabelPrintedExactlyOnceAndDecoded() throws Exception {
        startSim();
        startPrinter(true);
        List<String> bags = IntStream.rangeClosed(1, 50).mapToObj(i -> "B-" + i).toList();
        for (int i = 0; i < 20; i++) assertThat(printBag("c-" + i, bags.get(i)).ok()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.labels().size() >= 3);
        sim.printerFault("printer-1", "paper-out");
        await().atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("fault").stream()
                .anyMatch(e -> "paper-out".equals(e.fields().get("reason"))));
        for (int i = 20; i < 50; i++) assertThat(printBag("c-" + i, bags.get(i)).ok()).isTrue();
        // a QoS 1 redelivery under a new command id (or a caller's retry) for a job already queued
        assertThat(resultOf(printBag("c-again", "B-30"))).containsEntry("duplicate", true);
        // labels printed before the paper ran out are still being rendered: wait until the count stands still
        java.util.concurrent.atomic.AtomicInteger last = new java.util.concurrent.atomic.AtomicInteger(-1);
        await().pollInterval(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> last.getAndSet(sim.labels().size()) == sim.labels().size());
        int whilePaperOut = sim.labels().size();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> sim.labels().size() == whilePaperOut);
        assertThat(whilePaperOut).isLessThan(20);
        assertThat(printer.state().get("queued")).isEqualTo(50 - sink.ofType("printed").size());

        sim.printerFault("printer-1", null);
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.ofType("printed").size() == 50 && sim.labels().size() == 50);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> sim.labels().size() == 50);
        assertThat(decodedBags()).containsExactlyInAnyOrderElementsOf(bags);
        assertThat(sim.labels()).allSatisfy(l -> {
            assertThat(l.decodedQr()).singleElement().satisfies(q -> assertThat(q).startsWith("order=O-1;bag=B-"));
            assertThat(l.png()).isNotEmpty();
        });
        assertThat(sink.ofType("printed")).extracting(e -> e.fields().get("job"))
                .containsExactlyInAnyOrderElementsOf(bags.stream().map(b -> "J-" + b).toList());
        assertThat(sink.ofType("fault-cleared")).extracting(e -> e.fields().get("reason")).contains("paper-out");
        assertThat(sink.ofType("job-failed")).isEmpty();
        // the job id is remembered after printing as well
        assertThat(resultOf(printBag("c-late", "B-1"))).containsEntry("duplicate", true);
    }

    @Test
    void powerCycleWithLabelsInTheBufferTheOdometerTellsWhichToSendAgain() throws Exception {
        startSim();
        startPrinter(true);
        sim.printerFault("printer-1", "paused");   // labels pile up in the printer's buffer
        await().atMost(Duration.ofSeconds(2)).until(() -> !sink.ofType("fault").isEmpty());
        sim.printerFault("printer-1", null);
        await().atMost(Duration.ofSeconds(2)).until(() -> Boolean.TRUE.equals(printer.state().get("ready")));
        for (int i = 1; i <= 8; i++) printBag("c-" + i, "B-" + i);
        await().atMost(Duration.ofSeconds(2)).until(() -> sim.labels().size() >= 2);
        sim.printerFault("printer-1", "power-cycle");
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.ofType("printed").size() == 8);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> sim.labels().size() == 8);
        assertThat(decodedBags()).containsExactlyInAnyOrder("B-1", "B-2", "B-3", "B-4", "B-5", "B-6", "B-7", "B-8");
        assertThat(sink.ofType("job-uncertain")).isEmpty();
    }

    @Test
    void withoutAnOdometerAJobLostInAPowerCycleIsUncertainUntilAnOperatorDecides() throws Exception {
        startSim(3000);   // a slow label: it sits in the printer's buffer long enough to lose power on it
        startPrinter(false);
        printBag("c-1", "B-1");
        await().atMost(Duration.ofSeconds(2)).until(() -> Integer.valueOf(1).equals(printer.state().get("inPrinter")));
        sim.printerFault("printer-1", "power-cycle");
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.ofType("job-uncertain").size() == 1);
        assertThat(sink.ofType("job-uncertain").get(0).fields()).containsEntry("job", "J-B-1");
        assertThat(printer.state().get("uncertain")).isEqualTo(List.of("J-B-1"));
        // never a silent reprint
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> sink.ofType("printed").isEmpty());

        assertThat(run("reprint", "r-1", "{\"job\":\"J-B-1\"}").ok()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.ofType("printed").size() == 1);
        assertThat(sink.ofType("printed").get(0).cmdId()).isEqualTo("r-1");
        assertThat(run("discard", "d-1", "{\"job\":\"J-B-1\"}").ok()).isFalse();   // finished already
    }

    @Test
    void queuedJobsSurviveADaemonRestartAndPrintOnce() throws Exception {
        startSim();
        startPrinter(true);
        sim.printerFault("printer-1", "paper-out");
        await().atMost(Duration.ofSeconds(2)).until(() -> !sink.ofType("fault").isEmpty());
        for (int i = 1; i <= 5; i++) printBag("c-" + i, "B-" + i);
        printer.stop();     // the daemon goes down with five accepted labels

        sim.printerFault("printer-1", null);
        startPrinter(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.ofType("printed").size() == 5);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> sim.labels().size() == 5);
        assertThat(decodedBags()).containsExactlyInAnyOrder("B-1", "B-2", "B-3", "B-4", "B-5");
        assertThat(sink.ofType("printed")).extracting(e -> e.cmdId()).containsExactlyInAnyOrder("c-1", "c-2", "c-3", "c-4", "c-5");
    }
}
