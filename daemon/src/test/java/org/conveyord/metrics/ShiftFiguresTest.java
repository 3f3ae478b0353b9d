package org.conveyord.metrics;

import org.conveyord.clock.VirtualControlClock;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shift figures in virtual time: known events at known times, expectations worked out by hand. */
class ShiftFiguresTest {
    private static final long S = 1_000_000_000L;
    /** The control clock does not start at zero: the figures count from when they were created. */
    private static final long BOOT = 7_777 * S;

    private final VirtualControlClock clock = new VirtualControlClock(BOOT);
    private final ShiftFigures shift = new ShiftFigures(clock, "exception");

    private void at(long seconds, String type, Map<String, Object> fields) {
        clock.advanceTo(BOOT + seconds * S);
        shift.onEvent(type, fields);
    }

    private Map<String, Object> summaryAt(long seconds) {
        clock.advanceTo(BOOT + seconds * S);
        return shift.summary();
    }

    /** Two minutes of work: started at 10 s, e-stop at 100 s, started again at 110 s. */
    private void aBusyStart() {
        at(10, "started", Map.of());
        at(20, "bag-inducted", Map.of("bag", "B-1", "order", "O-1", "station", "pick-1"));
        at(30, "bag-inducted", Map.of("bag", "B-2", "order", "O-2", "station", "pick-1"));
        at(40, "bag-inducted", Map.of("bag", "B-3", "order", "O-3", "station", "pick-2"));
        at(45, "bag-inducted", Map.of("bag", "B-4", "order", "O-1", "station", "pick-2"));   // not O-1's first
        for (String lane : new String[] {"lane-1", "lane-1", "lane-2", "lane-3", "lane-3"}) {
            at(48, "bag-arrived", Map.of("bag", "B-x", "dest", lane));
        }
        at(49, "bag-arrived", Map.of("bag", "B-9", "dest", "exception"));
        at(50, "order-complete", Map.of("order", "O-1", "dest", "lane-1", "bags", 2));      // 30 s
        at(60, "order-complete", Map.of("order", "O-3", "dest", "lane-3", "bags", 1));      // 20 s
        at(61, "bag-diverted", Map.of("bag", "B-9", "dest", "exception", "reason", "noread"));
        at(62, "bag-diverted", Map.of("bag", "B-8", "dest", "exception", "reason", "noread"));
        at(63, "bag-diverted", Map.of("bag", "B-7", "dest", "exception", "reason", "checkweigh"));
        at(64, "bag-diverted", Map.of("bag", "B-6", "dest", "lane-2"));
        at(70, "jam", Map.of("zone", "z1", "cleared", false, "kind", "sensor"));
        at(75, "jam", Map.of("zone", "z1", "cleared", true));
        at(80, "jam", Map.of("zone", "z1", "cleared", false, "kind", "arrival"));
        at(85, "jam", Map.of("zone", "m1", "cleared", false, "kind", "sensor"));
        at(90, "order-complete", Map.of("order", "O-2", "dest", "lane-2", "bags", 1));      // 60 s
        at(100, "estop", Map.of("active", true));
        at(105, "estop", Map.of("active", false));
        at(110, "started", Map.of());
    }

    @Test
    void halfAnHourIntoTheShift() {
        aBusyStart();
        Map<String, Object> s = summaryAt(1800);
        // 5 bags into order lanes (the one into the exception lane is an exception) over 1800 s
        assertThat(s).containsEntry("bagsPerHour", 5 * 3600.0 / 1800);
        assertThat(s).containsEntry("ordersCompleted", 3);
        // order times 20, 30, 60 s: nearest rank p50 = 2nd, p95 = 3rd
        assertThat(s).containsEntry("orderTimeP50S", 30.0).containsEntry("orderTimeP95S", 60.0);
        assertThat(s).containsEntry("exceptionsByReason", Map.of("noread", 2, "checkweigh", 1));
        assertThat(s).containsEntry("jamsByZone", Map.of("z1", 2, "m1", 1));
        // stopped 0-10 and 100-110; running 10-100 and 110-1800
        assertThat(s).containsEntry("runningS", 90L + 1690L).containsEntry("stoppedS", 20L).containsEntry("windowS", 1800L);
    }

