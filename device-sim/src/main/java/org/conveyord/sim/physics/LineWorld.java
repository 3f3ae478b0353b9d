package org.conveyord.sim.physics;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The physics of one conveyor line: zones (a tree flowing to the sorter), the sorter belt with its
 * diverters, lanes, photo-eyes, motors with a ramp, the e-stop circuit and the heartbeat watchdog.
 *
 * <p>A bag's position is its front on the path (segment id + metres from the segment's start); its
 * extent is [front - length, front] and may reach back into the segment it came from ({@code prev},
 * kept per bag because a merge has two upstream zones). Bags never pass through each other.
 *
 * <p>Threading: every public method is synchronized on this world. {@link #tick()} is called by one
 * scheduler thread; commands come from MQTT and protocol threads. The {@link WorldListener} is called
 * with the lock held (see its rules).
 */
public final class LineWorld {

    private static final Logger log = LoggerFactory.getLogger(LineWorld.class);
    private static final long MAX_STEP_NANOS = 5_000_000L;
    /** A picker hangs a bag only with a hook pitch of room behind the last one: bags hung touching
     *  would travel as one item past every eye (no line can tell them apart). */
    private static final double HANG_CLEARANCE_M = 0.3;
    private static final long BUTTON_PRESS_NANOS = 300_000_000L;
    private static final long FLICKER_NANOS = 10_000_000L;
    private static final double CONTACT_EPS_M = 0.001;

    private final String lineId;
    private final LineConfig cfg;
    private final SimSettings settings;
    private final SimClock clock;
    private final Random random;
    private WorldListener listener = WorldListener.NONE;

    private final Map<String, Segment> segments = new LinkedHashMap<>();
    private final Map<String, LineConfig.Lane> lanes = new LinkedHashMap<>();
    private final Map<Integer, Boolean> outputs = new HashMap<>();
    private final Map<Integer, Motor> motors = new HashMap<>();
    private final List<DiverterState> diverters = new ArrayList<>();
    private final Map<String, LineConfig.Station> stationsById = new HashMap<>();
    private final Map<String, Deque<Bag>> stationQueues = new LinkedHashMap<>();
    private final Map<String, Bag> bags = new LinkedHashMap<>();
    private final Set<String> jammedZones = new TreeSet<>();
    private final Set<String> contacts = new HashSet<>();
    private final Map<String, Long> buttonUntil = new HashMap<>();
    private final Map<Integer, Long> flickerUntil = new HashMap<>();
    private final Map<Integer, Boolean> lastInputs = new HashMap<>();
    private final Map<String, Integer> laneCollections = new HashMap<>();
    private final LineInputs inputs;

    private long lastTick;
    private boolean estopPressed;
    private final RestartWatch restarts;
    private long lastHeartbeatToggle;
    private boolean heartbeatSeen;
    private boolean watchdogTripped;

    private int collisions;
    private int unexpectedMotion;
    private int divertMisses;
    private int watchdogTrips;
    private long version;

    public LineWorld(String lineId, LineConfig cfg, SimSettings settings, SimClock clock) {
        this.lineId = lineId;
        this.cfg = cfg;
        this.settings = settings;
        this.clock = clock;
        this.random = new Random(settings.seed());
        this.inputs = new LineInputs(cfg, segments, lanes, bags, jammedZones, buttonUntil, flickerUntil);
        for (LineConfig.Zone z : cfg.zonesOrEmpty()) {
            segments.put(z.id(), new Segment(z.id(), z.lengthMOrDefault(), z.motor(), z.next(), false,
                    z.eyeAtMOrDefault(), z.eye(), z.scale()));
            addMotor(z.motor());
        }
        LineConfig.Sorter sorter = cfg.sorter();
        if (sorter != null) {
            segments.put(LineConfig.SORTER, new Segment(LineConfig.SORTER, sorter.lengthMOrDefault(), sorter.motor(),
                    null, true, sorter.entryEyeAtMOrDefault(), sorter.entryEye(), null));
            addMotor(sorter.motor());
            sorter.divertersOrEmpty().stream().sorted(Comparator.comparingDouble(d -> d.atM() == null ? 0 : d.atM()))
                    .forEach(d -> diverters.add(new DiverterState(d)));
        }
        for (LineConfig.Lane l : cfg.lanesOrEmpty()) lanes.put(l.id(), l);
        for (LineConfig.Station s : cfg.stationsOrEmpty()) {
            stationsById.put(s.id(), s);
            stationQueues.put(s.id(), new ArrayDeque<>());
        }
        lastTick = clock.nanos();
        restarts = new RestartWatch(lastTick);
        lastHeartbeatToggle = lastTick;
        for (int pin : inputPins()) lastInputs.put(pin, inputs.level(pin, lastTick, estopPressed));
    }

    private void addMotor(PinConfig p) {
        if (p != null) motors.put(p.pin(), new Motor(p));
    }

    public String lineId() { return lineId; }

    public LineConfig config() { return cfg; }

    public synchronized void setListener(WorldListener l) {
        this.listener = l == null ? WorldListener.NONE : l;
    }

    // ---------------------------------------------------------------- pins

    /** Every input pin this line drives (eyes, e-stop, buttons), in a stable order. */
    public synchronized List<Integer> inputPins() {
        List<Integer> pins = new ArrayList<>();
        for (Segment s : segments.values()) if (s.eye != null) pins.add(s.eye.pin());
        for (LineConfig.Lane l : lanes.values()) {
            if (l.eye() != null) pins.add(l.eye().pin());
            if (l.fullEye() != null) pins.add(l.fullEye().pin());
        }
        if (cfg.estop() != null) pins.add(cfg.estop().pin());
        if (cfg.buttons() != null) {
            for (PinConfig b : new PinConfig[]{cfg.buttons().start(), cfg.buttons().stop(), cfg.buttons().reset()}) {
                if (b != null) pins.add(b.pin());
            }
        }
        return pins;
    }

    /** Every output pin the daemon drives on this line. */
    public synchronized Set<Integer> outputPins() {
        Set<Integer> pins = new HashSet<>(motors.keySet());
        for (DiverterState d : diverters) if (d.cfg.output() != null) pins.add(d.cfg.output().pin());
        for (PinConfig p : new PinConfig[]{cfg.horn(), cfg.heartbeat()}) if (p != null) pins.add(p.pin());
        for (LineConfig.SpeedPreset sp : cfg.speedPresetsOrEmpty()) if (sp.output() != null) pins.add(sp.output().pin());
        if (cfg.stackLight() != null) {
            LineConfig.StackLight sl = cfg.stackLight();
            for (PinConfig p : new PinConfig[]{sl.green(), sl.yellow(), sl.red(), sl.blue()}) if (p != null) pins.add(p.pin());
        }
        return pins;
    }

    /** Physical level of an input as the daemon would read it now. */
    public synchronized boolean input(int pin) {
        Boolean v = lastInputs.get(pin);
        return v != null && v;
    }

    /** Last physical level the daemon drove on an output (low before the first OUT). */
    public synchronized boolean output(int pin) {
        return outputs.getOrDefault(pin, false);
    }

    /** The daemon drives an output to a physical level. */
    public synchronized void setOutput(int pin, boolean high) {
        long now = clock.nanos();
        boolean was = outputs.getOrDefault(pin, false);
        outputs.put(pin, high);
        if (was == high) return;
        Motor m = motors.get(pin);
        if (m != null) {
            boolean on = high == m.pin.activeLevel();
            boolean wasOn = m.commanded;
            m.commanded = on;
            boolean othersOff = motors.values().stream().noneMatch(o -> o != m && o.commanded);
            // no power under a pressed e-stop: a command on then is no start (the daemon may not have seen
            // the press yet); the release with it still on is judged in setEstop, the latch at the next start
            if (on && !wasOn && !estopPressed && restarts.motorOnIsUnexpected(pin, othersOff, now)) {
                unexpectedMotion++;
                version++;
                log.warn("{}: unexpected motion: motor {} switched on after a latched stop without a 1 s horn warning",
                        lineId, pin);
            } else if (!on && wasOn) {
                restarts.motorOff(pin, inputs.zoneStopLatched(pin), othersOff, now);
            }
        }
        for (DiverterState d : diverters) {
            if (d.cfg.output() != null && d.cfg.output().pin() == pin) d.commanded(high == d.cfg.output().activeLevel(), now);
        }
        if (cfg.horn() != null && cfg.horn().pin() == pin) {
            restarts.horn(high == cfg.horn().activeLevel(), now, estopPressed);
        }
        if (cfg.heartbeat() != null && cfg.heartbeat().pin() == pin) {
            lastHeartbeatToggle = now;
            heartbeatSeen = true;
            if (watchdogTripped) {
                watchdogTripped = false;
                log.info("{}: heartbeat toggles again, watchdog relay closes (motor power back)", lineId);
            }
        }
    }

    /** True while the daemon commands this output "on" (its level equals the pin's active level). */
    /** The belt speed the drives run at: a selected speed preset, or their own speed. */
    private double beltSpeed() {
        for (LineConfig.SpeedPreset sp : cfg.speedPresetsOrEmpty()) {
            if (sp.mps() != null && commandedOn(sp.output())) return sp.mps();
        }
        return cfg.speedMpsOrDefault();
    }

    private boolean commandedOn(PinConfig p) {
        return p != null && outputs.getOrDefault(p.pin(), false) == p.activeLevel();
    }

    // ---------------------------------------------------------------- commands

    /** Queues a bag at a station; it is hung on as soon as there is room. */
    public synchronized void hangBag(String bag, String station, double grams, double lengthM, boolean noRead) {
        LineConfig.Station st = stationsById.get(station);
        if (st == null) throw new IllegalArgumentException("unknown station " + station + " on " + lineId
                + "; expected one of " + stationsById.keySet());
        if (bags.containsKey(bag)) throw new IllegalArgumentException("bag " + bag + " is already on " + lineId);
        if (lengthM <= 0 || grams < 0) throw new IllegalArgumentException("bag " + bag + ": lengthM must be > 0 and grams >= 0");
        double slipFactor = 1 + (random.nextDouble() * 2 - 1) * settings.slip();
        Bag b = new Bag(bag, lengthM, grams, slipFactor, noRead, st);
        b.at = BagPlace.QUEUED;
        b.since = Instant.now();
        bags.put(bag, b);
        stationQueues.get(station).add(b);
        version++;
        log.info("{}: bag {} queued at {} ({} g, {} m{})", lineId, bag, station, grams, lengthM, noRead ? ", no-read" : "");
        tryHangOn(clock.nanos());
    }

    public synchronized boolean hasStation(String station) { return stationsById.containsKey(station); }

    /** Bags queued at a station, not yet hung on. */
    public synchronized int queuedAt(String station) {
        Deque<Bag> q = stationQueues.get(station);
        if (q == null) throw new IllegalArgumentException("unknown station " + station + " on " + lineId
                + "; expected one of " + stationsById.keySet());
        return q.size();
    }

    public synchronized boolean hasZone(String zone) { return segments.containsKey(zone) && !LineConfig.SORTER.equals(zone); }

    public synchronized boolean hasLane(String lane) { return lanes.containsKey(lane); }

    public synchronized boolean hasButton(String name) { return inputs.buttonPin(name) != null; }

    /** The e-stop button: pressed drives the NC input low and removes motor power at once. */
    public synchronized void setEstop(boolean pressed) {
        long now = clock.nanos();
        if (pressed == estopPressed) return;
        estopPressed = pressed;
        version++;
        restarts.estop(pressed, now);
        if (pressed) {
            for (Motor m : motors.values()) m.fraction = 0;
            log.info("{}: e-stop pressed, motor power removed", lineId);
        } else {
            List<Integer> on = motors.values().stream().filter(m -> m.commanded).map(m -> m.pin.pin()).toList();
            if (!on.isEmpty()) {
                unexpectedMotion++;
                log.warn("{}: unexpected motion: e-stop released while motor outputs {} are still commanded on", lineId, on);
            }
            log.info("{}: e-stop released", lineId);
        }
        refreshInputs(now);
    }

    public synchronized void setJam(String zone, boolean active) {
        if (!hasZone(zone)) throw new IllegalArgumentException("unknown zone " + zone + " on " + lineId);
        boolean changed = active ? jammedZones.add(zone) : jammedZones.remove(zone);
        if (changed) {
            version++;
            log.info("{}: zone {} {}", lineId, zone, active ? "jammed (holds the bag in it)" : "freed");
        }
    }

    /** A person presses a physical button: its input is active for 300 ms. */
    public synchronized void pressButton(String name) {
        PinConfig p = inputs.buttonPin(name);
        if (p == null) throw new IllegalArgumentException("line " + lineId + " has no " + name + " button");
        long now = clock.nanos();
        buttonUntil.put(name, now + BUTTON_PRESS_NANOS);
        log.info("{}: {} button pressed", lineId, name);
        refreshInputs(now);
    }

    /** A rider takes every bag out of a lane. */
    public synchronized int collect(String lane) {
        if (!lanes.containsKey(lane)) throw new IllegalArgumentException("unknown lane " + lane + " on " + lineId);
        int n = 0;
        for (Bag b : bags.values()) {
            if (lane.equals(b.at)) {
                b.at = BagPlace.COLLECTED;
                b.since = Instant.now();
                n++;
            }
        }
        laneCollections.merge(lane, 1, Integer::sum);
        version++;
        log.info("{}: {} bags collected from {}", lineId, n, lane);
        refreshInputs(clock.nanos());
        return n;
    }

    /** The diverter of {@code lane} answers its next {@code count} actuations {@code lateMs} late, out and back (a worn valve). */
    public synchronized void lateDivert(String lane, int lateMs, int count) {
        if (lateMs < 0 || count < 0) throw new IllegalArgumentException("lateMs and count must be >= 0");
        DiverterState d = diverters.stream().filter(x -> lane.equals(x.cfg.lane())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no diverter for lane " + lane + " on " + lineId));
        d.lateNanos = lateMs * 1_000_000L;
        d.lateCycles = count;
        log.info("{}: the diverter for {} answers its next {} actuation(s) {} ms late", lineId, lane, count, lateMs);
    }

    /** A person puts a bag straight into a lane (found on the floor, put back in the wrong place). */
    public synchronized void dropIntoLane(String bag, String lane, double lengthM) {
        if (!lanes.containsKey(lane)) throw new IllegalArgumentException("unknown lane " + lane + " on " + lineId);
        if (bags.containsKey(bag)) throw new IllegalArgumentException("bag " + bag + " is already on " + lineId);
        if (lengthM <= 0) throw new IllegalArgumentException("bag " + bag + ": lengthM must be > 0");
        Bag b = new Bag(bag, lengthM, 0, 1, false, null);
        bags.put(bag, b);
        toLane(b, lane, clock.nanos(), "put by hand");
    }

    /** A person clearing a jam takes the bags lying wholly in {@code zone} off the line; returns their ids. */
    public synchronized List<String> takeOff(String zone) {
        if (!hasZone(zone)) throw new IllegalArgumentException("unknown zone " + zone + " on " + lineId);
        List<String> out = new ArrayList<>();
        for (Bag b : bags.values()) {
            if (zone.equals(b.segment) && b.front - b.lengthM >= 0) {
                b.segment = null;
                b.prev = null;
                b.at = BagPlace.TAKEN_OFF;
                b.since = Instant.now();
                out.add(b.id);
            }
        }
        if (!out.isEmpty()) {
            version++;
            log.info("{}: {} taken off zone {} by hand", lineId, out, zone);
            refreshInputs(clock.nanos());
        }
        return out;
    }

    /** Empties the line and clears every fault (jams, e-stop); counters are kept. */
    public synchronized void reset() {
        bags.clear();
        stationQueues.values().forEach(Deque::clear);
        jammedZones.clear();
        contacts.clear();
        estopPressed = false;
        version++;
        log.info("{}: reset: line emptied, faults cleared", lineId);
        refreshInputs(clock.nanos());
    }

    // ---------------------------------------------------------------- observation

    /** Grams on a scale's weigh zone and whether any of those bags is moving. */
    public record ScaleLoad(double grams, boolean moving) {}

    public synchronized ScaleLoad scaleLoad(String scaleId) {
        double g = 0;
        boolean moving = false;
        for (Bag b : bags.values()) {
            if (b.segment == null) continue;
            String centreSeg = centreSegment(b);
            Segment s = segments.get(centreSeg);
            if (s != null && scaleId.equals(s.scale)) {
                g += b.grams;
                moving |= b.lastSpeed > 1e-6;
            }
        }
        return new ScaleLoad(g, moving);
    }

    public synchronized boolean hasScale(String scaleId) {
        return segments.values().stream().anyMatch(s -> scaleId.equals(s.scale));
    }

    /** Changes whenever a bag moves to another place or a counter changes. */
    public synchronized long version() { return version; }

    public synchronized Map<String, BagPlace> bagPlaces() {
        Map<String, BagPlace> out = new LinkedHashMap<>();
        for (Bag b : bags.values()) out.put(b.id, new BagPlace(b.at, b.since, b.lane, b.laneLoad));
        return out;
    }

    /** Metres of a bag's front from its segment start (tests). */
    public synchronized double front(String bag) {
        Bag b = bags.get(bag);
        return b == null ? Double.NaN : b.front;
    }

    public synchronized int collisions() { return collisions; }

    public synchronized int unexpectedMotion() { return unexpectedMotion; }

    public synchronized int divertMisses() { return divertMisses; }

    public synchronized int watchdogTrips() { return watchdogTrips; }

    public synchronized List<String> jammed() { return List.copyOf(jammedZones); }

    public synchronized boolean estopPressed() { return estopPressed; }

    /** True when every bag rests in a lane (or was collected) and none is queued or moving. */
    public synchronized boolean settled() {
        long now = clock.nanos();
        for (Bag b : bags.values()) {
            if (b.segment != null || BagPlace.QUEUED.equals(b.at)) return false;
            if (lanes.containsKey(b.at) && now < b.laneRestNanos) return false;
        }
        return true;
    }

    /** Drive fraction 0..1 of a motor (tests). */
    public synchronized double motorFraction(int pin) {
        Motor m = motors.get(pin);
        return m == null ? 0 : m.fraction;
    }

    // ---------------------------------------------------------------- physics

    /** Advances the world to the clock's now, in steps of at most 5 ms. */
    public synchronized void tick() {
        long now = clock.nanos();
        while (now - lastTick > 0) {
            long step = Math.min(MAX_STEP_NANOS, now - lastTick);
            lastTick += step;
            step(step / 1e9, lastTick);
        }
        refreshInputs(now);
    }

    private boolean motorPower(long now) {
        if (estopPressed) return false;
        if (cfg.heartbeat() == null) return true;
        if (heartbeatSeen && !watchdogTripped && now - lastHeartbeatToggle > settings.watchdogMs() * 1_000_000L) {
            watchdogTripped = true;
            watchdogTrips++;
            version++;
            log.warn("{}: watchdog tripped: heartbeat output idle for more than {} ms, motor power removed",
                    lineId, settings.watchdogMs());
        }
        // before the first heartbeat toggle the watchdog relay has never closed
        return heartbeatSeen && !watchdogTripped;
    }

    private void step(double dt, long now) {
        boolean power = motorPower(now);
        for (Motor m : motors.values()) {
            if (!power) {
                m.fraction = 0;
                continue;
            }
            double target = m.commanded ? 1 : 0;
            int ramp = cfg.sorter() != null && cfg.sorter().motor() != null && cfg.sorter().motor().pin() == m.pin.pin() ? settings.sorterRampMs() : settings.rampMs();
            double delta = ramp <= 0 ? 1 : dt * 1000.0 / ramp;
            m.fraction = target > m.fraction ? Math.min(target, m.fraction + delta) : Math.max(target, m.fraction - delta);
        }
        for (DiverterState d : diverters) {
            boolean out = d.valveOut(commandedOn(d.cfg.output()), now);
            double delta = d.cfg.actuationMsOrDefault() <= 0 ? 1 : dt * 1000.0 / d.cfg.actuationMsOrDefault();
            d.position = out ? Math.min(1, d.position + delta) : Math.max(0, d.position - delta);
        }
        tryHangOn(now);
        List<Bag> onPath = new ArrayList<>(bags.values().stream().filter(b -> b.segment != null).toList());
        onPath.sort(Comparator.comparingDouble(this::distanceToEnd));
        for (Bag b : onPath) move(b, dt, now);
        checkMergeOverlaps();
    }

    private void move(Bag b, double dt, long now) {
        Segment seg = segments.get(b.segment);
        double v;
        // a jam sticks a bag once it lies wholly inside the zone: a bag half into the next zone is
        // still driven by that zone's motor, and a stuck bag never straddles an eye of the zone
        // behind (real snags catch a bag on the zone's own rollers)
        if (jammedZones.contains(b.segment) && b.front - b.lengthM >= 0) {
            v = 0;
        } else {
            double f = motorFraction(seg);
            if (b.front - b.lengthM < 0 && b.prev != null) f = Math.max(f, motorFraction(segments.get(b.prev)));
            v = beltSpeed() * b.slip * f;
        }
        double want = v * dt;
        Obstacle ob = obstacle(b);
        double moved = want;
        if (ob != null) {
            String key = b.id + ">" + ob.bag.id;
            if (want > 0 && want >= ob.gap) {
                moved = Math.max(0, ob.gap);
                if (ob.bag.lastSpeed <= 1e-6 && contacts.add(key)) {
                    collisions++;
                    version++;
                    log.warn("{}: collision: bag {} pushed into stopped bag {} in {}", lineId, b.id, ob.bag.id, b.segment);
                } else {
                    contacts.add(key);
                }
            } else if (ob.gap - want > CONTACT_EPS_M) {
                contacts.remove(key);
            }
        }
        b.lastSpeed = dt > 0 ? moved / dt : 0;
        if (moved <= 0) return;
        double oldCentre = b.front - b.lengthM / 2;
        b.front += moved;
        flicker(b, seg, oldCentre, b.front - b.lengthM / 2, now);
        if (b.station != null && b.segment.equals(b.station.zone()) && !b.scanned && b.front >= b.station.scanAtMOrDefault()) {
            b.scanned = true;
            String scanner = b.station.scanner();
            if (scanner != null) {
                log.info("{}: scanner {} {} at {}", lineId, scanner, b.noRead ? "sees no code on bag " + b.id : "reads " + b.id,
                        b.station.id());
                listener.scanned(scanner, b.noRead ? null : b.id);
            }
        }
        if (seg.sorter) {
            double c0 = oldCentre, c1 = b.front - b.lengthM / 2;
            for (DiverterState d : diverters) {
                double at = d.cfg.atM() == null ? 0 : d.cfg.atM();
                if (c0 < at && c1 >= at) {
                    if (d.position >= 1) {
                        toLane(b, d.cfg.lane(), now, "diverted");
                        return;
                    } else if (d.position > 0) {
                        divertMisses++;
                        version++;
                        log.warn("{}: divert miss: diverter for {} only {}% out when bag {} passed", lineId, d.cfg.lane(),
                                Math.round(d.position * 100), b.id);
                    }
                }
            }
            if (c1 >= seg.length) {
                toLane(b, cfg.sorter().runOutLaneOrDefault(), now, "ran off the sorter end");
            }
        } else if (b.front >= seg.length) {
            b.front -= seg.length;
            b.prev = seg.id;
            b.segment = seg.next;
            b.at = seg.next;
            b.since = Instant.now();
            version++;
            if (!segments.containsKey(b.segment)) {
                log.warn("{}: bag {} left {} towards unknown segment {}; dropped", lineId, b.id, seg.id, seg.next);
                b.segment = null;
            }
        }
    }

    /** c0, c1: the bag's centre before and after this step, in {@code seg}'s coordinates. */
    private void flicker(Bag b, Segment seg, double c0, double c1, long now) {
        if (!settings.flicker()) return;
        flickerAt(b, seg, c0, c1, now);
        // an eye near a zone's end sees the bag's middle after its front has moved on to the next zone
        Segment prev = b.prev == null ? null : segments.get(b.prev);
        if (prev != null) flickerAt(b, prev, c0 + prev.length, c1 + prev.length, now);
    }

    private void flickerAt(Bag b, Segment seg, double c0, double c1, long now) {
        if (seg.eye != null && c0 < seg.eyeAt && c1 >= seg.eyeAt && b.flickered.add(seg.id)) {
            flickerUntil.put(seg.eye.pin(), now + FLICKER_NANOS);
        }
    }

    private void toLane(Bag b, String lane, long now, String how) {
        b.segment = null;
        b.prev = null;
        b.at = lane;
        b.lane = lane;
        b.laneLoad = laneCollections.getOrDefault(lane, 0);
        b.since = Instant.now();
        long travel = settings.laneTravelMs() * 1_000_000L;
        long passNanos = (long) (b.lengthM / beltSpeed() * 1e9);
        b.laneEyeFrom = now + travel;
        b.laneRestNanos = now + travel + passNanos;
        version++;
        log.info("{}: bag {} {} into {}", lineId, b.id, how, lane);
    }

    private record Obstacle(Bag bag, double gap) {}

    /** The nearest bag ahead of {@code b} along its path, with the gap from b's front to its tail. */
    private Obstacle obstacle(Bag b) {
        Segment seg = segments.get(b.segment);
        Obstacle best = null;
        for (Bag o : bags.values()) {
            if (o == b || o.segment == null) continue;
            double gap;
            if (o.segment.equals(b.segment)) {
                if (seg.sorter) continue; // one belt: bags on it move together and never accumulate
                if (o.front < b.front || (o.front == b.front && o.id.compareTo(b.id) < 0)) continue;
                gap = o.front - o.lengthM - b.front;
            } else if (!seg.sorter && o.segment.equals(seg.next)) {
                double tail = o.front - o.lengthM;
                // a bag still half in the other branch of a merge does not stop this one: both push
                // into the merge point and overlap there, which checkMergeOverlaps counts
                if (!seg.id.equals(o.prev) && tail < 0) continue;
                gap = seg.length + tail - b.front;
            } else {
                continue;
            }
            if (best == null || gap < best.gap) best = new Obstacle(o, gap);
        }
        return best;
    }

    /** Two bags from different branches overlapping in a merge zone are a collision (once per pair). */
    private void checkMergeOverlaps() {
        List<Bag> path = bags.values().stream().filter(x -> x.segment != null).toList();
        for (int i = 0; i < path.size(); i++) {
            for (int j = i + 1; j < path.size(); j++) {
                Bag a = path.get(i), c = path.get(j);
                if (!a.segment.equals(c.segment) || a.prev == null || c.prev == null || a.prev.equals(c.prev)) continue;
                if (segments.get(a.segment).sorter) continue;
                double a0 = Math.max(0, a.front - a.lengthM), c0 = Math.max(0, c.front - c.lengthM);
                boolean overlap = Math.min(a.front, c.front) - Math.max(a0, c0) > CONTACT_EPS_M
                        || (a.front - a.lengthM < 0 && c.front - c.lengthM < 0);
                String key = a.id + "x" + c.id;
                if (overlap && contacts.add(key)) {
                    collisions++;
                    version++;
                    log.warn("{}: collision: bags {} and {} overlap in merge zone {}", lineId, a.id, c.id, a.segment);
                } else if (!overlap) {
                    contacts.remove(key);
                }
            }
        }
    }

    private double motorFraction(Segment s) {
        if (s == null || s.motor == null) return 0;
        Motor m = motors.get(s.motor.pin());
        return m == null ? 0 : m.fraction;
    }

    private String centreSegment(Bag b) {
        return b.front - b.lengthM / 2 < 0 && b.prev != null ? b.prev : b.segment;
    }

    /** Metres from the bag's front to the end of the sorter along its path (smaller = further downstream). */
    private double distanceToEnd(Bag b) {
        double d = 0;
        Segment s = segments.get(b.segment);
        d += s.length - b.front;
        int guard = 0;
        while (s != null && !s.sorter && guard++ < 100) {
            s = segments.get(s.next);
            if (s != null) d += s.length;
        }
        return d;
    }

    private void tryHangOn(long now) {
        for (Deque<Bag> q : stationQueues.values()) {
            Bag b = q.peek();
            if (b == null) continue;
            Segment zone = segments.get(b.station.zone());
            if (zone == null) continue;
            double need = b.lengthM + HANG_CLEARANCE_M;
            boolean free = true;
            for (Bag o : bags.values()) {
                if (o.segment == null) continue;
                if (o.segment.equals(zone.id) && o.front - o.lengthM < need) free = false;
                if (o.segment.equals(zone.next) && zone.id.equals(o.prev) && zone.length + o.front - o.lengthM < need) free = false;
            }
            if (!free) continue;
            q.poll();
            b.segment = zone.id;
            b.front = b.lengthM;
            b.at = zone.id;
            b.since = Instant.now();
            version++;
            log.info("{}: bag {} hung on at {} (zone {})", lineId, b.id, b.station.id(), zone.id);
        }
    }

    // ---------------------------------------------------------------- inputs

    private void refreshInputs(long now) {
        for (Map.Entry<Integer, Boolean> e : lastInputs.entrySet()) {
            boolean v = inputs.level(e.getKey(), now, estopPressed);
            if (v != e.getValue()) {
                e.setValue(v);
                listener.inputChanged(e.getKey(), v, now);
            }
        }
    }
}
