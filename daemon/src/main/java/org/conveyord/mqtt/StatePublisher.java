package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.node.BoxHealth;
import org.conveyord.node.BuildInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import static org.conveyord.mqtt.EventPublisher.TS;

/**
 * The retained {@code state/<device>} and {@code status}, and the periodic {@code telemetry}.
 *
 * <p>State is coalesced to at most one publish per device per {@link #STATE_MIN_INTERVAL}, and the
 * last change in any window is always published (the trailing edge): a change marks the device
 * dirty, and the flush reads the device's state at publish time, so a change that arrives while a
 * flush waits is carried by that flush, and one that arrives after the read marks the device dirty
 * again. A device may also notify a little before the copy it serves is refreshed (a controller
 * that notifies inside a step and fills its mirror after it); so one interval after each flush the
 * state is read once more and published again if it differs from what went out. Without that, the
 * retained state could show an old copy until the next change, for seconds.
 *
 * <p>Threading: {@link #stateChanged} runs on any thread and only marks and hops; everything else on
 * the gateway thread.
 */
final class StatePublisher {

    private static final Logger log = LoggerFactory.getLogger(StatePublisher.class);

    static final Duration STATE_MIN_INTERVAL = Duration.ofMillis(100);

    /** What the retained status says about this run of the daemon. */
    record NodeFacts(BuildInfo build, String bootId, String configSha256, Instant started) {}

    /** The numbers telemetry reports that other parts of the gateway count. */
    record Counters(LongSupplier uptimeS, LongSupplier eventsSent, LongSupplier eventsDropped,
                    LongSupplier commandsHandled) {}

    private final String base;
    private final NodeFacts facts;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final SeqStore seqStore;
    private final Outbox outbox;
    private final int outboxMaxMb;
    private final Supplier<Map<String, Device>> devices;
    private final BooleanSupplier clockSynced;
    private final Supplier<BoxHealth.Snapshot> box;
    private final Counters counters;
    private final GatewayLoop loop;

    /** The sha-256 of the config in force: the loaded one, then each one a reload applied. */
    private volatile String configHash;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicLong statePublishes = new AtomicLong();

    // gateway thread only
    private final Map<String, Long> lastPublishNanos = new HashMap<>();
    /** What went out last per device, without {@code asOfSeq} (which moves with every event). */
    private final Map<String, ObjectNode> lastPublished = new HashMap<>();
    private final Set<String> recheckScheduled = new HashSet<>();
    private String lastStatusKey = "";
    private int lastFillDecile;

    StatePublisher(String base, NodeFacts facts, Clock clock, ObjectMapper mapper, SeqStore seqStore, Outbox outbox,
                   int outboxMaxMb, Supplier<Map<String, Device>> devices, BooleanSupplier clockSynced,
                   Supplier<BoxHealth.Snapshot> box, Counters counters, GatewayLoop loop) {
        this.base = base;
        this.facts = facts;
        this.configHash = facts.configSha256();
        this.clock = clock;
        this.mapper = mapper;
        this.seqStore = seqStore;
        this.outbox = outbox;
        this.outboxMaxMb = outboxMaxMb;
        this.devices = devices;
        this.clockSynced = clockSynced;
        this.box = box;
        this.counters = counters;
        this.loop = loop;
    }

    long statePublishes() { return statePublishes.get(); }

    /** Any thread: a reloaded config is in force (the next status carries its hash). */
    void configApplied(String sha256) { this.configHash = sha256; }

    // ------------------------------------------------------------------ state

    /** Any thread: the device's state changed. */
    void stateChanged(String deviceId) {
        if (!devices.get().containsKey(deviceId)) {
            log.debug("stateChanged for unregistered device {}", deviceId);
            return;
        }
        if (dirty.add(deviceId)) loop.hop(() -> scheduleFlush(deviceId));
    }

    private void scheduleFlush(String id) {
        long wait = nanosUntilNextPublishAllowed(id);
        if (wait <= 0) flush(id);
        else loop.schedule(() -> flush(id), Duration.ofNanos(wait));
    }

    private long nanosUntilNextPublishAllowed(String id) {
        Long last = lastPublishNanos.get(id);
        return last == null ? 0 : last + STATE_MIN_INTERVAL.toNanos() - System.nanoTime();
    }

