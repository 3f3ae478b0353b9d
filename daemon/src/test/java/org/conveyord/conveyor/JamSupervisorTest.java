package org.conveyord.conveyor;

import org.conveyord.clock.VirtualControlClock;
import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.EdgeListener;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Jam detection on its own: one zone, a virtual clock and the loop's seam, no simulator. */
class JamSupervisorTest {
    private static final long TICK = LineController.TICK_MS * 1_000_000L;

    private final LineConfig cfg = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.0, false));
    private final VirtualControlClock clock = new VirtualControlClock(1_000_000_000L);
    private final RecordingEvents events = new RecordingEvents();
    private final TestLineLoop loop = new TestLineLoop(clock);
    private final LineModel line = new LineModel("line-1", cfg, loop);
    private final JamSupervisor jams;
    private final ZoneState z1;
    private final Output motor = new Output();

    JamSupervisorTest() {
        LineConfig.Zone zc = cfg.zonesOrEmpty().stream().filter(z -> z.id().equals("z1")).findFirst().orElseThrow();
        z1 = new ZoneState(zc, motor, new Input());
        loop.unexpected = line::unknownItem;
        line.zones.put("z1", z1);
        line.indexed();
        LostBags lost = new LostBags(line, loop, events);
        jams = new JamSupervisor(line, loop, events, new StationTracker(line, loop, events, lost), lost);
    }

    /** Runs the supervisor's tick for {@code seconds} of loop time. */
    private void tickFor(double seconds) {
        for (long t = 0; t < seconds * 1e9; t += TICK) {
            clock.advanceTo(clock.nanos() + TICK);
            jams.check();
        }
    }

    @Test
    void aBagHeldByAStoppedZoneIsNotAJamButOnePushedTooLongIs() {
        z1.eyeBlocked = true;
        tickFor(cfg.sensorJamSOrDefault() * 3);
        assertThat(z1.jammed).as("motor off: the bag waits, it is not stuck").isFalse();

        motor.set(true);
        tickFor(cfg.sensorJamSOrDefault() + 0.2);
        assertThat(z1.jammed).isTrue();
        assertThat(events.ofType("jam").getFirst().fields()).containsEntry("zone", "z1").containsEntry("kind", "sensor")
                .containsEntry("autoRetry", false);
        assertThat(loop.faults).as("the line was not running: a person decides at once").containsExactly("jam z1");
    }

    @Test
    void aReleasedBagThatNeverArrivesIsAnArrivalJamAndARunningLineRetriesOnceAfterTheHorn() {
        loop.running = true;
        motor.set(true);
        z1.bags.add(new TrackedBag("B-1", "pick-1", false, false));
        jams.expectArrival(z1);
        long limit = JamSupervisor.arrivalLimitNanos(line, z1);
        tickFor(limit / 1e9 - 0.1);
        assertThat(z1.jammed).isFalse();
        tickFor(0.2);
        assertThat(z1.jammed).isTrue();
        assertThat(events.ofType("jam").getFirst().fields()).containsEntry("kind", "arrival").containsEntry("autoRetry", true);
        assertThat(loop.horn).as("a hand may be in the jam: the horn first").isTrue();

        clock.advanceTo(clock.nanos() + 1_500_000_000L);
        assertThat(loop.horn).isFalse();
        clock.advanceTo(clock.nanos() + 1_000_000_000L);
        assertThat(z1.jammed).as("after the horn and a pause the zone tries once more").isFalse();
        assertThat(z1.expectingArrival).isTrue();
        assertThat(loop.faults).isEmpty();
    }

    @Test
    void transitsMeasuredFromHandOversNarrowTheArrivalWindowAndASpeedChangeForgetsThem() {
        long nominal = JamSupervisor.arrivalLimitNanos(line, z1);
        for (int i = 0; i < 5; i++) {
            jams.expectArrival(z1);
            z1.motorOnNanos = 1_000_000_000L;   // each bag took one second of motor-on time
            jams.eyeChanged(z1, true, clock.nanos());
        }
        assertThat(JamSupervisor.arrivalLimitNanos(line, z1)).isEqualTo(Math.min(nominal, 2_500_000_000L));
        jams.speedChanged();
        assertThat(JamSupervisor.arrivalLimitNanos(line, z1)).isEqualTo(nominal);
    }

    @Test
    void aReloadedSensorJamLimitTimesTheNextBlockageWhileTheOneBeingTimedKeepsItsOwn() {
        long old = line.live.sensorJamNanos();
        motor.set(true);
        z1.eyeBlocked = true;
        tickFor(0.5);
        line.live = new LiveLineSettings(old * 4, line.live.arrivalJamMarginNanos(), 0, 10, 50);
        tickFor(old / 1e9 - 0.5 + 0.2);
        assertThat(z1.jammed).as("the blockage timed before the reload jams at the limit it started with").isTrue();

        jams.clearByHand(new java.util.ArrayList<>(), "c-reset");
        jams.eyeChanged(z1, true, clock.nanos());
        tickFor(old / 1e9 + 0.2);
        assertThat(z1.jammed).as("a new blockage is timed with the reloaded limit").isFalse();
        tickFor(old * 3 / 1e9);
        assertThat(z1.jammed).isTrue();
        assertThat(motor.active).as("the reload itself switched nothing").isTrue();
    }

    @Test
    void aReloadedArrivalMarginAndRetryCountApplyToTheNextReleasedBag() {
        loop.running = true;
        motor.set(true);
        long oldLimit = JamSupervisor.arrivalLimitNanos(line, z1);
        z1.bags.add(new TrackedBag("B-1", "pick-1", false, false));
        jams.expectArrival(z1);
        tickFor(0.1);
        line.live = new LiveLineSettings(line.live.sensorJamNanos(), line.live.arrivalJamMarginNanos() + 3_000_000_000L, 0, 10, 50);
        assertThat(JamSupervisor.arrivalLimitNanos(line, z1)).as("the bag released before the reload").isEqualTo(oldLimit);
        jams.eyeChanged(z1, true, clock.nanos());   // it arrived

        z1.bags.add(new TrackedBag("B-2", "pick-1", false, false));
        jams.expectArrival(z1);
        tickFor(oldLimit / 1e9 + 0.2);
        assertThat(z1.jammed).as("the next bag has the reloaded margin").isFalse();
        assertThat(JamSupervisor.arrivalLimitNanos(line, z1)).isEqualTo(oldLimit + 3_000_000_000L);
        tickFor(3.0);
        assertThat(z1.jammed).isTrue();
        assertThat(events.ofType("jam").getFirst().fields()).as("no retries after the reload").containsEntry("autoRetry", false);
        assertThat(loop.faults).containsExactly("jam z1");
    }

    @Test
    void aBagReleasedToTheSorterThatNeverReachesItsEntryEyeIsLostOnceTheMovingBeltWouldHaveBroughtIt() {
        long limit = JamSupervisor.sorterArrivalLimitNanos(line);
        assertThat(limit).as("0.1 m after z1's eye, 0.6 m to the entry eye at 0.8 m/s, and the margin")
                .isCloseTo(875_000_000L + line.live.arrivalJamMarginNanos(), within(1_000L));
        TrackedBag b1 = new TrackedBag("B-1", "pick-1", false, false);
        b1.lastSeen = "z1";
        line.sorter.incoming.add(b1);
        tickFor(limit / 1e9 * 2);
        assertThat(events.ofType("bag-lost")).as("the sorter stands: the bag waits on it").isEmpty();

        line.sorter.resume(clock.nanos());
        tickFor(limit / 1e9 - 0.5);
        line.sorter.incoming.poll();   // it reached the entry eye
        TrackedBag b2 = new TrackedBag("B-2", "pick-1", false, false);
        b2.lastSeen = "z1";
        line.sorter.incoming.add(b2);
        tickFor(limit / 1e9 - 0.1);
        assertThat(events.ofType("bag-lost")).as("the next bag has a window of its own").isEmpty();
        assertThat(line.sorter.incoming).containsExactly(b2);

        tickFor(0.2);
        assertThat(events.ofType("bag-lost")).singleElement()
                .satisfies(e -> assertThat(e.fields()).containsEntry("bag", "B-2").containsEntry("lastSeen", "z1"));
        assertThat(line.sorter.incoming).as("the sorter takes the next bag").isEmpty();
    }

    private static final class Output implements DigitalOut {
        boolean active;

        @Override public String name() { return "z1.motor"; }
        @Override public int pin() { return 0; }
        @Override public void set(boolean on) { active = on; }
        @Override public boolean isActive() { return active; }
    }

    private static final class Input implements DigitalIn {
        @Override public String name() { return "z1.eye"; }
        @Override public int pin() { return 1; }
        @Override public boolean isActive() { return false; }
        @Override public void listen(EdgeListener listener) { }
    }
}
