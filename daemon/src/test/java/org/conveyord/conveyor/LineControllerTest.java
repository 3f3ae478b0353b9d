package org.conveyord.conveyor;

import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.LineConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.device.ErrorCode;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.MockGpio;
import org.conveyord.hal.Pi4jGpio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Line logic on Pi4J's mock GPIO with the demo layout: inputs are driven with mockState (listeners
 * fire synchronously), outputs are read back through the HAL.
 */
class LineControllerTest {
    private Pi4jGpio gpio;
    private LineController line;
    private RecordingEvents events;
    private LineConfig cfg;

    @BeforeEach
    void setUp() {
        Path demo = Path.of(System.getProperty("conveyord.repo", ".."), "config", "demo.yaml");
        var r = ConfigLoader.load(demo);
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
        cfg = r.config().devicesOfKind(LineConfig.class).get("line-1");
        // a short warning keeps the test quick; everything else is the demo line
        cfg = new LineConfig(cfg.speedMps(), 0.2, cfg.estop(), cfg.horn(), cfg.stackLight(), cfg.heartbeat(), cfg.buttons(),
                cfg.remoteEstopReset(), cfg.maxBagLengthM(), cfg.zones(), cfg.stations(), cfg.sorter(), cfg.lanes(),
                null, cfg.sensorJamS(), cfg.arrivalJamMarginS());
        gpio = MockGpio.open();
        events = new RecordingEvents();
        line = new LineController("line-1", cfg, gpio, LinePeripherals.NONE, events, id -> { });
        line.start();
        releaseStartupEstop();
    }

    /** The mock's inputs start low, which for the normally-closed e-stop means "pressed": release and reset. */
    private void releaseStartupEstop() {
        mockInput("line-1.estop").mockState(DigitalState.HIGH);
        // the release is debounced: wait for it before pressing reset
        await().atMost(Duration.ofSeconds(2)).until(() -> events.ofType("estop").stream()
                .anyMatch(e -> Boolean.FALSE.equals(e.fields().get("active"))));
        mockInput("line-1.button.reset").mockState(DigitalState.HIGH);
        mockInput("line-1.button.reset").mockState(DigitalState.LOW);
        await().atMost(Duration.ofSeconds(2)).until(() -> line.status().isOnline());
        events.events.clear();
    }

    @AfterEach
    void tearDown() {
        line.close();
        gpio.close();
    }

    private MockDigitalInput mockInput(String id) {
        return gpio.context().registry().get(id, MockDigitalInput.class);
    }


    private DigitalOut out(String name) {
        return gpio.outputs().stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
    }

    private List<DigitalOut> motionOutputs() {
        return gpio.outputs().stream().filter(o -> o.name().endsWith(".motor") || o.name().contains(".diverter.")).toList();
    }

    private CommandResult run(java.util.function.Supplier<CommandResult> action) throws Exception {
        return line.call(action).get(2, TimeUnit.SECONDS);
    }

    private void startAndWaitRunning() throws Exception {
        assertThat(run(() -> line.requestStart("c-start", "test")).ok()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.ofType("started").isEmpty());
    }

