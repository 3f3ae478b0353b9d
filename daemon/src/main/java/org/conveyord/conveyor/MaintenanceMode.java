package org.conveyord.conveyor;

import org.conveyord.clock.ControlClock;
import org.conveyord.device.CommandResult;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.EventSink;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Maintenance mode of one line: a technician checks the I/O before a shift. Entered only on an
 * empty line without a latched e-stop; entering stops the line, and {@code start} is refused until
 * it is left. Inside it, one output can be held on ({@code io}) or one zone jogged ({@code jog}),
 * hold-to-run only: a hold lasts {@code holdMs} after its last keep-alive (a repeated command), and
 * ends at once when the e-stop is pressed, when the page's connection that started it closes, or
 * when maintenance mode ends. Anything that moves (a motor, a diverter) moves only after the horn
 * has sounded for the start warning, like every other start. Nothing resumes by itself: a hold
 * that ended needs a new command. Control thread only, except where noted.
 */
final class MaintenanceMode {
    private static final Logger log = LoggerFactory.getLogger(MaintenanceMode.class);
    /** The same audit trail the command path writes: a hold that ends without a command says why there. */
    private static final Logger audit = LoggerFactory.getLogger("conveyord.audit");
    static final long DEFAULT_HOLD_MS = 500;
    /** A hold never outlives its last keep-alive by more than this, whatever holdMs says. */
    static final long MAX_HOLD_MS = 1000;
    static final long MIN_HOLD_MS = 100;
    private static final int CLOSED_SESSIONS_KEPT = 256;

    private final LineModel line;
    private final LineLoop loop;
    private final EventSink events;
    private final Horn horn;
    private final long warnNanos;
    private final BooleanSupplier estopLatched;
    private final Runnable haltLine;
    private final Map<String, DigitalIn> inputs = new LinkedHashMap<>();     // short name -> input
    private final Map<String, DigitalOut> outputs = new LinkedHashMap<>();   // short name -> output
    private final Set<DigitalOut> motion = Collections.newSetFromMap(new IdentityHashMap<>());
    private final DigitalOut hornOut;
    private final IoInventory claimed;

    private boolean on;
    private Map<String, Boolean> inputsShown = Map.of();
    private final Map<String, Hold> holds = new LinkedHashMap<>();   // by output short name
    /** Page connections that closed: a keep-alive still on its way from one of them starts nothing. */
    private final LinkedHashSet<String> closedSessions = new LinkedHashSet<>();

    /** One output held on. {@code warning}: the horn sounds, the output is not on yet. */
    private final class Hold {
        final String output;
        final String kind;      // "io" or "jog"
        final String zone;      // jog only
        final DigitalOut out;
        final String session;   // the page connection that started it, or null (MQTT, conveyorctl)
        final long sinceNanos;
        final boolean levelBefore;
        String by;
        long holdNanos;
        long deadline;
        boolean warning;
        ControlClock.Cancellable expiry;
        ControlClock.Cancellable warnTimer;

        Hold(String output, String kind, String zone, DigitalOut out, String session, String by) {
            this.output = output;
            this.kind = kind;
            this.zone = zone;
            this.out = out;
            this.session = session;
            this.by = by;
            this.sinceNanos = loop.clock().nanos();
            this.levelBefore = out.isActive();
        }
    }

    /**
     * @param lineId       the line: stripped from pin names ({@code line-1.z1.motor} is {@code z1.motor})
     * @param claimed      every input and output the line claimed
     * @param motionOutputs what moves: held on only after the horn, and through the e-stop gate
     * @param haltLine     stops the line at once (no drain: the line is empty)
     */
    MaintenanceMode(LineModel line, LineLoop loop, EventSink events, Horn horn, IoInventory claimed, List<DigitalOut> motionOutputs,
                    BooleanSupplier estopLatched, Runnable haltLine) {
        this.line = line;
        this.events = events;
        this.loop = loop;
        this.horn = horn;
        this.warnNanos = Math.round(line.cfg.startWarningSOrDefault() * 1e9);   // the same warning as every start
        this.estopLatched = estopLatched;
        this.haltLine = haltLine;
        this.hornOut = claimed.claimedOutputs().get(line.id + ".horn");
        this.claimed = claimed;
        motion.addAll(motionOutputs);
    }

    /** The pins by short name, listed on first use: the line claims some (e-stop, buttons, lights) after this exists. */
    private void listPins() {
        if (!inputs.isEmpty() || !outputs.isEmpty()) return;
        String prefix = line.id + ".";
        claimed.inputs().forEach((name, in) -> inputs.put(shortName(prefix, name), in));
        claimed.claimedOutputs().forEach((name, out) -> outputs.put(shortName(prefix, name), out));
    }

    private static String shortName(String prefix, String name) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    boolean active() { return on; }