    private void flush(String id) {
        // cleared before the state is read: a change from here on schedules the next flush
        if (!dirty.remove(id)) return;
        if (!loop.isConnected()) return; // republished in full on connect
        Device d = devices.get().get(id);
        if (d == null) return;
        publishState(d);
        recheckLater(id);
        publishStatus(false);
    }

    private void recheckLater(String id) {
        if (recheckScheduled.add(id)) loop.schedule(() -> recheck(id), STATE_MIN_INTERVAL);
    }

    /**
     * One interval after the last flush: the device's state as it is now, published if it is not what went
     * out (the device's copy was refreshed after its notification). A pending flush covers it otherwise.
     * Once per notified change, never again after its own publish: a device whose state drifts without
     * notifications (nothing does today) must not turn this into 10 Hz polling.
     */
    private void recheck(String id) {
        long wait = nanosUntilNextPublishAllowed(id);
        if (wait > 0) { // a later flush went out: a full interval after that one
            loop.schedule(() -> recheck(id), Duration.ofNanos(wait));
            return;
        }
        recheckScheduled.remove(id);
        if (dirty.contains(id) || !loop.isConnected()) return;
        Device d = devices.get().get(id);
        if (d == null) return;
        ObjectNode now = stateJson(d, 0);
        if (now == null) return;
        now.remove("asOfSeq");
        if (now.equals(lastPublished.get(id))) return;
        log.debug("state/{} changed after its last publish without a new notification: publishing it again", id);
        publishState(d);
    }

    /** On every (re)connect: each device's state as it is now. */
    void publishAllStates() {
        for (Device d : devices.get().values()) {
            dirty.remove(d.id());
            publishState(d);
            recheckLater(d.id());
        }
    }

    private void publishState(Device d) {
        long asOfSeq = seqStore.last(); // before the snapshot: the state reflects at least the events up to here
        ObjectNode n = stateJson(d, asOfSeq);
        if (n == null) return;
        lastPublishNanos.put(d.id(), System.nanoTime());
        byte[] payload = n.toString().getBytes(StandardCharsets.UTF_8);
        // the tree itself, without asOfSeq, is what the recheck compares with: no copy of it is kept
        n.remove("asOfSeq");
        lastPublished.put(d.id(), n);
        statePublishes.incrementAndGet();
        loop.transport().publish(base + "/state/" + d.id(), payload, 1, true);
    }

    /** The state payload, or null (logged) when the device fails to give its state. */
    private ObjectNode stateJson(Device d, long asOfSeq) {
        Map<String, Object> snapshot;
        DeviceStatus st;
        try {
            snapshot = d.state();
            st = d.status();
        } catch (RuntimeException e) {
            log.error("Device {} failed to give its state ({}); state/{} not published", d.id(), e.toString(), d.id());
            return null;
        }
        ObjectNode n = mapper.createObjectNode();
        if (snapshot != null) snapshot.forEach((k, v) -> n.set(k, tree(v)));
        n.put("asOfSeq", asOfSeq);
        ObjectNode s = n.putObject("status");
        s.put("state", st.state().name());
        s.put("reason", st.reason() == null ? "" : st.reason());
        s.put("detail", st.detail().name());
        return n;
    }

