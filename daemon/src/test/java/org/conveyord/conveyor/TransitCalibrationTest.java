package org.conveyord.conveyor;

import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Tracking windows learn the real transit times from hand-over to eye (motor-on time), shown in the line's state. */
class TransitCalibrationTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> zone(VirtualLineRig rig, String id) {
        return ((List<Map<String, Object>>) rig.line.snapshot().get("zones")).stream()
                .filter(z -> id.equals(z.get("id"))).findFirst().orElseThrow();
    }

    @Test
    void zonesLearnTheirTransitTimes() {
        var layout = LinePropertiesTest.layout(new LinePropertiesTest.Layout(0.8, 1.2, 0.03, false));
        try (VirtualLineRig rig = new VirtualLineRig(layout, new SimSettings(0.03, 100, 0.35, 1000, 400, false, 1000, 3000, 4))) {
            assertThat(rig.command(() -> rig.line.requestStart("c-s", "test")).ok()).isTrue();
            for (int i = 0; i < 6; i++) {
                rig.world.hangBag("C-" + i, "pick-1", 500, 0.35, false);
                rig.runFor(3);
            }
            assertThat(rig.runUntil(() -> rig.world.settled(), 60)).isTrue();
            long transitMs = ((Number) zone(rig, "z1").get("transitMs")).longValue();
            // the eye sits 1.1 m into z1; the bag's front starts about 0.1 m + its length before z1 at 0.8 m/s
            assertThat(transitMs).isBetween(900L, 2500L);

            // every zone a bag is handed into has learned its own transit
            for (String z : List.of("m1", "z1", "w1")) {
                assertThat(zone(rig, z).get("transitMs")).as("transit of %s", z).isNotNull();
            }
        }
    }
}
