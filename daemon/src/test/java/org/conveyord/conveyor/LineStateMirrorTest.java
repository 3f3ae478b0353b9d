package org.conveyord.conveyor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The seqlock'd state copy: a reader on another thread never publishes a half-written state. */
class LineStateMirrorTest {

    @Test
    void aReaderSeesEveryStepWholeOrRetries() throws Exception {
        List<String> zones = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        LineStateMirror m = new LineStateMirror(zones, List.of("lane-1", "exception"), 4);
        AtomicBoolean stop = new AtomicBoolean();
        // every step writes the same bag into every zone and the same flags: a torn copy would mix two steps
        Thread writer = new Thread(() -> {
            long step = 0;
            TrackedBag[] bags = new TrackedBag[4];
            while (!stop.get()) {
                step++;
                int n = (int) (step % 4);
                for (int k = 0; k < n; k++) bags[k] = new TrackedBag("B-" + step, "pick-1", false, false);
                m.begin();
                m.bagsInTransit = (int) step;
                for (int i = 0; i < zones.size(); i++) {
                    m.zoneOccupied[i] = step % 2 == 0;
                    m.zoneTransitMs[i] = step;
                    m.zoneBags(i, bags, n);
                }
                m.end();
            }
        });
        writer.start();
        int seen = 0;
        try {
            for (int r = 0; r < 20_000; r++) {
                Map<String, Object> s = m.read(10_000);
                if (s == null) continue;
                seen++;
                long step = ((Number) s.get("bagsInTransit")).longValue();
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> zs = (List<Map<String, Object>>) s.get("zones");
                for (Map<String, Object> z : zs) {
                    if (step == 0) continue;
                    assertThat(z.get("transitMs")).as("zone %s in step %d", z.get("id"), step).isEqualTo(step);
                    assertThat(z.get("occupied")).isEqualTo(step % 2 == 0);
                    assertThat((List<?>) z.get("bags")).hasSize((int) (step % 4)).allMatch(("B-" + step)::equals);
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(seen).as("the reader got through").isPositive();
    }
}