    /**
     * The JSON tree of a state value. Maps, lists, strings, numbers and booleans (what a device's
     * state is made of) are built directly: {@code valueToTree} goes through a token buffer and
     * made most of the gateway's garbage at 10 state publishes a second (JFR, bench.jar control).
     * Anything else is left to Jackson.
     */
    private JsonNode tree(Object v) {
        JsonNodeFactory f = mapper.getNodeFactory();
        if (v == null) return f.nullNode();
        if (v instanceof String str) return f.textNode(str);
        if (v instanceof Boolean b) return f.booleanNode(b);
        if (v instanceof Integer i) return f.numberNode(i);
        if (v instanceof Long l) return f.numberNode(l);
        if (v instanceof Double x) return f.numberNode(x);
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            m.forEach((k, x) -> o.set(String.valueOf(k), tree(x)));
            return o;
        }
        if (v instanceof List<?> list) {
            ArrayNode a = f.arrayNode(list.size());
            for (Object x : list) a.add(tree(x));
            return a;
        }
        return mapper.valueToTree(v);
    }

    // ------------------------------------------------------------------ status

    private String statusState() {
        for (Device d : devices.get().values()) {
            DeviceStatus st;
            try {
                st = d.status();
            } catch (RuntimeException e) {
                return "degraded";
            }
            if (st == null || !st.isOnline()) return "degraded";
        }
        if (!box.get().healthy()) return "degraded";
        return outbox.fill() >= 0.8 ? "degraded" : "online";
    }

    /** A log line each time the outbox crosses a tenth of its cap upwards from 80 % (and once when it is back below). */
    private void checkOutboxFill() {
        double fill = outbox.fill();
        int decile = (int) Math.floor(fill * 10);
        if (decile >= 8 && decile > lastFillDecile) {
            log.warn("Outbox {} % full ({} MiB of {} MiB, {} messages waiting for the broker): status is degraded;"
                            + " at 100 % the oldest events are dropped", Math.round(fill * 100), outbox.bytesOnDisk() >> 20,
                    outboxMaxMb, outbox.size());
        } else if (decile < 8 && lastFillDecile >= 8) {
            log.info("Outbox back to {} % full ({} messages waiting)", Math.round(fill * 100), outbox.size());
        }
        lastFillDecile = decile;
    }

    /** The retained status payload; also the Will ("offline"). Any thread. */
    byte[] statusJson(String state) {
        ObjectNode n = mapper.createObjectNode();
        n.put("state", state);
        n.put("contract", MqttGateway.CONTRACT);
        n.put("version", facts.build().version());
        n.put("bootId", facts.bootId());
        n.put("lastSeq", seqStore.last());
        n.put("config", configHash);
        n.put("configHash", configHash);
        n.put("clockSynced", clockSynced.getAsBoolean());
        n.put("outboxFillPct", Math.round(outbox.fill() * 1000) / 10.0);
        n.put("outboxCorruptRecords", outbox.corruptRecords());
        n.set("box", mapper.valueToTree(box.get().toMap()));
        n.put("started", TS.format(facts.started()));
        n.put("ts", TS.format(clock.instant()));
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Publishes the retained status when it changed (or always with {@code force}). Gateway thread. */
    void publishStatus(boolean force) {
        checkOutboxFill();
        if (!loop.isConnected() || loop.isStopping()) return;
        String state = statusState();
        boolean synced = clockSynced.getAsBoolean();
        String key = state + "/" + synced + "/" + box.get().active();
        if (!force && key.equals(lastStatusKey)) return;
        if (!key.equals(lastStatusKey)) log.info("Node status {} (clockSynced {})", state, synced);
        lastStatusKey = key;
        loop.transport().publish(base + "/status", statusJson(state), 1, true);
    }

    // ------------------------------------------------------------------ telemetry

    void publishTelemetry() {
        if (!loop.isConnected()) return;
        ObjectNode n = mapper.createObjectNode();
        n.put("ts", TS.format(clock.instant()));
        n.put("uptimeS", counters.uptimeS().getAsLong());
        n.put("eventsSent", counters.eventsSent().getAsLong());
        n.put("lastSeq", seqStore.last());
        n.put("outboxLength", outbox.size());
        n.put("outboxBytes", outbox.bytesOnDisk());
        n.put("outboxFillPct", Math.round(outbox.fill() * 1000) / 10.0);
        n.put("outboxCorruptRecords", outbox.corruptRecords());
        n.put("eventsDropped", counters.eventsDropped().getAsLong());
        n.put("commandsHandled", counters.commandsHandled().getAsLong());
        n.put("statePublishes", statePublishes.get());
        n.put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        n.set("box", mapper.valueToTree(box.get().toMap()));
        ObjectNode devs = n.putObject("devices");
        devices.get().values().forEach(d -> {
            DeviceStatus st = d.status();
            ObjectNode s = devs.putObject(d.id());
            s.put("state", st.state().name());
            s.put("reason", st.reason() == null ? "" : st.reason());
            s.put("detail", st.detail().name());
        });
        loop.transport().publish(base + "/telemetry", n.toString().getBytes(StandardCharsets.UTF_8), 0, false);
    }
}
