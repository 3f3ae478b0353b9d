package org.conveyord.sim.physics;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The input levels a line shows the daemon (eyes, lane eyes, e-stop, buttons), read off the world's
 * state. It holds {@link LineWorld}'s own collections, so it is only called from inside the world's
 * synchronized methods, under its lock.
 */
final class LineInputs {

    private final LineConfig cfg;
    private final Map<String, Segment> segments;
    private final Map<String, LineConfig.Lane> lanes;
    private final Map<String, Bag> bags;
    private final Set<String> jammedZones;
    private final Map<String, Long> buttonUntil;
    private final Map<Integer, Long> flickerUntil;

    LineInputs(LineConfig cfg, Map<String, Segment> segments, Map<String, LineConfig.Lane> lanes, Map<String, Bag> bags,
               Set<String> jammedZones, Map<String, Long> buttonUntil, Map<Integer, Long> flickerUntil) {
        this.cfg = cfg;
        this.segments = segments;
        this.lanes = lanes;
        this.bags = bags;
        this.jammedZones = jammedZones;
        this.buttonUntil = buttonUntil;
        this.flickerUntil = flickerUntil;
    }

    PinConfig buttonPin(String name) {
        if (cfg.buttons() == null || name == null) return null;
        return switch (name) {
            case "start" -> cfg.buttons().start();
            case "stop" -> cfg.buttons().stop();
            case "reset" -> cfg.buttons().reset();
            default -> null;
        };
    }

    /** The physical level of an input pin now, as the daemon would read it. */
    boolean level(int pin, long now, boolean estopPressed) {
        for (Segment s : segments.values()) {
            if (s.eye != null && s.eye.pin() == pin) {
                boolean blocked = eyeCovered(s, s.eyeAt) && flickerUntil.getOrDefault(pin, now) - now <= 0;
                return blocked == s.eye.activeLevel();
            }
        }
        for (LineConfig.Lane l : lanes.values()) {
            if (l.eye() != null && l.eye().pin() == pin) {
                boolean blocked = false;
                for (Bag b : bags.values()) {
                    if (l.id().equals(b.at) && now - b.laneEyeFrom >= 0 && now - b.laneRestNanos < 0) blocked = true;
                }
                return blocked == l.eye().activeLevel();
            }
            if (l.fullEye() != null && l.fullEye().pin() == pin) {
                long n = bags.values().stream().filter(b -> l.id().equals(b.at)).count();
                return (n >= l.capacityOrDefault()) == l.fullEye().activeLevel();
            }
        }
        if (cfg.estop() != null && cfg.estop().pin() == pin) {
            // normally closed: released = the active level (circuit closed), pressed = the other
            return estopPressed != cfg.estop().activeLevel();
        }
        for (String name : List.of("start", "stop", "reset")) {
            PinConfig p = buttonPin(name);
            if (p != null && p.pin() == pin) {
                boolean pressed = buttonUntil.getOrDefault(name, now) - now > 0;
                return pressed == p.activeLevel();
            }
        }
        return false;
    }

    /**
     * A zone's motor went off while its bag is stuck, and not for accumulation. Its next start must
     * be warned. Accumulation holds a bag at the zone's eye while the zone downstream has one; at a
     * merge the daemon also stops a bag short of its eye while the other branch has the turn (it
     * settles the turn before the bags reach their eyes), so there a stop short of the eye with a bag
     * in the other branch or in the merge zone is accumulation too: the daemon cannot know that a
     * bag stuck for less than its jam limits is stuck.
     */
    boolean zoneStopLatched(int motorPin) {
        for (Segment s : segments.values()) {
            if (s.sorter || s.motor == null || s.motor.pin() != motorPin || !jammedZones.contains(s.id)) continue;
            boolean downstreamHolds = bags.values().stream().anyMatch(b -> s.next != null && s.next.equals(b.segment));
            if (eyeCovered(s, s.eyeAt)) return !downstreamHolds;
            return !(feedsAMerge(s) && (downstreamHolds || otherBranchHoldsABag(s)));
        }
        return false;
    }

    private boolean feedsAMerge(Segment s) {
        return s.next != null && segments.values().stream().anyMatch(o -> o != s && !o.sorter && s.next.equals(o.next));
    }

    private boolean otherBranchHoldsABag(Segment s) {
        return segments.values().stream().filter(o -> o != s && !o.sorter && s.next.equals(o.next))
                .anyMatch(o -> bags.values().stream().anyMatch(b -> o.id.equals(b.segment)));
    }

    private boolean eyeCovered(Segment s, double at) {
        for (Bag b : bags.values()) {
            if (b.segment == null) continue;
            if (b.segment.equals(s.id) && b.front - b.lengthM <= at && at <= b.front) return true;
            if (!s.sorter && b.segment.equals(s.next) && s.id.equals(b.prev) && b.front - b.lengthM <= at - s.length) return true;
        }
        return false;
    }
}