    /** Whether {@code out} is held on now (past its horn): the loop's motor recomputation keeps it on. */
    boolean holdsOn(DigitalOut out) {
        if (holds.isEmpty()) return false;
        for (Hold h : holds.values()) if (h.out == out && !h.warning) return true;
        return false;
    }

    // ------------------------------------------------------------------ commands

    CommandResult setMode(boolean enter, String by, String cmdId) {
        if (!enter) {
            if (!on) return CommandResult.answer(Map.of("maintenance", false));
            releaseAll("maintenance mode ended");
            on = false;
            log.info("{}: maintenance mode off by {}; the line stays stopped until start", line.id, by);
            loop.changed();
            return CommandResult.answer(Map.of("maintenance", false));
        }
        if (on) return CommandResult.answer(Map.of("maintenance", true));
        if (loop.estopActive() || estopLatched.getAsBoolean()) {
            return refused("cannot enter maintenance mode: the emergency stop is "
                    + (loop.estopActive() ? "pressed" : "latched") + "; release it and reset first");
        }
        String bags = bagsOnLine();
        if (bags != null) return refused("cannot enter maintenance mode: " + bags + "; run them off or take them off first");
        boolean wasRunning = loop.running();
        haltLine.run();
        if (wasRunning) events.emit(line.id, "stopped", Map.of("controlled", false, "reason", "maintenance"), cmdId);
        on = true;
        log.info("{}: maintenance mode on by {}; the line is stopped and start is refused until maintenance off", line.id, by);
        loop.changed();
        return CommandResult.answer(Map.of("maintenance", true));
    }

    /** {@code io}: holds {@code output} on (or releases it, {@code hold} false). */
    CommandResult io(String output, boolean hold, long holdMs, String by, String session) {
        listPins();
        // the heartbeat feeds the watchdog relay: holding it would defeat the watchdog, so it is shown, never held
        DigitalOut out = outputs.get(output);
        if (out == null || output.endsWith("heartbeat")) {
            List<String> names = outputs.keySet().stream().filter(n -> !n.endsWith("heartbeat")).toList();
            return CommandResult.error(ErrorCode.BAD_REQUEST, line.id + " has no output '" + output + "' to hold; expected one of " + names);
        }
        return holdOrRelease(output, "io", null, out, hold, holdMs, by, session);
    }

    /** {@code jog}: runs {@code zone}'s motor (or stops it, {@code hold} false). */
    CommandResult jog(String zone, boolean hold, long holdMs, String by, String session) {
        ZoneState z = line.zones.get(zone);
        if (z == null) return CommandResult.error(ErrorCode.BAD_REQUEST, line.id + " has no zone '" + zone + "'; expected one of " + line.zones.keySet());
        return holdOrRelease(shortName(line.id + ".", z.motor.name()), "jog", zone, z.motor, hold, holdMs, by, session);
    }

    private CommandResult holdOrRelease(String output, String kind, String zone, DigitalOut out, boolean hold, long holdMs,
                                        String by, String session) {
        Hold h = holds.get(output);
        if (!hold) {
            if (h != null) release(h, "released by " + by);
            return CommandResult.answer(Map.of("output", output, "on", false));
        }
        if (!on) return refused(kind + " is refused outside maintenance mode; send maintenance {\"on\":true} first");
        if (loop.estopActive() || estopLatched.getAsBoolean()) return refused(kind + " is refused: the emergency stop is latched; release it and reset first");
        String bags = bagsOnLine();
        if (bags != null) return refused(kind + " is refused: " + bags);
        if (session != null && closedSessions.contains(session)) return refused(kind + " is refused: the page connection that sent it has closed");
        if (holdMs < MIN_HOLD_MS) {
            return CommandResult.error(ErrorCode.BAD_REQUEST, "holdMs must be at least " + MIN_HOLD_MS + " (it is capped at " + MAX_HOLD_MS + "), got " + holdMs);
        }
        long effectiveMs = Math.min(holdMs, MAX_HOLD_MS);
        boolean keepAlive = h != null;
        if (h == null) {
            h = new Hold(output, kind, zone, out, session, by);
            holds.put(output, h);
            start(h);
        }
        h.by = by;
        h.holdNanos = effectiveMs * 1_000_000L;
        extend(h);
        loop.changed();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("output", output);
        if (zone != null) r.put("zone", zone);
        r.put("on", true);
        r.put("holdMs", effectiveMs);
        r.put("keepAlive", keepAlive);
        if (h.warning) r.put("hornMs", Math.max(0, (h.sinceNanos + warnNanos - loop.clock().nanos()) / 1_000_000L));
        return CommandResult.answer(r);
    }

