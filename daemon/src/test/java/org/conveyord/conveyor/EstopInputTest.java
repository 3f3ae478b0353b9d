package org.conveyord.conveyor;

import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import org.conveyord.clock.VirtualControlClock;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.device.StatusDetail;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.EdgeListener;
import org.conveyord.hal.Gpio;
import org.conveyord.hal.MockGpio;
import org.conveyord.hal.Pi4jGpio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The e-stop input on Pi4J's mock GPIO with the control loop on a virtual clock (the test thread
 * runs the loop when it advances the clock; the mock fires the GPIO listeners synchronously).
 * A wrapper around the GPIO records every motion output switched on and can make the e-stop
 * input lose an edge, as the start-up race and a lost edge would.
 */
class EstopInputTest {
    private static final long MS = 1_000_000L;

    private final VirtualControlClock clock = new VirtualControlClock(1_000_000_000L);
    private final RecordingEvents events = new RecordingEvents();
    private Pi4jGpio pi4j;
    private HookedGpio gpio;
    private LineController line;

    private void startLine(HookedGpio hooked) {
        Path demo = Path.of(System.getProperty("conveyord.repo", ".."), "config", "demo.yaml");
        var r = ConfigLoader.load(demo);
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
        LineConfig cfg = r.config().devicesOfKind(LineConfig.class).get("line-1");
        gpio = hooked;
        line = new LineController("line-1", cfg, gpio, LinePeripherals.NONE, events, id -> { }, clock, null);
        line.start();
        advanceMs(0);
    }

    @AfterEach
    void tearDown() {
        if (line != null) line.close();
        if (pi4j != null) pi4j.close();
    }

    private HookedGpio mockGpio() {
        pi4j = MockGpio.open();
        return new HookedGpio(pi4j);
    }

    private MockDigitalInput mockInput(String id) {
        return pi4j.context().registry().get(id, MockDigitalInput.class);
    }

    private void advanceMs(long ms) {
        clock.advanceTo(clock.nanos() + ms * MS);
    }

    private CommandResult run(Supplier<CommandResult> action) {
        var f = line.call(action);
        advanceMs(0);
        return f.getNow(null);
    }

    /** The mock starts with every input low: for the NC e-stop that is "pressed". Release, reset, start. */
    private void releaseResetAndRun() {
        mockInput("line-1.estop").mockState(DigitalState.HIGH);
        // the release is debounced on Pi4jGpio's own timer: wait for it to reach the loop's queue
        await().atMost(Duration.ofSeconds(2)).until(() -> !gpio.estop.isActive());
        advanceMs(0);
        assertThat(run(() -> line.requestReset("c-reset", true)).ok()).isTrue();
        assertThat(run(() -> line.requestStart("c-start", "test")).ok()).isTrue();
        advanceMs(2100);    // the demo's 2 s horn
        assertThat(events.ofType("started")).hasSize(1);
        assertThat(gpio.motionOn()).as("motors run before the test presses the e-stop").isNotEmpty();
        events.events.clear();
        gpio.switchedOn.clear();
    }

    @Test
    void aBouncingPressSwitchesMotionOffAtTheFirstEdgeAndNothingComesBackOnDuringTheBounce() {
        startLine(mockGpio());
        releaseResetAndRun();

        MockDigitalInput estop = mockInput("line-1.estop");
        estop.mockState(DigitalState.LOW);     // first edge of the press
        // synchronously, on the thread that delivered the edge: before the loop has run at all
        assertThat(gpio.motionOn()).as("motion outputs on right after the first edge").isEmpty();
        // the contact chatters: 2 ms bounce for 200 ms, the loop running in between
        for (int i = 0; i < 100; i++) {
            estop.mockState(i % 2 == 0 ? DigitalState.HIGH : DigitalState.LOW);
            advanceMs(2);
            assertThat(gpio.motionOn()).as("motion outputs on during the bounce").isEmpty();
        }
        estop.mockState(DigitalState.LOW);
        advanceMs(500);
        assertThat(gpio.switchedOn).as("motion outputs switched on after the first edge").isEmpty();
        assertThat(line.status().detail()).isEqualTo(StatusDetail.ESTOP);
        assertThat(line.motionGateOpen()).isFalse();
    }