    @Test
    void outputsAreOffAfterStartUp() {
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(gpio.outputs()).allSatisfy(o -> assertThat(o.isActive()).as(o.name()).isFalse()));
    }

    @Test
    void startSoundsTheHornBeforeAnyMotorRuns() throws Exception {
        CommandResult r = run(() -> line.requestStart("c-1", "test"));
        assertThat(r.ok()).isTrue();
        assertThat(out("line-1.horn").isActive()).isTrue();
        assertThat(motionOutputs()).allSatisfy(o -> assertThat(o.isActive()).as(o.name()).isFalse());
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.ofType("started").isEmpty());
        assertThat(events.ofType("started").get(0).cmdId()).isEqualTo("c-1");
        assertThat(out("line-1.horn").isActive()).isFalse();
        assertThat(out("line-1.p1.motor").isActive()).isTrue();
        assertThat(out("line-1.sorter.motor").isActive()).isTrue();
    }

    @Test
    void estopDropsEveryMotorAtTheEdgeAndStartIsRefusedUntilReset() throws Exception {
        startAndWaitRunning();
        assertThat(motionOutputs().stream().anyMatch(DigitalOut::isActive)).isTrue();

        mockInput("line-1.estop").mockState(DigitalState.LOW);   // NC circuit opens: pressed
        // the mock fires listeners synchronously: no waiting, the outputs must already be off
        assertThat(motionOutputs()).allSatisfy(o -> assertThat(o.isActive()).as(o.name()).isFalse());

        await().atMost(Duration.ofSeconds(2)).until(() -> !events.ofType("estop").isEmpty());
        assertThat(events.ofType("estop").get(0).fields()).containsEntry("active", true);
        CommandResult refused = run(() -> line.requestStart("c-2", "test"));
        assertThat(refused.ok()).isFalse();
        assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(refused.message()).contains("emergency stop is active");

        mockInput("line-1.estop").mockState(DigitalState.HIGH);  // released (debounced)
        await().atMost(Duration.ofSeconds(2)).until(() -> events.ofType("estop").size() == 2);
        CommandResult stillLatched = run(() -> line.requestStart("c-3", "test"));
        assertThat(stillLatched.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(stillLatched.message()).contains("reset");
        // nothing moved by itself after the release
        assertThat(motionOutputs()).allSatisfy(o -> assertThat(o.isActive()).as(o.name()).isFalse());

        // the demo line has a reset button: a remote reset after an e-stop is forbidden
        CommandResult remote = run(() -> line.requestReset("c-4", false));
        assertThat(remote.code()).isEqualTo(ErrorCode.FORBIDDEN);

        mockInput("line-1.button.reset").mockState(DigitalState.HIGH);
        mockInput("line-1.button.reset").mockState(DigitalState.LOW);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(run(() -> line.requestStart("c-5", "test")).ok()).isTrue());
        await().atMost(Duration.ofSeconds(5)).until(() -> events.ofType("started").size() == 2);
    }

    @Test
    void estopPressedWhileStartingCancelsTheStart() throws Exception {
        run(() -> line.requestStart("c-1", "test"));
        mockInput("line-1.estop").mockState(DigitalState.LOW);
        await().atMost(Duration.ofSeconds(2)).until(() -> !events.ofType("estop").isEmpty());
        assertThat(out("line-1.horn").isActive()).isFalse();
        // longer than the warning: motion must still not have started
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> events.ofType("started").isEmpty());
        assertThat(motionOutputs()).allSatisfy(o -> assertThat(o.isActive()).as(o.name()).isFalse());
    }

    @Test
    void aZoneHoldsItsBagWhileTheZoneDownstreamIsOccupied() throws Exception {
        startAndWaitRunning();
        // a bag waits at m1's eye (an unknown item: no station there)
        mockInput("line-1.m1.eye").mockState(DigitalState.HIGH);
        // z1 is occupied too: m1 cannot release, so it stops
        mockInput("line-1.z1.eye").mockState(DigitalState.HIGH);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(out("line-1.z1.motor").isActive()).as("z1 releases into empty w1").isTrue();
        });
        // now a bag reaches p1's eye: m1 is occupied, so p1 must hold it
        mockInput("line-1.p1.eye").mockState(DigitalState.HIGH);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(out("line-1.p1.motor").isActive()).isFalse());
        assertThat(out("line-1.p2.motor").isActive()).as("an empty zone keeps running to receive").isTrue();
    }

    @Test
    void anItemNoZoneReleasedIsAFaultOnItsZoneUntilReset() throws Exception {
        startAndWaitRunning();
        mockInput("line-1.z1.eye").mockState(DigitalState.HIGH);   // nothing was released into z1
        await().atMost(Duration.ofSeconds(2)).until(() -> !events.ofType("fault").isEmpty());
        assertThat(events.ofType("fault").getFirst().fields()).containsEntry("zone", "z1")
                .containsEntry("reason", "unexpected item at z1");
        assertThat(line.status().isOnline()).isFalse();
        assertThat(line.status().reason()).contains("unexpected item at z1");
        assertThat(out("line-1.z1.motor").isActive()).as("the line keeps running; the item goes on to exception").isTrue();
        assertThat(run(() -> line.requestReset("c-r", false)).ok()).isTrue();
        assertThat(line.status().isOnline()).isTrue();
    }

    @Test
    void atAMergeOnlyOneBranchReleasesAtATime() throws Exception {
        startAndWaitRunning();
        mockInput("line-1.p1.eye").mockState(DigitalState.HIGH);
        mockInput("line-1.p2.eye").mockState(DigitalState.HIGH);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            boolean p1 = out("line-1.p1.motor").isActive();
            boolean p2 = out("line-1.p2.motor").isActive();
            assertThat(p1 ^ p2).as("exactly one of p1 (%s) and p2 (%s) releases into m1", p1, p2).isTrue();
        });
        assertThat(events.ofType("bag-noread")).hasSize(2);
        assertThat(events.ofType("bag-inducted")).extracting(e -> e.fields().get("station"))
                .containsExactlyInAnyOrder("pick-1", "pick-2");
    }

    @Test
    void aBagAtAStationTakesTheScannersReadAsItsIdentity() throws Exception {
        LinePeripherals.ScanHandler[] handler = new LinePeripherals.ScanHandler[1];
        line.close();
        gpio.close();
        gpio = MockGpio.open();
        events = new RecordingEvents();
        line = new LineController("line-1", cfg, gpio, new LinePeripherals() {
            @Override public void onScan(String scannerId, ScanHandler h) { if (scannerId.equals("scanner-1")) handler[0] = h; }
            @Override public java.util.concurrent.CompletionStage<Reading> weigh(String s) { return java.util.concurrent.CompletableFuture.completedFuture(new Reading(0, true)); }
            @Override public void printBagLabel(String p, String o, String b, String l, String c) { }
        }, events, id -> { });
        line.start();
        releaseStartupEstop();
        assertThat(run(() -> line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-1", null)), null, "c-o")).ok()).isTrue();
        handler[0].scanned("B-1", System.nanoTime());
        mockInput("line-1.p1.eye").mockState(DigitalState.HIGH);
        await().atMost(Duration.ofSeconds(2)).until(() -> !events.ofType("bag-inducted").isEmpty());
        assertThat(events.ofType("bag-inducted").get(0).fields())
                .containsAllEntriesOf(Map.of("bag", "B-1", "order", "O-1", "station", "pick-1"));
    }

    @Test
    void theSameOrderTwiceIsAcceptedOnceAndADifferentOneIsAConflict() throws Exception {
        var bags = List.of(new OrderBook.OrderBag("B-1", null), new OrderBook.OrderBag("B-2", 1200.0));
        assertThat(run(() -> line.placeOrder("O-1", bags, null, "c1")).ok()).isTrue();
        assertThat(run(() -> line.placeOrder("O-1", bags, null, "c2")).ok()).isTrue();
        CommandResult conflict = run(() -> line.placeOrder("O-1", List.of(new OrderBook.OrderBag("B-9", null)), null, "c3"));
        assertThat(conflict.code()).isEqualTo(ErrorCode.CONFLICT);
        CommandResult badLane = run(() -> line.placeOrder("O-2", List.of(new OrderBook.OrderBag("B-3", null)), "exception", "c4"));
        assertThat(badLane.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    }
}
