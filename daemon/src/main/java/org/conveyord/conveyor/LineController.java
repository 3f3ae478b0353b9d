package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.clock.ThreadControlClock;
import org.conveyord.config.LineConfig;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.StatusDetail;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.EventSink;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.Gpio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The control loop of one line: its lifecycle, the commands, zero-pressure accumulation, bags
 * handed from zone to zone, the e-stop latch, and the state it publishes. The rest is done by
 * parts with their own state, each in its own file: {@link JamSupervisor} (jams),
 * {@link StationTracker} (scans and induction), {@link Checkweigh}, {@link SorterRouting} (lane
 * decisions at the sorter) and {@link LaneDelivery} (lane eyes, bag labels, order complete).
 * <p>
 * Threading: every piece of state here belongs to one thread, {@code <line>-control}. GPIO edges,
 * scanner reads, scale answers and commands are posted to it. The one exception is the e-stop:
 * its edge switches every motion output off directly through {@link SafeOutputs} on the GPIO thread
 * before the loop hears of it.
 */
public final class LineController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LineController.class);
    static final long TICK_MS = 50;

    private final String id;
    private final LineConfig cfg;
    private final IoInventory gpio;
    private final LinePeripherals peripherals;
    private final EventSink events;
    private final Device.StateListener stateListener;
    private final ControlClock clock;
    private final LineStateStore store;
    private final Map<Double, DigitalOut> speedOutputs = new LinkedHashMap<>();

    private final LineModel line;
    private final JamSupervisor jams;
    private final StationTracker stations;
    private final Checkweigh checkweigh;
    private final SorterRouting routing;
    private final LaneDelivery delivery;
    private final LineLoop loop;
    private final SensorChatter chatter;

    private SafeOutputs safe;
    private DigitalIn estopIn;
    private Horn horn;
    private MaintenanceMode maintenance;
    private ZeroPressureAccumulation accumulation;
    private LoopHealth health;
    private StackLight stackLight;
    private DigitalOut sorterMotor;
    private LineStateMirror mirror;              // state/<line> for the publisher; written after every control step

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
    private final LineFaults faults = new LineFaults();
    private boolean stateChanged;               // since the last publish(): tell the listener after the mirror
    private long tickCount;
    private volatile DeviceStatus status = DeviceStatus.offline(StatusDetail.NOT_READY, "starting");

    public LineController(String id, LineConfig cfg, Gpio gpio, LinePeripherals peripherals, EventSink events,
                          Device.StateListener stateListener) {
        this(id, cfg, gpio, peripherals, events, stateListener, new ThreadControlClock(id + "-control"), null);
    }

    /**
     * @param stateFile where orders and lane reservations are kept across restarts (null: not kept)
     */
    public LineController(String id, LineConfig cfg, Gpio gpio, LinePeripherals peripherals, EventSink events,
                          Device.StateListener stateListener, ControlClock clock, Path stateFile) {
        this.id = id;
        this.clock = clock;
        this.store = stateFile == null ? null : new LineStateStore(stateFile);
        this.cfg = cfg;
        this.gpio = new IoInventory(gpio);   // the maintenance panel lists every pin the line claims
        this.peripherals = peripherals;
        this.events = events;
        this.stateListener = stateListener;
        this.loop = new Loop();
        this.line = new LineModel(id, cfg, loop);
        LostBags lost = new LostBags(line, loop, events);
        this.stations = new StationTracker(line, loop, events, lost);
        this.jams = new JamSupervisor(line, loop, events, stations, lost);
        this.checkweigh = new Checkweigh(line, loop, events, peripherals);
        this.routing = new SorterRouting(line, loop, events);
        this.delivery = new LaneDelivery(line, loop, events, peripherals, lost);
        this.chatter = new SensorChatter(line, loop, events, this::stopLine);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Claims every pin (outputs off), listens to the inputs and starts the control loop. */
    public void start() {
        List<DigitalOut> motion = new ArrayList<>();
        Map<String, ZoneState> zones = line.zones;
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
        DigitalIn sorterEye = gpio.input(id + ".sorter.entryEye", s.entryEye(), false);
        motion.add(sorterMotor);
        for (LineConfig.Diverter d : s.divertersOrEmpty()) {
            DigitalOut out = gpio.output(id + ".diverter." + d.lane(), d.output());
            routing.add(new DiverterState(d, out));
            motion.add(out);
        }
        for (LineConfig.Lane l : cfg.lanesOrEmpty()) {
            DigitalIn eye = gpio.input(id + "." + l.id() + ".eye", l.eye(), false);
            DigitalIn full = l.fullEye() == null ? null : gpio.input(id + "." + l.id() + ".fullEye", l.fullEye(), false);
            line.lanes.put(l.id(), new LaneState(l, eye, full));
        }
        for (LineConfig.SpeedPreset sp : cfg.speedPresetsOrEmpty()) {
            speedOutputs.put(sp.mps(), gpio.output(id + ".speed." + sp.mps(), sp.output()));
        }
        horn = new Horn(cfg.horn() == null ? null : gpio.output(id + ".horn", cfg.horn()), id, loop,
                Math.round(cfg.startWarningSOrDefault() * 1e9));
        maintenance = new MaintenanceMode(line, loop, events, horn, gpio, motion, () -> estopLatched, () -> stopLine(null, null));
        accumulation = new ZeroPressureAccumulation(line, cfg, clock, delivery, horn);
        DigitalOut heartbeat = cfg.heartbeat() == null ? null : gpio.output(id + ".heartbeat", cfg.heartbeat());
        health = new LoopHealth(id, clock, heartbeat, cfg.maxLoopLagMsOrDefault() * 1_000_000L);
        stackLight = new StackLight(gpio, id, cfg.stackLight());
        estopIn = gpio.input(id + ".estop", cfg.estop(), true);
        safe = new SafeOutputs(motion, estopIn::levelNow);
        // an Error anywhere on the control thread: motion off and the heartbeat dead before the process ends
        clock.addSafetyStop(() -> {
            safe.allOff();
            health.stop();
        });
        line.indexed();
        int laneCapacity = line.lanes.values().stream().mapToInt(l -> l.cfg.capacityOrDefault()).max().orElse(4);
        mirror = new LineStateMirror(List.copyOf(zones.keySet()), List.copyOf(line.lanes.keySet()), laneCapacity);

        // listeners after every pin exists; each posts to the loop. The e-stop's is attached before
        // its level is first read (in the start-up step below), so a press in between is not lost
        estopIn.listen((active, nanos) -> {
            if (active) safe.estop();     // at once, on the GPIO thread: the loop may be busy
            post(() -> onEstop(false, nanos));
        });
        // eye edges are counted where they arrive: a chattering eye becomes one fault, not a flood of tasks
        zones.values().forEach(z -> chatter.listenToZone(z, (active, nanos) -> onZoneEye(z, active, nanos)));
        chatter.listenToLineEye("sorter", sorterEye, routing::onSorterEye);
        line.lanes.values().forEach(l -> {
            chatter.listenToLineEye(l.cfg.id(), l.eye, (active, nanos) -> { if (active) delivery.onLaneEye(l, nanos); });
            if (l.fullEye != null) l.fullEye.listen((active, nanos) -> post(() -> delivery.onLaneFull(l, active)));
        });
        for (LineConfig.Station st : cfg.stationsOrEmpty()) stations.add(st, peripherals);
        PhysicalButtons.listen(gpio, id, cfg.buttons(), this::post, () -> requestStart(null, "start button"),
                () -> requestStop(null), () -> requestReset(null, true));
        post(() -> {
            if (estopIn.isActive() || estopIn.levelNow()) latchEstop("active at start-up; release it, then reset and start", clock.nanos());
            if (store != null) store.restoreInto(id, line.orders, line.lanes, clock.nanos());
            line.readEyesAtStart();
            updateStatus();
            changed();
        });
        clock.every(() -> guarded(this::tick), TICK_MS * 1_000_000L);
        log.info("{}: {} zones, {} stations, {} diverters, {} lanes at {} m/s", id, zones.size(), stations.size(),
                routing.diverterCount(), line.lanes.size(), line.speed);
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
                horn.off();
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

    /** Maintenance mode (io, jog): control thread only, e.g. inside {@link #call}. */
    MaintenanceMode maintenance() { return maintenance; }

    /** Whether the e-stop gate lets motion outputs on (for tests of the e-stop paths). */
    boolean motionGateOpen() { return safe.gateOpen(); }

    /** Runs {@code action} on the control thread and completes with its result. */
    public CompletableFuture<CommandResult> call(Supplier<CommandResult> action) {
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        try {
            clock.execute(() -> {
                try {
                    CommandResult r = action.get();
                    publish();
                    f.complete(r);
                } catch (RuntimeException e) {
                    f.complete(CommandResult.error(ErrorCode.INTERNAL, id + " could not carry out the command (" + e.getClass().getSimpleName() + "); see the daemon log"));
                    internalFault(e);
                } catch (Error e) {
                    f.complete(CommandResult.error(ErrorCode.INTERNAL, id + " failed fatally; the daemon restarts"));
                    safe.allOff();
                    throw e;
                }
            });
        } catch (RejectedExecutionException e) {
            f.complete(CommandResult.error(ErrorCode.DEVICE_OFFLINE, id + " is shutting down"));
        }
        return f;
    }

    /** A reloaded config's jam timers, retries and check-weigh tolerances, taken between ticks (see {@link LiveLineSettings}). */
    public CompletableFuture<CommandResult> applyLive(LineConfig next) { return call(() -> { line.live = LiveLineSettings.of(next); return CommandResult.success(); }); }

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
        Optional<ZoneState> jam = jams.firstJammed();
        if (jam.isPresent()) return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot start: zone " + jam.get().id + " is jammed; clear it and reset");
        if (!gpio.connected()) return CommandResult.error(ErrorCode.DEVICE_OFFLINE, id + " cannot start: its I/O is not reachable");
        if (faults.stopTheLine()) return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot start: " + faults.summary() + "; reset is needed");
        if (maintenance.active()) return CommandResult.error(ErrorCode.INVALID_STATE, id + " cannot start: it is in maintenance mode; send maintenance {\"on\":false} first");
        if (running && !draining) return CommandResult.answer(Map.of("running", true));
        if (starting) return CommandResult.answer(Map.of("starting", true));
        starting = true;
        startCmdId = cmdId;
        long warnMs = Math.round(cfg.startWarningSOrDefault() * 1000);
        horn.lineStart(true);
        log.info("{}: start requested by {}; sounding the horn for {} ms", id, by == null ? "operator" : by, warnMs);
        startTimer = clock.schedule(() -> guarded(this::beginMotion), warnMs * 1_000_000L);
        changed();
        return CommandResult.answer(Map.of("starting", true, "warningMs", warnMs));
    }

    private void beginMotion() {
        if (!starting) return;
        starting = false;
        horn.lineStart(false);
        if (estopActive || estopLatched) return;
        running = true;
        draining = false;
        line.sorter.resume(clock.nanos());
        applyOutputs();
        events.emit(id, "started", Map.of(), startCmdId);
        log.info("{}: running", id);
        changed();
    }

    CommandResult requestStop(String cmdId) {
        if (starting) {
            starting = false;
            if (startTimer != null) startTimer.cancel();
            horn.lineStart(false);
            events.emit(id, "stopped", Map.of("controlled", true), cmdId);
            changed();
            return CommandResult.answer(Map.of("running", false));
        }
        if (!running) return CommandResult.answer(Map.of("running", false));
        running = false;
        horn.lineStopped();
        // controlled stop: zones hold their bags, the sorter finishes delivering what is on it
        draining = true;
        stopCmdId = cmdId;
        drainDeadline = clock.nanos() + (long) ((cfg.sorter().lengthMOrDefault() / line.speed + 3) * 1e9);
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
        List<ZoneState> jammed = new ArrayList<>();
        for (ZoneState z : line.zoneArray()) if (z.jammed) jammed.add(z);
        jams.clearByHand(cleared, cmdId);
        if (running) horn.warnBeforeRestarting(jammed);   // the rest runs: the freed zones wait like any start
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
        if (Math.abs(chosen - line.speed) < 1e-9) return CommandResult.answer(Map.of("speedMps", line.speed));
        long now = clock.nanos();
        // bags on the sorter: freeze their positions at the old speed, re-plan their diverts at the new one
        boolean wasMoving = line.sorter.moving;
        line.sorter.halt(now);
        double old = line.speed;
        line.speed = chosen;
        for (var e : speedOutputs.entrySet()) e.getValue().set(Math.abs(e.getKey() - chosen) < 1e-9);
        jams.speedChanged();
        delivery.speedChanged();
        if (wasMoving) line.sorter.resume(now);
        log.info("{}: speed {} -> {} m/s", id, old, chosen);
        events.emit(id, "speed-changed", Map.of("fromMps", old, "speedMps", chosen), cmdId);
        applyOutputs();
        changed();
        return CommandResult.answer(Map.of("speedMps", chosen));
    }

    CommandResult placeOrder(String order, List<OrderBook.OrderBag> bags, String dest, String cmdId) {
        if (dest != null && (!line.lanes.containsKey(dest) || dest.equals(cfg.sorter().runOutLaneOrDefault()))) {
            return CommandResult.error(ErrorCode.BAD_REQUEST, "dest '" + dest + "' is not an order lane of " + id + "; expected one of " + line.orderLaneIds());
        }
        return switch (line.orders.place(order, bags, dest, cmdId, clock.nanos())) {
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
        return delivery.collect(laneId, false, cmdId);
    }

    /** See {@link LaneDelivery#confirm}. */
    CommandResult confirm(String laneId, String cmdId) {
        return delivery.confirm(laneId, cmdId);
    }

    /** See {@link LaneDelivery#collect}. */
    CommandResult collect(String laneId, boolean partial, String cmdId) {
        return delivery.collect(laneId, partial, cmdId);
    }

    // ------------------------------------------------------------------ inputs (control thread)

    /**
     * An e-stop edge reached the loop, or the tick looks at the pin itself (pressed but not latched:
     * an edge was lost). Decided on the input's level now, not on the edge: a release that waited
     * in the queue while the button was pressed again changes nothing. {@code edgeNanos}: when the
     * input changed (the tick's own time when no edge was seen); the sorter freezes there, not when
     * this runs.
     */
    private void onEstop(boolean tick, long edgeNanos) {
        boolean active = tick ? estopActive || estopIn.levelNow() : estopIn.isActive();
        if (active == estopActive) return;
        if (!active && !safe.estopReleasedUnless(estopIn::isActive)) return;   // pressed again meanwhile
        if (active) {
            latchEstop(tick ? "found pressed by the tick (its edge was not seen)" : "pressed", edgeNanos);
        } else {
            estopActive = false;
            log.warn("{}: emergency stop released; the line stays stopped until reset and start", id);
        }
        events.emit(id, "estop", Map.of("active", active));
        updateStatus();
        changed();
    }

    private void latchEstop(String how, long edgeNanos) {
        safe.estop();
        estopActive = true;
        estopLatched = true;
        boolean wasMoving = running || starting || draining;
        notMoving();
        maintenance.estop();
        line.sorter.emergencyHalt(edgeNanos);
        log.warn("{}: EMERGENCY STOP {}{}; motion outputs off", id, how, wasMoving ? " while moving" : "");
    }

    /** A bag reached or left a zone's eye: it is handed on from zone to zone (or to the sorter). */
    private void onZoneEye(ZoneState z, boolean blocked, long nanos) {
        z.eyeBlocked = blocked;
        jams.eyeChanged(z, blocked, nanos);
        if (blocked) {
            if (z.bags.isEmpty()) {
                TrackedBag fromUpstream = z.claimedBy == null ? null : z.claimedBy.handOverEarly();
                if (fromUpstream != null) z.bags.add(fromUpstream);
                else z.bags.add(z.station != null ? stations.induct(z, nanos) : unexpectedItem(z.id));
            }
            stations.superviseArrival(z);   // the next scanned bag
            TrackedBag head = z.bags.peek();
            head.lastSeen = z.id;
            if (z.scale != null) checkweigh.weigh(z, head);
        } else {
            if (z.handedOver) {
                z.handedOver = false;          // the next eye already took this bag
            } else if (!z.bags.isEmpty()) {
                TrackedBag b = z.bags.poll();
                if (z.next != null) {
                    z.next.bags.add(b);
                    jams.expectArrival(z.next);
                } else {
                    line.sorter.incoming.add(b);
                }
            }
            if (z.next != null) {
                if (z.next.claimedBy == z) z.next.claimedBy = null;
            } else if (line.sorter.claimant == z) {
                line.sorter.claimed = false;
            }
        }
        applyOutputs();
        changed();
    }

    /**
     * Something no zone released reached an eye: tracking there can no longer be trusted. It goes
     * to exception like any unknown item, and the place gets a fault (red light, {@code fault}
     * event) until a person has looked and sent {@code reset}; the line keeps running.
     */
    private TrackedBag unexpectedItem(String where) {
        String fault = "unexpected item at " + where;
        if (faults.latch(fault)) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("reason", fault);
            f.put("zone", where);
            events.emit(id, "fault", f);
            updateStatus();
        }
        return line.unknownItem(where);
    }

    // ------------------------------------------------------------------ the periodic tick

    private void tick() {
        tickCount++;
        onEstop(true, clock.nanos());   // the backstop: an e-stop edge can be lost, its pin cannot
        long now = clock.nanos();
        health.beat();   // toggles only while the loop keeps up; the watchdog relay drops motor power otherwise
        long lost = health.takeDropped();
        if (lost > 0) stopLine(LineFaults.OVERLOAD, Map.of("reason", LineFaults.OVERLOAD, "dropped", lost));
        chatter.rearmCleared();
        stations.tick(TICK_MS * 1_000_000L);
        jams.check();
        if (running || draining) delivery.checkLost(now);   // only while the belt moves does a deadline mean anything
        if (tickCount % 1200 == 0) delivery.expireOrders(now);   // once a minute
        SorterBelt sorter = line.sorter;
        if (draining && (sorter.belt.isEmpty() && sorter.incoming.isEmpty() && sorter.atEntry == null || now > drainDeadline)) {
            draining = false;
            sorter.halt(now);
            applyOutputs();
            events.emit(id, "stopped", Map.of("controlled", true), stopCmdId);
            log.info("{}: stopped", id);
            changed();
        }
        applyOutputs();
        stackLight.show(running, starting, estopActive, estopLatched, !faults.isEmpty(), delivery.anyLaneToCheck(), (tickCount / 10) % 2 == 0);
    }

    // ------------------------------------------------------------------ outputs

    /** Recomputes every motor: each zone as {@link ZeroPressureAccumulation} says while the line moves, and the sorter. */
    private void applyOutputs() {
        boolean moving = running && !estopActive;
        for (ZoneState z : line.zoneArray()) safe.set(z.motor, moving && accumulation.zoneRuns(z) || maintenance.holdsOn(z.motor));
        boolean sorterOn = (running || draining) && !estopActive;
        if (sorterOn && !line.sorter.moving) line.sorter.resume(clock.nanos());
        safe.set(sorterMotor, sorterOn && clock.nanos() >= line.sorter.motorStartNanos || maintenance.holdsOn(sorterMotor));
    }

    // ------------------------------------------------------------------ state and helpers

    private void persist() {
        if (store != null) store.save(line.orders, line.lanes.values());
    }

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
        m.horn = horn.sounding();
        m.resetRequired = estopLatched || !faults.isEmpty();
        m.faults(faults.list());
        m.copyLine(line);
        m.stackLight(stackLight);
        m.ioConnected = gpio.connected();
        m.maintenance(maintenance.ioState());
        m.end();
    }

    private void updateStatus() {
        if (estopActive) status = DeviceStatus.fault(StatusDetail.ESTOP, "emergency stop is active");
        else if (estopLatched) status = DeviceStatus.fault(StatusDetail.ESTOP, "reset needed after emergency stop");
        else if (!faults.isEmpty()) status = DeviceStatus.fault(faults.detail(), faults.summary());
        else status = DeviceStatus.ONLINE;
    }

    /** The state changed in this step; the listener hears of it once the step is mirrored ({@link #publish}). */
    private void changed() {
        stateChanged = true;
    }

    /**
     * Ends a step: mirrors it, then tells the listener if it changed. In this order, because the
     * listener (the MQTT gateway) may read the mirror at once and count the change as published:
     * told before the mirror, it would publish the state from before the step and then nothing.
     */
    private void publish() {
        try {
            mirrorState();
        } finally {
            if (stateChanged) {
                stateChanged = false;
                stateListener.stateChanged(id);
            }
        }
    }

    /** After a failed step: publishes what it can, and never throws out of the loop. */
    private void publishAfterFailure() {
        try {
            publish();
        } catch (RuntimeException e) {
            log.error("{}: could not mirror the state after a failure: {}", id, e.toString());
        }
    }

    /** Hands {@code r} to the control thread; the queue is bounded, and what it cannot take is counted (see {@link #tick}). */
    void post(Runnable r) {
        health.post(() -> guarded(r));
    }

    /**
     * A runtime exception becomes a fault with motion off, never a dead thread. An {@link Error}
     * leaves nothing to trust: motion off here, then on to the clock, which stops the heartbeat and
     * has the process end (systemd restarts it, stopped).
     */
    private void guarded(Runnable r) {
        try {
            r.run();
            publish();
        } catch (RuntimeException e) {
            internalFault(e);
        } catch (Error e) {
            safe.allOff();
            throw e;
        }
    }

    private void internalFault(RuntimeException e) {
        log.error("{}: control loop error, stopping the line: {}", id, e.toString(), e);
        try {
            stopLine(LineFaults.INTERNAL, Map.of("reason", LineFaults.INTERNAL, "detail", e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        } catch (RuntimeException again) {
            safe.allOff();
            log.error("{}: could not latch the fault: {}", id, again.toString());
        }
        publishAfterFailure();
    }

    /**
     * A fault that stops the whole line: motion off first, the sorter model halted (its diverter
     * timers cancelled: nothing fires on a stopped belt), red light, and {@code start} refused
     * until a person resets. Latched once: a second one of the same kind adds no event.
     */
    private void stopLine(String fault, Map<String, Object> event) {
        safe.allOff();
        notMoving();
        line.sorter.halt(clock.nanos());
        if (fault != null && faults.latch(fault)) events.emit(id, "fault", event);
        updateStatus();
        changed();
    }

    /** A latched stop (e-stop or fault): neither running, starting nor draining, no start pending, the horn off. */
    private void notMoving() {
        running = false;
        starting = false;
        draining = false;
        if (startTimer != null) startTimer.cancel();
        horn.lineStopped();
    }

    /** What the line's parts get from the loop: see {@link LineLoop}. */
    private final class Loop implements LineLoop {
        @Override public ControlClock clock() { return clock; }

        @Override
        public ControlClock.Cancellable after(long delayNanos, Runnable task) {
            return clock.schedule(() -> guarded(task), delayNanos);
        }

        @Override public void post(Runnable task) { LineController.this.post(task); }
        @Override public void applyOutputs() { LineController.this.applyOutputs(); }
        @Override public void setMotion(DigitalOut out, boolean on) { safe.set(out, on); }
        @Override public void changed() { LineController.this.changed(); }
        @Override public void persist() { LineController.this.persist(); }
        @Override public boolean running() { return running; }
        @Override public boolean estopActive() { return estopActive; }
        @Override public void jamHorn(boolean on) { horn.jamRetry(on); }
        @Override public void fault(String fault) { faults.latch(fault); updateStatus(); }
        @Override public boolean hasFault(String fault) { return faults.has(fault); }
        @Override public TrackedBag unexpectedItem(String where) { return LineController.this.unexpectedItem(where); }
    }
}