    private void start(Hold h) {
        if (motion.contains(h.out)) {
            h.warning = true;
            log.info("{}: {} of {} by {}: sounding the horn for {} ms before it moves", line.id, h.kind, h.output, h.by, warnNanos / 1_000_000);
            h.warnTimer = loop.after(warnNanos, () -> {
                if (holds.get(h.output) != h) return;
                h.warnTimer = null;
                h.warning = false;
                log.info("{}: {} of {} moving after the horn (held by {})", line.id, h.kind, h.output, h.by);
                applyHorn();
                switchOn(h);
                loop.changed();
            });
            applyHorn();
        } else {
            log.info("{}: output {} held on by {}", line.id, h.output, h.by);
            switchOn(h);
        }
    }

    private void switchOn(Hold h) {
        if (h.out == hornOut) applyHorn();
        else if (motion.contains(h.out)) {
            loop.setMotion(h.out, true);
            loop.applyOutputs();
        } else h.out.set(true);
    }

    private void extend(Hold h) {
        if (h.expiry != null) h.expiry.cancel();
        h.deadline = loop.clock().nanos() + h.holdNanos;
        h.expiry = loop.after(h.holdNanos, () -> {
            if (holds.get(h.output) == h) release(h, "no keep-alive for " + h.holdNanos / 1_000_000 + " ms");
        });
    }

    // ------------------------------------------------------------------ what ends holds

    /** The e-stop latched: every hold ends (motion is already off through the gate), and nothing comes back by itself. */
    void estop() {
        releaseAll("emergency stop");
    }

    /** A page's live connection closed: whatever it held ends now. */
    void sessionClosed(String session) {
        closedSessions.add(session);
        if (closedSessions.size() > CLOSED_SESSIONS_KEPT) closedSessions.remove(closedSessions.iterator().next());
        for (Hold h : new ArrayList<>(holds.values())) {
            if (session.equals(h.session)) release(h, "the page connection closed");
        }
    }

    private void releaseAll(String why) {
        for (Hold h : new ArrayList<>(holds.values())) release(h, why);
    }

    private void release(Hold h, String why) {
        holds.remove(h.output);
        if (h.expiry != null) h.expiry.cancel();
        if (h.warnTimer != null) h.warnTimer.cancel();
        if (h.out == hornOut) {
            applyHorn();
        } else if (motion.contains(h.out)) {
            loop.setMotion(h.out, false);
            loop.applyOutputs();
            applyHorn();
        } else {
            h.out.set(h.levelBefore);
        }
        long heldMs = (loop.clock().nanos() - h.sinceNanos) / 1_000_000;
        audit.info("device={} action={} output={} by={} result=RELEASED reason=\"{}\" heldMs={}", line.id, h.kind, h.output, h.by, why, heldMs);
        loop.changed();
    }

    private void applyHorn() {
        boolean sound = false;
        for (Hold h : holds.values()) if (h.warning || h.out == hornOut) sound = true;
        horn.maintenance(sound);
    }

    // ------------------------------------------------------------------ checks and state

    /** Null when the line is empty, else what is on it. */
    private String bagsOnLine() {
        List<String> where = new ArrayList<>();
        for (ZoneState z : line.zoneArray()) if (z.occupied()) where.add(z.id);
        SorterBelt s = line.sorter;
        if (!s.belt.isEmpty() || !s.incoming.isEmpty() || s.atEntry != null) where.add("sorter");
        return where.isEmpty() ? null : "bags are on the line (" + String.join(", ", where) + ")";
    }

    private CommandResult refused(String why) {
        return CommandResult.error(ErrorCode.INVALID_STATE, line.id + " " + why);
    }

    /**
     * While on: every input and output by name with its level now, and the holds. Null while off
     * (the state then carries {@code maintenance:false} only). Allocates: maintenance mode only.
     */
    Map<String, Object> ioState() {
        if (!on) return null;
        listPins();
        Map<String, Boolean> in = new LinkedHashMap<>();
        inputs.forEach((name, pin) -> in.put(name, pin.isActive()));
        // not every input's edge is a change of the line's state (a lane eye, a button): the panel shows it live anyway
        if (!in.equals(inputsShown)) loop.changed();
        inputsShown = in;
        Map<String, Object> out = new LinkedHashMap<>();
        outputs.forEach((name, pin) -> out.put(name, pin.isActive()));
        List<Map<String, Object>> hs = new ArrayList<>();
        long now = loop.clock().nanos();
        for (Hold h : holds.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("output", h.output);
            m.put("kind", h.kind);
            if (h.zone != null) m.put("zone", h.zone);
            m.put("by", h.by);
            m.put("phase", h.warning ? "horn" : "on");
            m.put("releaseInMs", Math.max(0, (h.deadline - now) / 1_000_000));
            hs.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputs", in);
        m.put("outputs", out);
        m.put("holds", hs);
        return m;
    }
}