    @Test
    void aReleaseHandledAfterTheNextPressDoesNotReopenTheGate() {
        startLine(mockGpio());
        releaseResetAndRun();
        MockDigitalInput estop = mockInput("line-1.estop");

        // the loop is busy (the virtual clock does not advance): every edge waits in its queue
        estop.mockState(DigitalState.LOW);
        estop.mockState(DigitalState.HIGH);
        await().atMost(Duration.ofSeconds(2)).until(() -> !gpio.estop.isActive());   // release debounced, queued
        estop.mockState(DigitalState.LOW);                                            // pressed again
        advanceMs(0);    // the loop handles press, (stale) release, press in that order

        assertThat(line.motionGateOpen()).as("gate open while the e-stop is pressed").isFalse();
        assertThat(events.ofType("estop")).extracting(e -> e.fields().get("active")).containsOnly(true);
        assertThat(line.status().detail()).isEqualTo(StatusDetail.ESTOP);
        assertThat(line.status().reason()).contains("active");
        advanceMs(500);
        assertThat(gpio.switchedOn).isEmpty();
        assertThat(run(() -> line.requestReset("c-2", true)).ok()).as("reset while pressed").isFalse();
    }

    @Test
    void aPressBetweenTheFirstReadAndTheSubscriptionLatchesWithinOneTick() {
        HookedGpio hooked = mockGpio();
        // released when the input is claimed and first read; pressed inside listen(), before the
        // line's listener is attached: the line never hears that edge and the level it read is stale
        hooked.onEstopClaimed = () -> mockInput("line-1.estop").mockState(DigitalState.HIGH);
        hooked.onEstopListen = () -> mockInput("line-1.estop").mockState(DigitalState.LOW);
        hooked.staleEstopLevel = true;
        startLine(hooked);

        advanceMs(LineController.TICK_MS);
        assertThat(line.status().detail()).isEqualTo(StatusDetail.ESTOP);
        assertThat(line.motionGateOpen()).isFalse();
        assertThat(run(() -> line.requestStart("c-1", "test")).ok()).isFalse();
    }

    @Test
    void aLostPressEdgeIsCaughtByTheNextTick() {
        startLine(mockGpio());
        releaseResetAndRun();

        gpio.dropEstopEdges = true;
        mockInput("line-1.estop").mockState(DigitalState.LOW);
        advanceMs(LineController.TICK_MS);

        assertThat(gpio.motionOn()).isEmpty();
        assertThat(line.motionGateOpen()).isFalse();
        assertThat(line.status().detail()).isEqualTo(StatusDetail.ESTOP);
        assertThat(events.ofType("estop")).extracting(e -> e.fields().get("active")).containsExactly(true);
        assertThat(events.ofType("started")).isEmpty();
    }

    /** The real GPIO, with hooks on the e-stop input and a record of motion outputs switched on. */
    static final class HookedGpio implements Gpio {
        private final Gpio delegate;
        final List<String> switchedOn = new CopyOnWriteArrayList<>();
        private final List<DigitalOut> motion = new ArrayList<>();
        Runnable onEstopClaimed = () -> { };
        Runnable onEstopListen = () -> { };
        volatile boolean staleEstopLevel;
        volatile boolean dropEstopEdges;
        DigitalIn estop;

        HookedGpio(Gpio delegate) {
            this.delegate = delegate;
        }

        List<String> motionOn() {
            return motion.stream().filter(DigitalOut::isActive).map(DigitalOut::name).toList();
        }

        @Override
        public DigitalIn input(String name, PinConfig pin, boolean normallyClosed) {
            DigitalIn in = delegate.input(name, pin, normallyClosed);
            if (!name.endsWith(".estop")) return in;
            onEstopClaimed.run();
            estop = new HookedInput(in);
            return estop;
        }

        @Override
        public DigitalOut output(String name, PinConfig pin) {
            DigitalOut out = delegate.output(name, pin);
            if (!name.endsWith(".motor") && !name.contains(".diverter.")) return out;
            DigitalOut recorded = new DigitalOut() {
                @Override public String name() { return out.name(); }
                @Override public int pin() { return out.pin(); }
                @Override public boolean isActive() { return out.isActive(); }

                @Override
                public void set(boolean on) {
                    if (on) switchedOn.add(out.name());
                    out.set(on);
                }
            };
            motion.add(recorded);
            return recorded;
        }

        @Override public List<DigitalOut> outputs() { return delegate.outputs(); }

        @Override public void allOutputsOff() { delegate.allOutputsOff(); }

        @Override public void close() { delegate.close(); }

        private final class HookedInput implements DigitalIn {
            private final DigitalIn in;
            private final boolean levelAtClaim;

            HookedInput(DigitalIn in) {
                this.in = in;
                this.levelAtClaim = in.levelNow();
            }

            @Override public String name() { return in.name(); }
            @Override public int pin() { return in.pin(); }

            /** Stale: the level as first read, as a debounced state that missed an edge would keep it. */
            @Override public boolean isActive() { return staleEstopLevel ? levelAtClaim : in.isActive(); }

            @Override public boolean levelNow() { return in.levelNow(); }

            @Override
            public void listen(EdgeListener listener) {
                onEstopListen.run();
                in.listen((active, nanos) -> {
                    if (!dropEstopEdges) listener.edge(active, nanos);
                });
            }
        }
    }
}