    @Test
    void aStopNoEventNamesIsCountedFromTheSampler() {
        at(10, "started", Map.of());
        clock.advanceTo(BOOT + 70 * S);
        shift.running(false);           // a fault stopped the line: the sampler saw it at 70 s
        clock.advanceTo(BOOT + 100 * S);
        shift.running(false);
        Map<String, Object> s = summaryAt(130);
        assertThat(s).containsEntry("runningS", 60L).containsEntry("stoppedS", 70L);
    }

    @Test
    void figuresOlderThanTheWindowLeaveIt() {
        aBusyStart();
        // 8 h and 3.5 min in: the window is minutes 4 to 483 (the last one half over), the busy start long gone
        long now = 8 * 3600 + 3 * 60 + 30;
        Map<String, Object> s = summaryAt(now);
        assertThat(s).containsEntry("bagsPerHour", 0.0).containsEntry("ordersCompleted", 0);
        assertThat(s.get("orderTimeP50S")).isNull();
        assertThat(s.get("orderTimeP95S")).isNull();
        assertThat(s).containsEntry("exceptionsByReason", Map.of()).containsEntry("jamsByZone", Map.of());
        assertThat(s).containsEntry("runningS", 479L * 60 + 30).containsEntry("stoppedS", 0L).containsEntry("windowS", 8L * 3600);

        // a new bag now counts over the whole window
        at(now, "bag-arrived", Map.of("bag", "B-10", "dest", "lane-4"));
        assertThat(shift.summary()).containsEntry("bagsPerHour", Math.round(10 * 1.0 / 8) / 10.0);
    }

    @Test
    void theFirstSecondsAreRatedOverAMinute() {
        at(1, "bag-arrived", Map.of("bag", "B-1", "dest", "lane-1"));
        // one bag in 2 s would be 1800 an hour: over the one-minute floor it is 60
        assertThat(summaryAt(2)).containsEntry("bagsPerHour", 60.0).containsEntry("windowS", 2L);
    }

    @Test
    void anOrderGivenUpIsNotTimed() {
        at(5, "bag-inducted", Map.of("bag", "B-1", "order", "O-1", "station", "pick-1"));
        at(50, "order-incomplete", Map.of("order", "O-1", "dest", "lane-1", "missing", java.util.List.of("B-2")));
        at(60, "order-complete", Map.of("order", "O-1", "dest", "lane-1", "bags", 2));
        Map<String, Object> s = summaryAt(61);
        assertThat(s).containsEntry("ordersCompleted", 1);
        assertThat(s.get("orderTimeP50S")).isNull();
    }

    @Test
    void onlyAnEventThatChangesAFigureAsksForTheStateToBePublished() {
        assertThat(shift.onEvent("bag-arrived", Map.of("bag", "B-1", "dest", "lane-1"))).isTrue();
        assertThat(shift.onEvent("bag-arrived", Map.of("bag", "B-2", "dest", "exception"))).isFalse();
        assertThat(shift.onEvent("bag-diverted", Map.of("bag", "B-2", "dest", "exception", "reason", "noread"))).isTrue();
        assertThat(shift.onEvent("bag-diverted", Map.of("bag", "B-3", "dest", "lane-2"))).isFalse();
        assertThat(shift.onEvent("jam", Map.of("zone", "z1", "cleared", true))).isFalse();
        assertThat(shift.onEvent("jam", Map.of("zone", "z1", "cleared", false))).isTrue();
        assertThat(shift.onEvent("order-complete", Map.of("order", "O-9", "dest", "lane-1", "bags", 1))).isTrue();
        assertThat(shift.onEvent("weight", Map.of("grams", 1000))).isFalse();
    }
}
