package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.clock.ThreadControlClock;
import org.conveyord.config.LineConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.EventSink;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.Gpio;
import org.conveyord.protocol.zpl.ZplLabel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The control loop of one line: zero-pressure accumulation, bag tracking from station to lane,
 * routing at the sorter, jams, start/stop/reset and the e-stop latch.
 * <p>
 * Threading: every piece of state here belongs to one thread, {@code <line>-control}. GPIO edges,
 * scanner reads, scale answers and commands are posted to it. The one exception is the e-stop:
 * its edge switches every motion output off directly through {@link SafeOutputs} on the GPIO thread
 * before the loop hears of it.
 */
public final class LineController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LineController.class);
    private static final long TICK_MS = 50;
    /** How far the measured speed of a bag on the sorter may differ from nominal (belt slip). */
    private static final double SPEED_TOLERANCE = 0.07;
    /** Head start for a diverter beyond its actuation time: timers on a busy edge box run late. */
    private static final long DIVERT_MARGIN_NANOS = LineConfig.DIVERT_HEAD_START_MS * 1_000_000L;

    private final String id;
    private final LineConfig cfg;
    private final Gpio gpio;
    private final LinePeripherals peripherals;
    private final EventSink events;
    private final Device.StateListener stateListener;
    private final ControlClock clock;
    private final LineStateStore store;
    private double speed;                       // control thread; changes only through requestSpeed
    private final Map<Double, DigitalOut> speedOutputs = new LinkedHashMap<>();

    private final Map<String, ZoneState> zones = new LinkedHashMap<>();
    private final Map<String, StationState> stations = new LinkedHashMap<>();
    private final Map<String, LaneState> lanes = new LinkedHashMap<>();
    private final List<DiverterState> diverters = new ArrayList<>();
    private final OrderBook orders = new OrderBook();
    private SafeOutputs safe;
    private DigitalIn estopIn;
    private DigitalOut horn;
    private DigitalOut heartbeat;
    private StackLight stackLight;
    private DigitalOut sorterMotor;
    private DigitalIn sorterEye;
    private final SorterBelt sorter = new SorterBelt();
    private LineStateMirror mirror;              // state/<line> for the publisher; written after every control step
    private ZoneState[] zoneArray;               // the zones and lanes again, indexed: no iterators on the control path
    private LaneState[] laneArray;
    private TrackedBag[] scratch = new TrackedBag[16];

    // line mode, control thread only
    private boolean running;
    private boolean starting;
    private ControlClock.Cancellable startTimer;
    private String startCmdId;
    private boolean draining;
    private long drainDeadline;
    private String stopCmdId;
    private boolean estopActive;
    private boolean estopLatched;
    private final List<String> faults = new ArrayList<>();
    private boolean heartbeatLevel;
    private long tickCount;
    private int generatedIds;
    private volatile DeviceStatus status = DeviceStatus.offline("starting");

    public LineController(String id, LineConfig cfg, Gpio gpio, LinePeripherals peripherals, EventSink events,
                          Device.StateListener stateListener) {
        this(id, cfg, gpio, peripherals, events, stateListener, new ThreadControlClock(id + "-control"), null);
    }

    /**
     * @param stateFile where orders and lane reservations are kept across restarts (null: not kept)
     */
    public LineController(String id, LineConfig cfg, Gpio gpio, LinePeripherals peripherals, EventSink events,
                          Device.StateListener stateListener, ControlClock clock, java.nio.file.Path stateFile) {
        this.id = id;
        this.clock = clock;
        this.store = stateFile == null ? null : new LineStateStore(stateFile);
        this.cfg = cfg;
        this.gpio = gpio;
        this.peripherals = peripherals;
        this.events = events;
        this.stateListener = stateListener;
        this.speed = cfg.speedMpsOrDefault();
    }

    // ------------------------------------------------------------------ lifecycle

    /** Claims every pin (outputs off), listens to the inputs and starts the control loop. */
    public void start() {
        List<DigitalOut> motion = new ArrayList<>();
        for (LineConfig.Zone z : cfg.zonesOrEmpty()) {
            DigitalOut motor = gpio.output(id + "." + z.id() + ".motor", z.motor());
            DigitalIn eye = gpio.input(id + "." + z.id() + ".eye", z.eye(), false);
            zones.put(z.id(), new ZoneState(z, motor, eye));
            motion.add(motor);
        }
        for (ZoneState z : zones.values()) {
            String next = z.cfg.next();
            z.next = LineConfig.SORTER.equals(next) ? null : zones.get(next);
            z.scale = z.cfg.scale();
        }
        LineConfig.Sorter s = cfg.sorter();
        sorterMotor = gpio.output(id + ".sorter.motor", s.motor());
        sorterEye = gpio.input(id + ".sorter.entryEye", s.entryEye(), false);
        motion.add(sorterMotor);
        for (LineConfig.Diverter d : s.divertersOrEmpty()) {
            DigitalOut out = gpio.output(id + ".diverter." + d.lane(), d.output());
            diverters.add(new DiverterState(d, out));
            motion.add(out);
        }
        for (LineConfig.Lane l : cfg.lanesOrEmpty()) {
            DigitalIn eye = gpio.input(id + "." + l.id() + ".eye", l.eye(), false);
            DigitalIn full = l.fullEye() == null ? null : gpio.input(id + "." + l.id() + ".fullEye", l.fullEye(), false);
            lanes.put(l.id(), new LaneState(l, eye, full));
        }
        for (LineConfig.Station st : cfg.stationsOrEmpty()) {
            ZoneState z = zones.get(st.zone());
            StationState ss = new StationState(st, z);
            z.station = st.id();
            stations.put(st.id(), ss);
        }
        for (LineConfig.SpeedPreset sp : cfg.speedPresetsOrEmpty()) {
            speedOutputs.put(sp.mps(), gpio.output(id + ".speed." + sp.mps(), sp.output()));
        }
        horn = cfg.horn() == null ? null : gpio.output(id + ".horn", cfg.horn());
        heartbeat = cfg.heartbeat() == null ? null : gpio.output(id + ".heartbeat", cfg.heartbeat());
        stackLight = new StackLight(gpio, id, cfg.stackLight());
        safe = new SafeOutputs(motion);
        estopIn = gpio.input(id + ".estop", cfg.estop(), true);

        // listeners after every pin exists; each posts to the loop
        estopIn.listen((active, nanos) -> {
            if (active) safe.estop();     // at once, on the GPIO thread: the loop may be busy
            post(() -> onEstop(active));
        });
        zones.values().forEach(z -> z.eye.listen((active, nanos) -> post(() -> onZoneEye(z, active, nanos))));
        sorterEye.listen((active, nanos) -> post(() -> onSorterEye(active, nanos)));
        lanes.values().forEach(l -> {
            l.eye.listen((active, nanos) -> { if (active) post(() -> onLaneEye(l)); });
            if (l.fullEye != null) l.fullEye.listen((active, nanos) -> post(() -> onLaneFull(l, active)));
        });
        stations.values().forEach(st -> {
            if (st.cfg.scanner() != null) {
                peripherals.onScan(st.cfg.scanner(), (code, nanos) -> post(() -> onScan(st, code, nanos)));
            }
        });
        if (cfg.buttons() != null) {
            button(cfg.buttons().start(), "start", () -> requestStart(null, "start button"));
            button(cfg.buttons().stop(), "stop", () -> requestStop(null));
            button(cfg.buttons().reset(), "reset", () -> requestReset(null, true));
        }
        post(() -> {
            estopActive = estopIn.isActive();
            if (estopActive) {
                safe.estop();
                estopLatched = true;
                log.warn("{}: emergency stop is active at start-up; release it, then reset and start", id);
            }
            restoreSavedState();
            zones.values().forEach(z -> z.eyeBlocked = z.eye.isActive());
            lanes.values().forEach(l -> l.fullEyeActive = l.fullEye != null && l.fullEye.isActive());
            for (ZoneState z : zones.values()) {
                if (z.eyeBlocked) {
                    // something sits on an eye and nobody knows what: bound for exception
                    TrackedBag b = new TrackedBag("unknown-" + z.id + "-" + (++generatedIds), null, false, true);
                    b.reason = "unknown-after-restart";
                    b.lastSeen = z.id;
                    z.bags.add(b);
                }
            }
            updateStatus();
            changed();
        });
        int laneCapacity = lanes.values().stream().mapToInt(l -> l.cfg.capacityOrDefault()).max().orElse(4);
        mirror = new LineStateMirror(List.copyOf(zones.keySet()), List.copyOf(lanes.keySet()), laneCapacity);
        zoneArray = zones.values().toArray(ZoneState[]::new);
        laneArray = lanes.values().toArray(LaneState[]::new);
        clock.every(() -> guarded(this::tick), TICK_MS * 1_000_000L);
        log.info("{}: {} zones, {} stations, {} diverters, {} lanes at {} m/s", id, zones.size(), stations.size(),
                diverters.size(), lanes.size(), speed);
    }

    private void button(org.conveyord.config.PinConfig pin, String name, Runnable action) {
        if (pin == null) return;
        DigitalIn in = gpio.input(id + ".button." + name, pin, false);
        in.listen((active, nanos) -> {
            if (active) post(() -> {
                log.info("{}: {} button pressed", id, name);
                action.run();
            });
        });
    }

    @Override
    public void close() {
        if (safe == null) {          // never started: nothing claimed
            clock.shutdown();
            return;
        }
        try {
            clock.call(() -> {
                running = false;
                starting = false;
                draining = false;
                safe.allOff();
                if (horn != null) horn.set(false);
                stackLight.off();
                return null;
            }, 2000);
        } catch (Exception e) {
            log.warn("{}: control loop did not stop cleanly ({}); switching outputs off directly", id, e.toString());
            safe.allOff();
        }
        clock.shutdown();
        if (store != null) store.close();
    }

    // ------------------------------------------------------------------ public API (any thread)

    public String id() { return id; }

    public DeviceStatus status() { return status; }

    /** Runs {@code action} on the control thread and completes with its result. */
    public CompletableFuture<CommandResult> call(Supplier<CommandResult> action) {
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        try {
            clock.execute(() -> {
                try {
                    CommandResult r = action.get();
                    mirrorState();
                    f.complete(r);
                } catch (RuntimeException e) {
                    log.error("{}: command failed inside the control loop: {}", id, e.toString());
                    f.complete(CommandResult.error(ErrorCode.INTERNAL, id + " could not carry out the command (" + e.getClass().getSimpleName() + "); see the daemon log"));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(CommandResult.error(ErrorCode.DEVICE_OFFLINE, id + " is shutting down"));
        }
        return f;
    }

    /** Completes once every order and lane change so far is on disk. */
    public CompletableFuture<Void> flushed() {
        return store == null ? CompletableFuture.completedFuture(null) : store.flushed();
    }

    /**
     * The state for {@code state/<line>}: copied from the mirror the control thread keeps (the
     * garbage is made here, on the caller's thread); copied on the control thread only if the
     * mirror stays busy.
     */
    public Map<String, Object> snapshot() {
        LineStateMirror mirrored = mirror;
        Map<String, Object> copy = mirrored == null ? null : mirrored.read(1000);
        if (copy != null) return copy;
        try {
            // on the control thread nobody writes the mirror while we read it
            return clock.call(() -> {
                mirrorState();
                return mirror.read(1);
            }, 1000);
        } catch (Exception e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("running", false);
            m.put("error", "control loop not answering");
            return m;
        }
    }

    // ------------------------------------------------------------------ commands (control thread)

    CommandResult requestStart(String cmdId, String by) {
        if (estopActive) return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot start: emergency stop is active");
        if (estopLatched) return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot start: reset is needed after the emergency stop");
        Optional<ZoneState> jam = zones.values().stream().filter(z -> z.jammed).findFirst();
        if (jam.isPresent()) return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot start: zone " + jam.get().id + " is jammed; clear it and reset");
        if (!gpio.connected()) return CommandResult.error(ErrorCode.DEVICE_OFFLINE, id + " cannot start: its I/O is not reachable");
        if (running && !draining) return CommandResult.answer(Map.of("running", true));
        if (starting) return CommandResult.answer(Map.of("starting", true));
        starting = true;
        startCmdId = cmdId;
        long warnMs = Math.round(cfg.startWarningSOrDefault() * 1000);
        if (horn != null) horn.set(true);
        log.info("{}: start requested by {}; sounding the horn for {} ms", id, by == null ? "operator" : by, warnMs);
        startTimer = clock.schedule(() -> guarded(this::beginMotion), warnMs * 1_000_000L);
        changed();
        return CommandResult.answer(Map.of("starting", true, "warningMs", warnMs));
    }

    private void beginMotion() {
        if (!starting) return;
        starting = false;
        if (horn != null) horn.set(false);
        if (estopActive || estopLatched) return;
        running = true;
        draining = false;
        sorter.resume(clock.nanos(), this);
        applyOutputs();
        events.emit(id, "started", Map.of(), startCmdId);
        log.info("{}: running", id);
        changed();
    }

    CommandResult requestStop(String cmdId) {
        if (starting) {
            starting = false;
            if (startTimer != null) startTimer.cancel();
            if (horn != null) horn.set(false);
            events.emit(id, "stopped", Map.of("controlled", true), cmdId);
            changed();
            return CommandResult.answer(Map.of("running", false));
        }
        if (!running) return CommandResult.answer(Map.of("running", false));
        running = false;
        // controlled stop: zones hold their bags, the sorter finishes delivering what is on it
        draining = true;
        stopCmdId = cmdId;
        drainDeadline = clock.nanos() + (long) ((cfg.sorter().lengthMOrDefault() / speed + 3) * 1e9);
        applyOutputs();
        changed();
        return CommandResult.answer(Map.of("running", false, "draining", true));
    }

    CommandResult requestReset(String cmdId, boolean fromButton) {
        if (estopActive) {
            return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot reset: the emergency stop is still pressed; release it first");
        }
        boolean hasButton = cfg.buttons() != null && cfg.buttons().reset() != null;
        if (estopLatched && !fromButton && hasButton && !cfg.remoteEstopResetOrDefault()) {
            return CommandResult.error(ErrorCode.FORBIDDEN, id + " was stopped by an emergency stop: someone must check the line and press its reset button");
        }
        List<String> cleared = new ArrayList<>();
        if (estopLatched) {
            estopLatched = false;
            cleared.add("estop");
        }
        for (ZoneState z : zones.values()) {
            if (z.jammed) {
                z.jammed = false;
                z.jamRetries = 0;
                z.eyeBlockedSince = clock.nanos();
                z.blockedRunNanos = 0;
                z.motorOnNanos = 0;
                cleared.add("jam " + z.id);
                jamCleared(z, false, cmdId);
                if (z.station != null) {
                    // whatever the kind, the person may have taken off bags between scanner and eye
                    forgetStationReads(stations.get(z.station), "cleared by hand");
                } else if ("arrival".equals(z.jamKind) && !z.bags.isEmpty() && !z.eyeBlocked) {
                    // the person may have taken the stuck bag off: if it does not come, it is lost,
                    // and the zone must not stay "occupied" by it and block the line behind
                    z.expectingArrival = true;
                    z.awaitingAfterReset = true;
                }
            }
        }
        faults.clear();
        log.info("{}: reset ({}) cleared {}", id, fromButton ? "button" : "remote", cleared.isEmpty() ? "nothing" : cleared);
        updateStatus();
        changed();
        return CommandResult.answer(Map.of("cleared", cleared));
    }

    CommandResult requestSpeed(double mps, String cmdId) {
        Double chosen = null;
        for (Double allowed : cfg.allowedSpeeds()) if (Math.abs(allowed - mps) < 1e-6) chosen = allowed;
        if (chosen == null) {
            return CommandResult.error(ErrorCode.BAD_REQUEST, id + " has no speed preset of " + mps + " m/s; expected one of " + cfg.allowedSpeeds());
        }
        Optional<String> problem = cfg.divertProblemAt(chosen);
        if (problem.isPresent()) {
            return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot run at " + chosen + " m/s: " + problem.get());
        }
        if (Math.abs(chosen - speed) < 1e-9) return CommandResult.answer(Map.of("speedMps", speed));
        long now = clock.nanos();
        // bags on the sorter: freeze their positions at the old speed, re-plan their diverts at the new one
        boolean wasMoving = sorter.moving;
        sorter.halt(now, this);
        double old = speed;
        speed = chosen;
        for (var e : speedOutputs.entrySet()) e.getValue().set(Math.abs(e.getKey() - chosen) < 1e-9);
        zones.values().forEach(z -> z.transitSamples = 0);   // transits measured at the old speed no longer hold
        if (wasMoving) sorter.resume(now, this);
        log.info("{}: speed {} -> {} m/s", id, old, chosen);
        events.emit(id, "speed-changed", Map.of("fromMps", old, "speedMps", chosen), cmdId);
        applyOutputs();
        changed();
        return CommandResult.answer(Map.of("speedMps", chosen));
    }

    CommandResult placeOrder(String order, List<OrderBook.OrderBag> bags, String dest, String cmdId) {
        if (dest != null && (!lanes.containsKey(dest) || dest.equals(cfg.sorter().runOutLaneOrDefault()))) {
            return CommandResult.error(ErrorCode.BAD_REQUEST, "dest '" + dest + "' is not an order lane of " + id + "; expected one of " + orderLaneIds());
        }
        return switch (orders.place(order, bags, dest, cmdId, clock.nanos())) {
            case PLACED -> {
                log.info("{}: order {} placed with {} bags{}", id, order, bags.size(), dest == null ? "" : " for " + dest);
                persist();
                changed();
                yield CommandResult.answer(Map.of("order", order, "bags", bags.size()));
            }
            case SAME_AGAIN -> CommandResult.answer(Map.of("order", order, "bags", bags.size()));
            case CONFLICT -> CommandResult.error(ErrorCode.CONFLICT, "order " + order + " was already placed with other bags or another lane");
            case BAG_IN_OTHER_ORDER -> CommandResult.error(ErrorCode.CONFLICT, "a bag of order " + order + " already belongs to another order");
        };
    }

    CommandResult collect(String laneId, String cmdId) {
        return collect(laneId, false, cmdId);
    }

    /**
     * A rider took the bags of a lane. {@code partial}: staff emptied a full lane to make room while
     * its order still has bags to come; the lane stays reserved for that order (no lane-released).
     */
    CommandResult collect(String laneId, boolean partial, String cmdId) {
        LaneState l = lanes.get(laneId);
        if (l == null) return CommandResult.error(ErrorCode.BAD_REQUEST, "'" + laneId + "' is not a lane of " + id + "; expected one of " + lanes.keySet());
        int n = l.bags.size();
        if (partial) {
            l.bags.clear();
            log.info("{}: {} emptied ({} bags); still reserved for {}", id, laneId, n, l.order);
            persist();
            applyOutputs();
            changed();
            return CommandResult.answer(Map.of("lane", laneId, "bags", n, "released", false));
        }
        String order = l.order;
        l.bags.clear();
        if (order != null) orders.release(order);
        l.order = null;
        events.emit(id, "lane-released", Map.of("lane", laneId), cmdId);
        persist();
        changed();
        return CommandResult.answer(Map.of("lane", laneId, "bags", n));
    }

    List<String> orderLaneIds() {
        return lanes.keySet().stream().filter(l -> !l.equals(cfg.sorter().runOutLaneOrDefault())).toList();
    }

    // ------------------------------------------------------------------ inputs (control thread)

    private void onEstop(boolean active) {
        if (active == estopActive) return;
        estopActive = active;
        Map<String, Object> f = Map.of("active", active);
        if (active) {
            estopLatched = true;
            boolean wasMoving = running || starting || draining;
            running = false;
            starting = false;
            draining = false;
            if (startTimer != null) startTimer.cancel();
            if (horn != null) horn.set(false);
            sorter.halt(clock.nanos(), this);
            log.warn("{}: EMERGENCY STOP pressed{}; motion outputs off", id, wasMoving ? " while moving" : "");
        } else {
            safe.estopReleased();
            log.warn("{}: emergency stop released; the line stays stopped until reset and start", id);
        }
        events.emit(id, "estop", f);
        updateStatus();
        changed();
    }

    private void onScan(StationState st, String code, long nanos) {
        PendingRead read = new PendingRead(code, nanos, st.movingNanos);
        if (st.resync != null) {
            st.resync.read(read);
            if (st.resync.readCount() > MAX_PENDING_READS * 2) abandonResync(st);   // a babbling scanner: give up, bounded
        } else {
            st.reads.add(read);
            while (st.reads.size() > MAX_PENDING_READS) st.reads.poll();   // a scanner babbling must not grow memory
        }
        if (code == null) log.info("{}: no-read at {}", id, st.cfg.id());
        superviseStationArrival(st);
    }

    /**
     * A scanned bag must reach its station zone's eye in time: the read is the station's "release".
     * The oldest pending read is the bag expected next; a bag stuck before the eye is an arrival jam
     * of the station zone, not a read that silently expires.
     */
    private void superviseStationArrival(StationState st) {
        ZoneState z = st.zone;
        boolean waiting = !st.reads.isEmpty() || (st.resync != null && st.resync.hasUnboundReads());
        if (z.expectingArrival || z.jammed || !waiting) return;
        z.expectingArrival = true;
        z.motorOnNanos = st.reads.isEmpty() ? 0 : st.movingNanos - st.reads.peek().movingNanos;
    }

    private static final int MAX_PENDING_READS = 16;

    /**
     * A person cleared a jam between a station's scanner and its eye: each bag read before may have
     * been taken off or pushed on, so none keeps its identity (each is reported lost) and the
     * station re-aligns its reads with what reaches the eye ({@link StationResync}) instead of
     * pinning a later read on a bag from before, which would shift every identity behind it.
     */
    private void forgetStationReads(StationState st, String why) {
        List<PendingRead> before = new ArrayList<>(st.reads);
        int k = st.reads.size();
        if (st.resync != null) {
            List<PendingRead> unbound = st.resync.unbound();
            before.addAll(unbound);
            k += unbound.size() + st.resync.stillToCome();
        }
        st.resync = null;
        if (k > 0) beginResync(st, k, List.of());
        readsLost(st, before, "never reached its eye (" + why + ")");
    }

    /** Up to {@code k} bags from before may still come ahead of {@code readsSoFar}: re-align from here. */
    private void beginResync(StationState st, int k, List<PendingRead> readsSoFar) {
        st.resync = new StationResync(k, readsSoFar);
        st.reads.clear();
        st.lastArrivalMoving = st.movingNanos;
    }

    /** Each read with a code is a bag the line can no longer name: {@code bag-lost} at the station. */
    private void readsLost(StationState st, java.util.Collection<PendingRead> reads, String why) {
        for (PendingRead r : reads) {
            if (r.code == null) continue;
            log.warn("{}: bag {} read at {} {}; reported lost", id, r.code, st.cfg.id(), why);
            bagLost(r.code, st.cfg.id());
        }
    }

    /** The resync has one answer left (or none): back to plain FIFO with the reads still waiting. */
    private void settleResync(StationState st) {
        StationResync r = st.resync;
        if (r == null || !(r.resolved() || r.broken())) return;
        StationResync.Resolved done = r.finish();
        st.resync = null;
        readsLost(st, done.lost(), "went to exception unnamed while its reads were re-aligned");
        st.reads.addAll(done.pending());
        log.info("{}: {} back in step{}", id, st.cfg.id(), r.broken() ? " (a bag passed the scanner unreported: every read given up)" : "");
    }

    private void abandonResync(StationState st) {
        log.warn("{}: {} gave up re-aligning its reads (too many)", id, st.cfg.id());
        List<PendingRead> unbound = st.resync.unbound();
        st.resync = null;
        readsLost(st, unbound, "was waiting while the station re-aligned");
    }

    /** {@code bag-lost} with the last place the bag was seen, and {@code order-incomplete} for its order. */
    private void bagLost(String bag, String lastSeen) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", bag);
        f.put("lastSeen", lastSeen);
        events.emit(id, "bag-lost", f);
        orders.orderOfBag(bag).ifPresent(o -> {
            Map<String, Object> of = new LinkedHashMap<>();
            of.put("order", o.id);
            of.put("dest", o.lane);
            of.put("missing", List.of(bag));
            events.emit(id, "order-incomplete", of, o.cmdId);
        });
        changed();
    }

    private void onZoneEye(ZoneState z, boolean blocked, long nanos) {
        z.eyeBlocked = blocked;
        if (z.jamRetries > 0 && !z.jammed) {
            // the bag moved again after an automatic retry: the jam is over
            jamCleared(z, true, null);
            log.info("{}: zone {} moves again after the automatic retry", id, z.id);
        }
        if (blocked) {
            z.eyeBlockedSince = nanos;
            z.blockedRunNanos = 0;
            // transits from a hand-over calibrate the window; a station's starts at a read, not a hand-over
            if (z.expectingArrival && z.station == null) recordTransit(z);
            z.expectingArrival = false;
            z.awaitingAfterReset = false;
            z.motorOnNanos = 0;
            if (z.bags.isEmpty()) {
                TrackedBag fromUpstream = takeFromFeeder(z.claimedBy);
                if (fromUpstream != null) z.bags.add(fromUpstream);
                else z.bags.add(z.station != null ? induct(stations.get(z.station), nanos) : unexpectedItem(z.id));
            }
            if (z.station != null) superviseStationArrival(stations.get(z.station));   // the next scanned bag
            TrackedBag head = z.bags.peek();
            head.lastSeen = z.id;
            if (z.scale != null) weigh(z, head);
        } else {
            if (z.handedOver) {
                z.handedOver = false;          // the next eye already took this bag
            } else if (!z.bags.isEmpty()) {
                TrackedBag b = z.bags.poll();
                if (z.next != null) {
                    z.next.bags.add(b);
                    z.next.expectingArrival = true;
                    z.next.motorOnNanos = 0;
                } else {
                    sorter.incoming.add(b);
                }
            }
            if (z.next != null) {
                if (z.next.claimedBy == z) z.next.claimedBy = null;
            } else if (sorter.claimant == z) {
                sorter.claimed = false;
            }
        }
        applyOutputs();
        changed();
    }

    /**
     * A long bag (or eyes close together) reaches the next eye before its tail clears the feeding
     * zone's eye: the bag being released by the zone that holds the claim is the one arriving.
     */
    private static TrackedBag takeFromFeeder(ZoneState feeder) {
        if (feeder == null || !feeder.eyeBlocked || feeder.handedOver || feeder.bags.isEmpty()) return null;
        feeder.handedOver = true;
        return feeder.bags.poll();
    }

    private TrackedBag induct(StationState st, long nanos) {
        // the oldest read belongs to this bag, unless the zone has moved it further since than the
        // scanner-to-eye distance (plus margin): then that read was for a bag that never got here.
        // Only motor-on time counts: a bag waiting in a stopped zone does not age its read.
        // The window outlasts the station's arrival-jam limit and one automatic retry, so a bag that
        // stuck and came free keeps its identity; a read older than that had no bag.
        long window = arrivalLimitNanos(st.zone)
                + (long) (((st.zone.cfg.eyeAtMOrDefault() - st.cfg.scanAtMOrDefault()) / speed * 2 + 1) * 1e9);
        if (st.resync == null) {
            List<PendingRead> stale = new ArrayList<>();
            while (!st.reads.isEmpty() && st.movingNanos - st.reads.peek().movingNanos > window) stale.add(st.reads.poll());
            if (!stale.isEmpty()) {
                readsLost(st, stale, "is stale: no bag reached the eye in time");
                // those bags may still come, ahead of every bag read after them: re-align, never guess
                beginResync(st, stale.size(), new ArrayList<>(st.reads));
            }
        }
        PendingRead read;
        if (st.resync != null) {
            read = st.resync.arrive().read();
            st.lastArrivalMoving = st.movingNanos;
            settleResync(st);
            if (read == null) {
                log.warn("{}: the bag at {}'s eye cannot be named after the station lost count; it goes to exception", id, st.cfg.id());
                return unknownItem(st.zone.id);
            }
        } else {
            read = st.reads.poll();
        }
        TrackedBag b;
        if (read == null || read.code == null) {
            b = new TrackedBag("noread-" + st.cfg.id() + "-" + (++generatedIds), st.cfg.id(), true, false);
            events.emit(id, "bag-noread", Map.of("station", st.cfg.id()));
        } else {
            b = new TrackedBag(read.code, st.cfg.id(), false, false);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("order", b.noRead ? null : orders.orderOfBag(b.id).map(o -> o.id).orElse(null));
        f.put("station", st.cfg.id());
        events.emit(id, "bag-inducted", f);
        return b;
    }

    /**
     * Something no zone released reached an eye: tracking there can no longer be trusted. It goes
     * to exception like any unknown item, and the place gets a fault (red light, {@code fault}
     * event) until a person has looked and sent {@code reset}; the line keeps running.
     */
    private TrackedBag unexpectedItem(String where) {
        String fault = "unexpected item at " + where;
        if (!faults.contains(fault)) {
            faults.add(fault);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("reason", fault);
            f.put("zone", where);
            events.emit(id, "fault", f);
            updateStatus();
        }
        return unknownItem(where);
    }

    private TrackedBag unknownItem(String where) {
        TrackedBag b = new TrackedBag("unknown-" + where + "-" + (++generatedIds), null, false, true);
        b.lastSeen = where;
        log.warn("{}: an item nobody inducted appeared at {}; it goes to exception", id, where);
        return b;
    }

    /**
     * At the weigh zone. A bag whose order gave an expected weight is check-weighed: the zone holds
     * it, the scale reads a stable weight, and a weight outside the tolerance (or no stable weight in
     * time) sends it to exception with reason checkweigh. Other bags are weighed on the move.
     */
    private void weigh(ZoneState z, TrackedBag bag) {
        String scaleId = z.scale;
        Double expected = expectedGrams(bag);
        if (expected == null) {
            peripherals.weigh(scaleId).whenComplete((r, err) -> post(() -> {
                if (err != null) {
                    log.warn("{}: could not weigh {} on {}: {}", id, bag.id, scaleId, err.getMessage());
                    return;
                }
                bag.grams = r.grams();
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("grams", r.grams());
                f.put("stable", r.stable());
                f.put("bag", bag.id);
                events.emit(scaleId, "weight", f);
            }));
            return;
        }
        z.weighHold = bag;
        applyOutputs();
        ControlClock.Cancellable timeout = clock.schedule(() -> guarded(() -> checkweighDone(z, bag, expected, null)),
                CHECKWEIGH_TIMEOUT_NANOS);
        peripherals.weighStable(scaleId).whenComplete((r, err) -> post(() -> {
            timeout.cancel();
            if (err != null) log.warn("{}: no stable weight for {} on {}: {}", id, bag.id, scaleId, err.getMessage());
            checkweighDone(z, bag, expected, err == null ? r : null);
        }));
    }

    private static final long CHECKWEIGH_TIMEOUT_NANOS = 8_000_000_000L;

    private void checkweighDone(ZoneState z, TrackedBag bag, double expected, LinePeripherals.Reading r) {
        if (z.weighHold != bag) return;   // already decided (timeout or answer)
        z.weighHold = null;
        double tolerance = Math.max(cfg.checkweighToleranceGramsOrDefault(), expected * cfg.checkweighTolerancePctOrDefault() / 100);
        boolean ok = r != null && r.stable() && Math.abs(r.grams() - expected) <= tolerance;
        if (r != null) bag.grams = r.grams();
        if (!ok) bag.reason = "checkweigh";
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", bag.id);
        f.put("order", orders.orderOfBag(bag.id).map(o -> o.id).orElse(null));
        f.put("expectedGrams", expected);
        f.put("grams", r == null ? null : r.grams());
        f.put("ok", ok);
        events.emit(z.scale, "checkweigh", f);
        if (!ok) log.info("{}: bag {} failed check-weigh ({} g, expected {} g +- {} g): to exception", id, bag.id,
                r == null ? "no stable weight" : r.grams(), expected, tolerance);
        applyOutputs();
        changed();
    }

    private Double expectedGrams(TrackedBag bag) {
        if (bag.noRead || bag.unknownItem) return null;
        return orders.orderOfBag(bag.id).flatMap(o -> o.bags.stream().filter(b -> b.bag().equals(bag.id)).findFirst())
                .map(OrderBook.OrderBag::grams).orElse(null);
    }

    private void onSorterEye(boolean blocked, long nanos) {
        sorter.entryBlocked = blocked;
        if (blocked) {
            sorter.entryRiseNanos = nanos;
            sorter.entryCoveredNanos = 0;
            TrackedBag b = sorter.incoming.poll();
            if (b == null) b = takeFromFeeder(sorter.claimed ? sorter.claimant : null);
            if (b == null) b = unexpectedItem("sorter");
            b.lastSeen = "sorter";
            sorter.atEntry = b;
        } else {
            TrackedBag b = sorter.atEntry;
            sorter.atEntry = null;
            sorter.lastTailNanos = nanos;
            if (b != null) {
                // measured while the belt moved only: an e-stop with a bag on the eye must not make it "long"
                double lengthM = Math.max(0.05, sorter.entryCoverNanos(nanos) / 1e9 * speed);
                route(b, lengthM, nanos);
            }
        }
        applyOutputs();
        changed();
    }

    /** Decides where a bag goes as its tail clears the sorter's entry eye, and fires the diverter in time. */
    private void route(TrackedBag b, double lengthM, long tailNanos) {
        String exception = cfg.sorter().runOutLaneOrDefault();
        String dest = exception;
        String reason = null;
        if (b.unknownItem) {
            reason = b.reason != null ? b.reason : "noread";
        } else if (b.noRead) {
            reason = "noread";
        } else if ("checkweigh".equals(b.reason)) {
            reason = "checkweigh";
        } else {
            Optional<OrderBook.Order> order = orders.orderOfBag(b.id);
            if (order.isEmpty()) {
                reason = "no-order";
            } else {
                OrderBook.Order o = order.get();
                LaneState lane = o.lane != null ? lanes.get(o.lane) : assignLane(o);
                if (lane == null) {
                    reason = "no-lane";
                } else if (lane.full()) {
                    reason = "lane-full";
                } else {
                    dest = lane.id;
                }
            }
        }
        b.dest = dest;
        b.reason = reason;
        LaneState target = lanes.get(dest);
        target.inFlight.add(b);
        DiverterState d = diverterFor(dest);
        double centreM = cfg.sorter().entryEyeAtMOrDefault() + lengthM / 2;
        SorterBelt.OnBelt ob = new SorterBelt.OnBelt(b, centreM, d, lengthM);
        sorter.belt.add(ob);
        sorter.schedule(ob, tailNanos, this);
        // the bag must reach its lane eye: allow its whole trip at the slowest plausible speed, plus margin
        double trip = cfg.sorter().lengthMOrDefault() - centreM;
        b.deadlineNanos = tailNanos + (long) ((trip / (speed * (1 - SPEED_TOLERANCE)) + 5) * 1e9);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("dest", dest);
        if (reason != null) f.put("reason", reason);
        events.emit(id, "bag-diverted", f);
    }

    private LaneState assignLane(OrderBook.Order o) {
        LaneState pick = null;
        if (o.requestedDest != null) {
            LaneState l = lanes.get(o.requestedDest);
            if (l != null && l.order == null) pick = l;
        } else {
            for (String lid : orderLaneIds()) {
                LaneState l = lanes.get(lid);
                if (l.order == null && l.bags.isEmpty() && l.inFlight.isEmpty() && !l.fullEyeActive) {
                    pick = l;
                    break;
                }
            }
        }
        if (pick != null) {
            pick.order = o.id;
            o.lane = pick.id;
            persist();
            log.info("{}: order {} gets {}", id, o.id, pick.id);
        }
        return pick;
    }

    private DiverterState diverterFor(String lane) {
        for (DiverterState d : diverters) if (d.cfg.lane().equals(lane)) return d;
        return null;
    }

    private void onLaneEye(LaneState l) {
        TrackedBag b = l.inFlight.poll();
        if (b == null) {
            log.warn("{}: {} saw a bag nobody sent there", id, l.id);
            l.bags.add("unknown");
            persist();
            changed();
            return;
        }
        sorter.belt.removeIf(ob -> ob.bag == b);
        b.lastSeen = l.id;
        l.bags.add(b.id);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bag", b.id);
        f.put("dest", l.id);
        events.emit(id, "bag-arrived", f);
        orders.orderOfBag(b.id).filter(o -> l.id.equals(o.lane)).ifPresent(o -> arrivedInOrderLane(o, b, l));
        persist();
        changed();
    }

    private void arrivedInOrderLane(OrderBook.Order o, TrackedBag b, LaneState l) {
        o.arrived.add(b.id);
        if (cfg.printer() != null) {
            try {
                String zpl = ZplLabel.bagLabel(o.id, b.id, l.id, Map.of());
                peripherals.printLabel(cfg.printer(), "label-" + b.id, zpl, o.cmdId);
            } catch (IllegalArgumentException e) {
                log.warn("{}: no label for bag {}: {}", id, b.id, e.getMessage());
            }
        }
        if (!o.complete && o.arrived.containsAll(o.bagIds())) {
            o.complete = true;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("order", o.id);
            f.put("dest", l.id);
            f.put("bags", o.bagIds());
            events.emit(id, "order-complete", f, o.cmdId);
            log.info("{}: order {} complete in {}", id, o.id, l.id);
        }
    }

    private void onLaneFull(LaneState l, boolean active) {
        l.fullEyeActive = active;
        changed();
    }

    // ------------------------------------------------------------------ the periodic tick

    private void tick() {
        tickCount++;
        long now = clock.nanos();
        if (heartbeat != null) {
            heartbeatLevel = !heartbeatLevel;   // a live loop toggles; the watchdog relay drops motor power otherwise
            heartbeat.set(heartbeatLevel);
        }
        for (StationState st : stations.values()) {
            if (!st.zone.motor.isActive()) continue;
            st.movingNanos += TICK_MS * 1_000_000L;
            if (st.resync != null) {
                st.resync.expire(st.movingNanos, st.movingNanos - st.lastArrivalMoving, arrivalLimitNanos(st.zone));
                settleResync(st);
            }
        }
        checkJams(now);
        checkLost(now);
        if (tickCount % 1200 == 0) expireOrders(now);   // once a minute
        if (draining && (sorter.belt.isEmpty() && sorter.incoming.isEmpty() && sorter.atEntry == null || now > drainDeadline)) {
            draining = false;
            sorter.halt(now, this);
            applyOutputs();
            events.emit(id, "stopped", Map.of("controlled", true), stopCmdId);
            log.info("{}: stopped", id);
            changed();
        }
        applyOutputs();
        stackLight.show(running, starting, estopActive, estopLatched, !faults.isEmpty(), (tickCount / 10) % 2 == 0);
    }

    private void checkJams(long now) {
        long sensorJam = (long) (cfg.sensorJamSOrDefault() * 1e9);
        for (ZoneState z : zones.values()) {
            if (z.jammed) continue;
            if (z.motor.isActive()) {
                z.motorOnNanos += TICK_MS * 1_000_000L;
                // only time spent pushing counts: a bag held by a stopped line is not stuck
                if (z.eyeBlocked) z.blockedRunNanos += TICK_MS * 1_000_000L;
            }
            if (z.eyeBlocked && z.blockedRunNanos > sensorJam) {
                jam(z, "sensor");
            } else if (z.expectingArrival && z.motorOnNanos > arrivalLimitNanos(z)) {
                if (z.awaitingAfterReset) missingAfterReset(z);
                else jam(z, "arrival");
            }
        }
    }

    /**
     * How long (motor-on time) a released bag may take to reach this zone's eye: from the nominal
     * speed until the zone has measured a few real transits, then from the measured transit (slip,
     * ramps and eye positions included) with half of it again plus a second as margin.
     */
    /** The bag a hand-cleared arrival jam left in a zone never came: taken off. Report it, free the zone. */
    private void missingAfterReset(ZoneState z) {
        TrackedBag b = z.bags.poll();
        z.awaitingAfterReset = false;
        z.expectingArrival = !z.bags.isEmpty();
        z.motorOnNanos = 0;
        if (b != null) {
            log.warn("{}: bag {} did not reach {}'s eye after the jam was cleared; taken off? reported lost", id, b.id, z.id);
            bagLost(b.id, b.lastSeen);
        }
        applyOutputs();
        changed();
    }

    private long arrivalLimitNanos(ZoneState z) {
        long nominal = (long) ((z.cfg.eyeAtMOrDefault() / speed + cfg.arrivalJamMarginSOrDefault()) * 1e9);
        if (z.transitSamples < 5) return nominal;
        return Math.min(nominal, (long) (z.transitEwmaNanos * 1.5) + 1_000_000_000L);
    }

    private void recordTransit(ZoneState z) {
        long sample = z.motorOnNanos;
        z.transitEwmaNanos = z.transitSamples == 0 ? sample : (long) (0.8 * z.transitEwmaNanos + 0.2 * sample);
        z.transitSamples++;
    }

    private static final long JAM_RETRY_HORN_NANOS = 1_500_000_000L;
    private static final long JAM_RETRY_PAUSE_NANOS = 1_000_000_000L;
    /** A retry is only worth it soon after the jam: later, a person is the right answer. */
    private static final long JAM_RETRY_WINDOW_NANOS = 10_000_000_000L;

    private void jam(ZoneState z, String kind) {
        z.jammed = true;
        z.jamKind = kind;
        z.expectingArrival = false;
        long now = clock.nanos();
        if (now - z.lastJamNanos > JAM_RETRY_WINDOW_NANOS * 3) z.jamRetries = 0;   // a new jam, not the same one again
        z.lastJamNanos = now;
        boolean retry = z.jamRetries < cfg.jamRetriesOrDefault() && running;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("zone", z.id);
        f.put("cleared", false);
        f.put("kind", kind);
        f.put("autoRetry", retry);
        events.emit(id, "jam", f);
        if (retry) {
            z.jamRetries++;
            log.warn("{}: {} jam in zone {}; automatic retry {} of {} after the horn and a pause", id, kind, z.id,
                    z.jamRetries, cfg.jamRetriesOrDefault());
            // a hand may be in the jam: warn first, then wait, then try once more
            if (horn != null) horn.set(true);
            clock.schedule(() -> guarded(() -> {
                if (horn != null && !starting) horn.set(false);
                clock.schedule(() -> guarded(() -> retryJam(z, now)), JAM_RETRY_PAUSE_NANOS);
            }), JAM_RETRY_HORN_NANOS);
        } else {
            faults.add("jam " + z.id);
            log.warn("{}: {} jam in zone {}; zones feeding it hold, the rest drains; a person must clear it and reset", id, kind, z.id);
            updateStatus();
        }
        changed();
    }

    private void jamCleared(ZoneState z, boolean byRetry, String cmdId) {
        z.jamRetries = 0;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("zone", z.id);
        f.put("cleared", true);
        if (byRetry) f.put("autoRetry", true);
        events.emit(id, "jam", f, cmdId);
    }

    private void retryJam(ZoneState z, long jammedAt) {
        if (!z.jammed || faults.contains("jam " + z.id)) return;
        if (!running || estopActive || clock.nanos() - jammedAt > JAM_RETRY_WINDOW_NANOS) {
            faults.add("jam " + z.id);   // too late or the line stopped: a person decides
            updateStatus();
            changed();
            return;
        }
        z.jammed = false;
        z.blockedRunNanos = 0;
        z.motorOnNanos = 0;
        z.expectingArrival = !z.bags.isEmpty() && !z.eyeBlocked;
        if (z.station != null && !z.eyeBlocked) superviseStationArrival(stations.get(z.station));
        if ("sensor".equals(z.jamKind) && !z.eyeBlocked) {
            // the bag came free during the pause (pulled on by the zone ahead): nothing left to retry
            jamCleared(z, true, null);
        }
        applyOutputs();
        changed();
    }

    private static final long ORDER_MAX_AGE_NANOS = 12L * 3600 * 1_000_000_000L;

    private void expireOrders(long now) {
        for (OrderBook.Order o : orders.expire(now, ORDER_MAX_AGE_NANOS)) {
            List<String> missing = o.bagIds().stream().filter(b -> !o.arrived.contains(b)).toList();
            log.warn("{}: order {} never got a lane in 12 h; forgotten (missing {})", id, o.id, missing);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("order", o.id);
            f.put("dest", null);
            f.put("missing", missing);
            events.emit(id, "order-incomplete", f, o.cmdId);
            persist();
        }
    }

    private void checkLost(long now) {
        if (!running && !draining) return;   // only while the belt moves does a deadline mean anything
        for (LaneState l : laneArray) {
            // rotate through the queue instead of iterating it: keeps the order, allocates nothing
            for (int k = 0, n = l.inFlight.size(); k < n; k++) {
                TrackedBag b = l.inFlight.pollFirst();
                if (b.deadlineNanos > 0 && now > b.deadlineNanos) {
                    sorter.belt.removeIf(ob -> ob.bag == b);
                    log.warn("{}: bag {} never reached {} (last seen at {})", id, b.id, l.id, b.lastSeen);
                    bagLost(b.id, b.lastSeen);
                } else {
                    l.inFlight.addLast(b);
                }
            }
        }
    }

    // ------------------------------------------------------------------ zero-pressure accumulation

    /**
     * Recomputes every motor. A zone runs while the line runs, unless its head bag sits at its eye
     * and the zone downstream cannot take it (occupied, claimed by the other branch of a merge, or
     * jammed). At a merge the upstream zone that was not served last goes first.
     */
    void applyOutputs() {
        boolean moving = running && !estopActive;
        for (ZoneState z : zones.values()) {
            boolean on = moving && !z.jammed;
            if (on && z.eyeBlocked) {
                on = mayRelease(z);
            }
            safe.set(z.motor, on);
        }
        boolean sorterOn = (running || draining) && !estopActive;
        if (sorterOn && !sorter.moving) sorter.resume(clock.nanos(), this);
        safe.set(sorterMotor, sorterOn && clock.nanos() >= sorter.motorStartNanos);
    }

    private boolean mayRelease(ZoneState z) {
        if (z.handedOver) return true;        // its bag is already half into the next zone: keep pushing
        if (z.weighHold != null) return false; // standing still on the scale for a stable weight
        ZoneState d = z.next;
        if (d == null) {
            if (holdsForFullLane(z)) return false;
            if (sorter.claimed && sorter.claimant != z) return false;
            long gap = (long) (cfg.sorter().minGapMOrDefault() / speed * 1e9);
            boolean free = !sorter.entryBlocked && sorter.incoming.isEmpty()
                    && clock.nanos() - sorter.lastTailNanos >= gap;
            if (free) {
                sorter.claimed = true;
                sorter.claimant = z;
            }
            return free || (sorter.claimed && sorter.claimant == z);
        }
        if (d.jammed || d.occupied()) return false;
        if (d.claimedBy != null && d.claimedBy != z) return false;
        if (d.claimedBy == null) {
            // merge fairness: if another upstream zone is also waiting and this one went last, let it go first
            for (ZoneState other : zones.values()) {
                if (other != z && other.next == d && other.eyeBlocked && !other.jammed && d.lastGranted == z) return false;
            }
            d.claimedBy = z;
            d.lastGranted = z;
        }
        return true;
    }

    /**
     * With {@code laneFull: hold}, the zone before the sorter keeps a bag whose order's lane is full
     * until staff make room (a partial {@code collect}, or the lane-full eye clearing); the zones
     * behind accumulate. Only a bag whose order already has its lane is held: a new order gets a
     * free lane when it reaches the sorter, or exception with no-lane.
     */
    private boolean holdsForFullLane(ZoneState z) {
        if (!cfg.holdsForFullLane() || sorter.claimant == z && sorter.claimed) return false;
        TrackedBag head = z.bags.peek();
        LaneState lane = null;
        if (head != null && !head.noRead && !head.unknownItem && !"checkweigh".equals(head.reason)) {
            lane = orders.orderOfBag(head.id).map(o -> o.lane == null ? null : lanes.get(o.lane)).orElse(null);
        }
        boolean hold = lane != null && lane.full();
        if (hold && z.heldFor == null) {
            log.warn("{}: holds bag {} at {}: {} is full; empty it and send collect with \"partial\":true", id, head.id, z.id, lane.id);
            z.heldFor = lane.id;
            changed();
        } else if (!hold && z.heldFor != null) {
            log.info("{}: {} has room again; bag at {} goes on", id, z.heldFor, z.id);
            z.heldFor = null;
            changed();
        }
        return hold;
    }

    // ------------------------------------------------------------------ persistence

    private void persist() {
        if (store == null) return;
        List<LineStateStore.OrderRecord> os = new ArrayList<>();
        for (OrderBook.Order o : orders.all()) {
            os.add(new LineStateStore.OrderRecord(o.id, o.bags, o.requestedDest, o.cmdId, o.lane, List.copyOf(o.arrived), o.complete));
        }
        List<LineStateStore.LaneRecord> ls = new ArrayList<>();
        for (LaneState l : lanes.values()) ls.add(new LineStateStore.LaneRecord(l.id, l.order, List.copyOf(l.bags)));
        store.save(new LineStateStore.Snapshot(os, ls));
    }

    private void restoreSavedState() {
        if (store == null) return;
        store.load().ifPresent(snap -> {
            for (LineStateStore.OrderRecord o : snap.orders()) {
                orders.restore(o.id(), o.bags(), o.requestedDest(), o.cmdId(), o.lane(), o.arrived(), o.complete(), clock.nanos());
            }
            for (LineStateStore.LaneRecord lr : snap.lanes()) {
                LaneState l = lanes.get(lr.id());
                if (l == null) {
                    log.warn("{}: saved lane {} is no longer configured; its reservation is dropped", id, lr.id());
                    continue;
                }
                l.order = lr.order();
                l.bags.addAll(lr.bags());
            }
            log.info("{}: restored {} orders and {} reserved lanes from the last run", id, snap.orders().size(),
                    snap.lanes().stream().filter(l -> l.order() != null).count());
        });
    }

    // ------------------------------------------------------------------ state and helpers

    /**
     * Copies the state into the mirror, on the control thread, without allocating: plain fields
     * and preallocated arrays (the faults list is replaced only when it changes).
     */
    private void mirrorState() {
        LineStateMirror m = mirror;
        if (m == null) return;
        m.begin();
        m.running = running;
        m.starting = starting;
        m.stopping = draining;
        m.estop = estopActive;
        m.estopLatched = estopLatched;
        m.resetRequired = estopLatched || !faults.isEmpty();
        if (!sameFaults(m.faults)) m.faults = List.copyOf(faults);
        m.speedMps = speed;
        int inTransit = 0;
        for (int i = 0; i < zoneArray.length; i++) {
            ZoneState z = zoneArray[i];
            m.zoneOccupied[i] = z.occupied();
            m.zoneMotor[i] = z.motor.isActive();
            m.zoneJammed[i] = z.jammed;
            m.zoneTransitMs[i] = z.transitSamples > 0 ? z.transitEwmaNanos / 1_000_000 : -1;
            m.zoneHeldFor[i] = z.heldFor;
            int n = z.bags.size();
            if (n > scratch.length) scratch = new TrackedBag[n * 2];
            z.bags.toArray(scratch);   // fills the scratch array in place: no allocation
            m.zoneBags(i, scratch, n);
            inTransit += n;
        }
        inTransit += sorter.incoming.size() + sorter.belt.size() + (sorter.atEntry != null ? 1 : 0);
        for (int i = 0; i < laneArray.length; i++) {
            LaneState l = laneArray[i];
            int n = l.inFlight.size();
            if (n > scratch.length) scratch = new TrackedBag[n * 2];
            l.inFlight.toArray(scratch);
            for (int k = 0; k < n; k++) if (!sorter.carries(scratch[k])) inTransit++;
            m.laneOrder[i] = l.order;
            m.laneBags(i, l.bags);
            m.laneFull[i] = l.full();
        }
        m.bagsInTransit = inTransit;
        m.ordersOpen = orders.size();
        m.green = stackLight.green();
        m.yellow = stackLight.yellow();
        m.red = stackLight.red();
        m.blue = stackLight.blue();
        m.ioConnected = gpio.connected();
        m.end();
    }

    private boolean sameFaults(List<String> published) {
        if (published.size() != faults.size()) return false;
        for (int i = 0; i < faults.size(); i++) if (!faults.get(i).equals(published.get(i))) return false;
        return true;
    }

    private void updateStatus() {
        DeviceStatus s;
        if (estopActive) s = DeviceStatus.fault("emergency stop is active");
        else if (estopLatched) s = DeviceStatus.fault("reset needed after emergency stop");
        else if (!faults.isEmpty()) s = DeviceStatus.fault(String.join(", ", faults));
        else s = DeviceStatus.ONLINE;
        if (!s.equals(status)) {
            status = s;
        }
    }

    private void changed() {
        stateListener.stateChanged(id);
    }

    void post(Runnable r) {
        try {
            clock.execute(() -> guarded(r));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: inputs after close are of no interest
        }
    }

    /** The control loop must survive anything: a failure becomes a fault with motion off, never a dead thread. */
    private void guarded(Runnable r) {
        try {
            r.run();
            mirrorState();
        } catch (RuntimeException e) {
            log.error("{}: control loop error, stopping the line: {}", id, e.toString(), e);
            running = false;
            starting = false;
            draining = false;
            safe.allOff();
            if (!faults.contains("internal error")) faults.add("internal error");
            Map<String, Object> f = Map.of("reason", "internal error: " + e.getClass().getSimpleName());
            events.emit(id, "fault", f);
            updateStatus();
            changed();
        }
    }

    ControlClock clock() { return clock; }

    void guardedRun(Runnable r) { guarded(r); }

    double speed() { return speed; }

    SafeOutputs safe() { return safe; }

    // ------------------------------------------------------------------ small parts

    record PendingRead(String code, long nanos, long movingNanos) {}

    static final class StationState {
        final LineConfig.Station cfg;
        final ZoneState zone;
        final ArrayDeque<PendingRead> reads = new ArrayDeque<>();
        long movingNanos;             // motor-on time of the station's zone: the clock reads age by
        StationResync resync;         // non-null while reads and arrivals are being re-aligned
        long lastArrivalMoving;       // movingNanos at the last arrival while re-aligning

        StationState(LineConfig.Station cfg, ZoneState zone) {
            this.cfg = cfg;
            this.zone = zone;
        }
    }

    static final class DiverterState {
        final LineConfig.Diverter cfg;
        final DigitalOut out;
        int holds;   // bags currently needing it out; it retracts when none does

        DiverterState(LineConfig.Diverter cfg, DigitalOut out) {
            this.cfg = cfg;
            this.out = out;
        }
    }

    // diverter timing lives in SorterBelt; these give it what it needs
    void diverterHold(DiverterState d, boolean hold) {
        d.holds = Math.max(0, d.holds + (hold ? 1 : -1));
        safe.set(d.out, d.holds > 0);
    }

    static double speedTolerance() { return SPEED_TOLERANCE; }

    static long divertMarginNanos() { return DIVERT_MARGIN_NANOS; }
}
