package org.conveyord.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.EventSink;
import org.conveyord.ops.BuildInfo;
import org.conveyord.ops.ClockSyncProbe;
import org.conveyord.ops.NodeDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The daemon's MQTT side, implementing mqtt-api.md: status, state, events, commands and replies,
 * telemetry. Threading: all of its own work runs on one thread ("mqtt-gateway"), so connection,
 * outbox cursor, coalescer and command bookkeeping need no locks. The entry points other threads call
 * ({@link #events()}, {@link #stateListener()}, transport callbacks) only append, mark or hand over,
 * and never block on I/O. The shared {@code scheduler} only triggers periodic work, which then hops
 * onto the gateway thread.
 */
public final class MqttGateway {

    private static final Logger log = LoggerFactory.getLogger(MqttGateway.class);
    /** One line per command: device, action, id, by, result code. Route it to its own file in logback if wanted. */
    private static final Logger audit = LoggerFactory.getLogger("conveyord.audit");

    public static final int CONTRACT = 1;
    static final Set<String> MOTION_ACTIONS = Set.of("start", "reset", "speed", "jog");
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Duration STATE_MIN_INTERVAL = Duration.ofMillis(100);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REPLY_TTL = Duration.ofSeconds(60);
    private static final Duration STALE_STATE_WINDOW = Duration.ofSeconds(1);
    private static final Duration KICK_WINDOW = Duration.ofSeconds(5);
    private static final int KICKS_BEFORE_ERROR = 3;
    /** Unacknowledged publishes at a time: throttles a replay after an outage, keeps order. */
    static final int WINDOW = 200;
    /** A device that has not answered this long after our TIMEOUT reply is forgotten (a retry then runs again). */
    private static final Duration LATE_ANSWER_LIMIT = Duration.ofMinutes(10);

    private final ConveyordConfig cfg;
    private final MqttConfig mqtt;
    private final String configSha256;
    private final BuildInfo build;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final String base;
    private final String clientId;
    private final String bootId = UUID.randomUUID().toString();
    private final String eventIdPrefix;
    private final Instant started;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ReplyJson replies = new ReplyJson(mapper);
    private final NodeDevice node;
    private final java.util.function.BooleanSupplier clockSyncCheck;
    private final Function<PahoMqttTransport.Options, MqttTransport> transportFactory;

    private final ScheduledExecutorService loop;
    private final ExecutorService io;
    private final SeqStore seqStore;
    private final Outbox outbox;
    private final CommandReplyCache replyCache;
    private final CommandRateLimiter rateLimiter;
    private final int maxCommandBytes;

    // written by register() before start(), read anywhere: copy-on-write
    private volatile Map<String, Device> devices = Map.of();

    // events: seq assignment and outbox append happen together, so the outbox is in seq order
    private final Object eventLock = new Object();
    // filled by the outbox's drop listener, which may run inside eventLock or on the gateway thread
    private final Object dropLock = new Object();
    private long droppedFrom = -1;
    private long droppedTo = -1;
    private final AtomicLong eventsDropped = new AtomicLong();

    private final Set<String> dirtyStates = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean startedOnce = new AtomicBoolean();
    private final AtomicBoolean pumpQueued = new AtomicBoolean();
    private final java.util.concurrent.ConcurrentLinkedQueue<Ack> acks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean acksQueued = new AtomicBoolean();
    private volatile boolean clockSynced;
    private volatile boolean connected;
    private final AtomicLong eventsSent = new AtomicLong();
    private final AtomicLong commandsHandled = new AtomicLong();
    private final AtomicLong statePublishes = new AtomicLong();
    private volatile int connectFailures;

    // gateway thread only
    private MqttTransport transport;
    private final ReconnectBackoff backoff = ReconnectBackoff.standard();
    private int generation;
    private long connectedAtNanos;
    private int quickDrops;
    private boolean firstConnectDone;
    private long cursor;
    private int inFlight;
    private String lastStatusKey = "";
    private int lastFillDecile;
    private final Map<String, Long> lastStatePublishNanos = new HashMap<>();
    private final Map<String, Pending> pending = new HashMap<>();
    private Set<String> retainedStateTopics; // non-null while collecting stale state/* after the first connect
    private CompletableFuture<Void> drained;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    /** @param timedOut the caller got TIMEOUT; the real answer is cached when (if) it comes */
    private record Pending(String canonical, CompletableFuture<byte[]> reply, boolean timedOut, long sinceNanos) {}

    public MqttGateway(ConveyordConfig cfg, String configSha256, BuildInfo build, ScheduledExecutorService scheduler,
                       Clock clock) {
        this(cfg, configSha256, build, scheduler, clock, PahoMqttTransport::new, new ClockSyncProbe()::check);
    }

    /**
     * @param transportFactory the seam for another client library or for TLS socket factories
     * @param clockSyncCheck   whether the clock is NTP-synchronised; may block up to ~2 s (runs on the io thread)
     */
    MqttGateway(ConveyordConfig cfg, String configSha256, BuildInfo build, ScheduledExecutorService scheduler,
                Clock clock, Function<PahoMqttTransport.Options, MqttTransport> transportFactory,
                java.util.function.BooleanSupplier clockSyncCheck) {
        this.clockSyncCheck = clockSyncCheck;
        this.cfg = cfg;
        this.mqtt = cfg.mqttOrDefault();
        this.configSha256 = configSha256;
        this.build = build;
        this.scheduler = scheduler;
        this.clock = clock;
        this.transportFactory = transportFactory;
        this.base = cfg.mqttBase();
        this.clientId = mqtt.prefixOrDefault() + "-" + cfg.site() + "-" + cfg.node();
        this.eventIdPrefix = cfg.node() + "-" + bootId.substring(0, 8) + "-";
        this.started = clock.instant();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "mqtt-gateway"));
        this.io = Executors.newSingleThreadExecutor(r -> daemonThread(r, "mqtt-io"));
        Path stateDir = cfg.stateDirOrDefault();
        try {
            this.seqStore = SeqStore.open(stateDir, 1000, io);
            this.replyCache = CommandReplyCache.open(stateDir, clock, Duration.ofHours(24), 10_000);
            MqttConfig.OutboxConfig ob = mqtt.outboxOrDefault();
            this.outbox = DurableOutbox.open(stateDir, DurableOutbox.Settings.of((long) ob.maxMbOrDefault() << 20,
                    DurableOutbox.Fsync.fromConfig(ob.fsyncOrDefault()), ob.fsyncIntervalMsOrDefault()), this::onOutboxDrop);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the state directory " + stateDir.toAbsolutePath()
                    + " (" + e.getMessage() + "); it must be writable by the daemon (config key stateDir)", e);
        }
        MqttConfig.CommandsConfig cc = mqtt.commandsOrDefault();
        this.rateLimiter = new CommandRateLimiter(cc.perSenderPerSecondOrDefault(), cc.perSecondOrDefault(), System::nanoTime);
        this.maxCommandBytes = cc.maxPayloadBytesOrDefault();
        this.node = new NodeDevice(build, bootId, clock, () -> List.copyOf(devices.values()));
        register(node);
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ------------------------------------------------------------------ public API

    public EventSink events() { return this::emit; }

    public Device.StateListener stateListener() { return this::stateChanged; }

    /** Before {@link #start()}: each configured device (the node device is registered already). */
    public synchronized void register(Device d) {
        if (devices.containsKey(d.id())) throw new IllegalArgumentException("device '" + d.id() + "' is registered twice");
        Map<String, Device> copy = new LinkedHashMap<>(devices);
        copy.put(d.id(), d);
        devices = java.util.Collections.unmodifiableMap(copy);
    }

    /** Returns at once; connects in the background and keeps reconnecting until {@link #stop()}. */
    public void start() {
        if (!startedOnce.compareAndSet(false, true)) return;
        String url = mqtt.url() == null ? MqttConfig.defaults().url() : mqtt.url();
        javax.net.SocketFactory socketFactory = null;
        boolean verifyHostname = true;
        if (url.startsWith("ssl://")) {
            try {
                socketFactory = TlsSocketFactories.fromPem(mqtt.tls());
            } catch (IllegalArgumentException e) {
                log.error("MQTT TLS set-up failed: {}", e.getMessage());
                throw new IllegalStateException(e.getMessage(), e);
            }
            verifyHostname = mqtt.tls().verifyHostnameOrDefault();
            if (!verifyHostname) log.warn("mqtt.tls.verifyHostname is false: the broker's certificate name is not checked");
        } else if (!url.startsWith("tcp://")) {
            String msg = "mqtt.url " + url + " must start with tcp:// or ssl://";
            log.error(msg);
            throw new IllegalStateException(msg);
        }
        String user = null;
        char[] password = null;
        if (mqtt.credentialsFile() != null) {
            Path f = org.conveyord.systemd.Credentials.resolve("mqtt.credentialsFile", mqtt.credentialsFile(), System.getenv());
            try {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                if (lines.size() < 2 || lines.get(0).isBlank()) {
                    throw new IllegalStateException("mqtt.credentialsFile " + f + " must hold the username on line 1 and the password on line 2");
                }
                user = lines.get(0).strip();
                password = lines.get(1).strip().toCharArray();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read mqtt.credentialsFile " + f + ": " + e.getClass().getSimpleName(), e);
            }
        }
        byte[] will = statusJson("offline");
        transport = transportFactory.apply(new PahoMqttTransport.Options(url, clientId, mqtt.keepAliveSOrDefault(),
                base + "/status", will, user, password, 1000, socketFactory, verifyHostname));
        transport.setListener(new MqttTransport.Listener() {
            @Override
            public void messageArrived(String topic, byte[] payload, boolean retained) {
                hop(() -> onMessage(topic, payload, retained));
            }

            @Override
            public void connectionLost(Throwable cause) {
                hop(() -> onConnectionLost(cause));
            }
        });
        log.info("MQTT gateway {} (version {}, commit {}, bootId {}) connecting to {} as {}", base, build.version(),
                build.commit(), bootId, url, clientId);
        io.execute(this::checkClock);
        int telemetryS = Math.max(1, mqtt.telemetryIntervalSOrDefault());
        timers.add(scheduler.scheduleAtFixedRate(() -> hop(this::publishTelemetry), telemetryS, telemetryS, TimeUnit.SECONDS));
        timers.add(scheduler.scheduleAtFixedRate(() -> io.execute(this::checkClock), 60, 60, TimeUnit.SECONDS));
        timers.add(scheduler.scheduleAtFixedRate(() -> hop(() -> publishStatus(false)), 1, 1, TimeUnit.SECONDS));
        hop(this::attemptConnect);
    }

    public boolean isConnected() { return connected; }

    /** Runs {@code task} on the gateway thread every {@code periodMs} (the watchdog's progress beat). */
    public void everyOnLoop(Runnable task, long periodMs) {
        loop.scheduleWithFixedDelay(task, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Unacknowledged publishes at a time ({@link #WINDOW}), for the benchmark's report. */
    public static int window() { return WINDOW; }

    /**
     * Emits {@code node/stopping}, publishes the retained status "offline", waits up to ~2 s for the
     * outbox to drain, then disconnects (with DISCONNECT, so the broker keeps our offline status
     * rather than the Will). Idempotent; blocks the caller for at most ~3 s.
     */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) return;
        emit(NodeDevice.ID, "stopping", Map.of(), null);
        timers.forEach(t -> t.cancel(false));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        CompletableFuture<CompletableFuture<Void>> offline = new CompletableFuture<>();
        CompletableFuture<Void> drain = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                if (connected) {
                    offline.complete(transport.publish(base + "/status", statusJson("offline"), 1, true));
                    drained = drain;
                    pump();
                    if (outbox.size() == 0) drain.complete(null);
                } else {
                    offline.complete(CompletableFuture.completedFuture(null));
                    drain.complete(null);
                }
            });
            offline.get(2, TimeUnit.SECONDS).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            drain.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("MQTT stop: {} messages not acknowledged within 2 s; they stay in the outbox and are sent after the restart",
                    outbox.size());
        } catch (Exception e) {
            log.warn("MQTT stop: could not publish the offline status: {}", e.toString());
        }
        try {
            loop.submit(() -> {
                connected = false;
                generation++;
                if (transport != null) {
                    transport.disconnect(500);
                    transport.close();
                }
            }).get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("MQTT stop: disconnect did not finish cleanly: {}", e.toString());
        }
        loop.shutdownNow();
        io.shutdown();
        replyCache.close();
        outbox.close();
        try {
            seqStore.close();
        } catch (IOException e) {
            log.warn("Could not record the last event seq on shutdown ({}); the next start skips a block of seqs", e.toString());
        }
        log.info("MQTT gateway {} stopped; last event seq {}", base, seqStore.last());
    }

    /** Drops the TCP connection without DISCONNECT, so the broker publishes the Will; then reconnects as after a network cut. */
    public void killConnectionForTest() {
        hop(() -> {
            if (transport == null) return;
            transport.dropConnection();
            onConnectionLost(new IOException("connection dropped on purpose (killConnectionForTest)"));
        });
    }

    /** {@code <prefix>/<site>/<node>}. */
    public String base() { return base; }

    public String bootId() { return bootId; }

    /** How many retained {@code state/*} messages were published so far (telemetry and tests). */
    public long statePublishes() { return statePublishes.get(); }

    /** Failed connect attempts since the last success (tests wait on it to line up an outage). */
    int connectFailures() { return connectFailures; }

    // ------------------------------------------------------------------ events

    private long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        long seq;
        synchronized (eventLock) {
            seq = seqStore.next();
            byte[] payload;
            try {
                payload = eventJson(seq, device, type, fields, cmdId);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("event " + device + "/" + type + " has fields JSON cannot hold: " + e.getMessage(), e);
            }
            try {
                outbox.append(base + "/event/" + device + "/" + type, payload, null);
                seqStore.stored(seq);
            } catch (RuntimeException e) {
                // disk full or gone, or emitted after stop(): the seq is spent, so report it as dropped
                seqStore.stored(seq);
                log.error("Event {}/{} seq {} could not be stored in the outbox: {}", device, type, seq, e.getMessage());
                noteDropped(seq);
                return seq;
            }
        }
        // one queued pump for any number of events appended meanwhile (at 20,000 events/s a hop each would be wasted)
        if (pumpQueued.compareAndSet(false, true)) {
            hop(() -> {
                pumpQueued.set(false);
                pump();
            });
        }
        return seq;
    }

    private static final Set<String> ENVELOPE = Set.of("id", "seq", "ts", "device", "type", "cmdId");

    /**
     * The event envelope and fields, written straight to bytes (no tree: this runs for every event,
     * inside the event lock). A field named like an envelope key replaces it, as it always did.
     */
    private byte[] eventJson(long seq, String device, String type, Map<String, Object> fields, String cmdId) throws IOException {
        if (fields != null && !java.util.Collections.disjoint(fields.keySet(), ENVELOPE)) {
            ObjectNode n = mapper.createObjectNode();
            n.put("id", eventIdPrefix + seq);
            n.put("seq", seq);
            n.put("ts", TS.format(clock.instant()));
            n.put("device", device);
            n.put("type", type);
            fields.forEach((k, v) -> n.set(k, mapper.valueToTree(v)));
            if (cmdId != null) n.put("cmdId", cmdId);
            return mapper.writeValueAsBytes(n);
        }
        // one generator for every event (inside the event lock), writing into one buffer: creating a
        // generator per event was the biggest cost of emit()
        if (eventGen == null) {
            eventOut = new com.fasterxml.jackson.core.util.ByteArrayBuilder(512);
            eventGen = EVENT_JSON.createGenerator(eventOut);
            eventGen.setCodec(mapper);
        }
        var g = eventGen;
        eventOut.reset();
        try {
            g.writeStartObject();
            g.writeStringField("id", eventIdPrefix + seq);
            g.writeNumberField("seq", seq);
            g.writeStringField("ts", eventTs());
            g.writeStringField("device", device);
            g.writeStringField("type", type);
            if (fields != null) {
                for (Map.Entry<String, Object> f : fields.entrySet()) {
                    g.writeFieldName(f.getKey());
                    switch (f.getValue()) {
                        case null -> g.writeNull();
                        case String v -> g.writeString(v);
                        case Integer v -> g.writeNumber(v);
                        case Long v -> g.writeNumber(v);
                        case Boolean v -> g.writeBoolean(v);
                        default -> mapper.writeValue(g, f.getValue());
                    }
                }
            }
            if (cmdId != null) g.writeStringField("cmdId", cmdId);
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException e) {
            eventGen = null; // half an object written: start the next event on a fresh generator
            throw e;
        }
        return eventOut.toByteArray();
    }

    /** No separator between root values: each event is taken out of the buffer on its own. */
    private static final com.fasterxml.jackson.core.JsonFactory EVENT_JSON =
            new com.fasterxml.jackson.core.JsonFactoryBuilder().rootValueSeparator((String) null).build();
    // guarded by eventLock
    private com.fasterxml.jackson.core.JsonGenerator eventGen;
    private com.fasterxml.jackson.core.util.ByteArrayBuilder eventOut;
    private long eventTsMillis = Long.MIN_VALUE;
    private String eventTsText;

    /** The event time as text, formatted once per millisecond. Inside eventLock. */
    private String eventTs() {
        long now = clock.millis();
        if (now != eventTsMillis) {
            eventTsText = TS.format(Instant.ofEpochMilli(now));
            eventTsMillis = now;
        }
        return eventTsText;
    }

    /** Called by the outbox at its cap, on the appending thread (inside {@link #emit}'s lock or on the gateway thread). */
    private void onOutboxDrop(Outbox.Entry e) {
        if (!e.topic().startsWith(base + "/event/")) return;
        long seq;
        try {
            seq = mapper.readTree(e.payload()).path("seq").asLong(-1);
        } catch (IOException ex) {
            return;
        }
        noteDropped(seq);
    }

    private void noteDropped(long seq) {
        eventsDropped.incrementAndGet();
        synchronized (dropLock) {
            if (droppedFrom < 0 || seq < droppedFrom) droppedFrom = seq;
            droppedTo = Math.max(droppedTo, seq);
        }
        hop(this::reportDrops);
    }

    /** One {@code events-dropped} per run of drops (the hops queued by further drops find nothing left). */
    private void reportDrops() {
        if (stopping.get()) return;
        long from;
        long to;
        synchronized (dropLock) {
            if (droppedFrom < 0) return;
            from = droppedFrom;
            to = droppedTo;
            droppedFrom = droppedTo = -1;
        }
        log.error("Outbox full ({} MiB on disk): dropped the oldest events, seq {}..{}", outbox.bytesOnDisk() >> 20, from, to);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fromSeq", from);
        f.put("toSeq", to);
        emit(NodeDevice.ID, "events-dropped", f, null);
    }

    /** Sends outbox entries in order, at most {@link #WINDOW} unacknowledged at a time. Gateway thread. */
    private void pump() {
        if (!connected) return;
        Instant now = clock.instant();
        while (inFlight < WINDOW) {
            List<Outbox.Entry> batch = outbox.after(cursor, WINDOW - inFlight);
            if (batch.isEmpty()) break;
            for (Outbox.Entry e : batch) {
                cursor = e.id();
                if (e.expired(now)) {
                    outbox.remove(e.id());
                    continue;
                }
                inFlight++;
                int gen = generation;
                transport.publish(e.topic(), e.payload(), 1, false)
                        .whenComplete((v, err) -> {
                            // PUBACKs complete on the transport's reader thread: hand them over in bulk, one hop per burst
                            acks.add(new Ack(gen, e, err));
                            if (acksQueued.compareAndSet(false, true)) hop(this::drainAcks);
                        });
            }
        }
        checkDrained();
    }

    private record Ack(int gen, Outbox.Entry entry, Throwable err) {}

    /** Gateway thread: every PUBACK (or failure) that arrived since the last drain, then one pump. */
    private void drainAcks() {
        acksQueued.set(false);
        for (Ack a; (a = acks.poll()) != null; ) onPublished(a.gen(), a.entry(), a.err());
        pump();
    }

    private void onPublished(int gen, Outbox.Entry e, Throwable err) {
        if (err == null) {
            outbox.remove(e.id());
            if (e.topic().startsWith(base + "/event/")) eventsSent.incrementAndGet();
        }
        if (gen != generation) return;
        inFlight--;
        if (err != null) {
            // Not a lost connection (that is reported separately): restart the session so the
            // outbox is resent from its first unacknowledged entry, keeping seq order.
            log.warn("MQTT publish on {} failed: {}; reconnecting to resend in order", e.topic(), err.toString());
            transport.dropConnection();
            onConnectionLost(err);
        }
    }

    private void checkDrained() {
        if (drained != null && outbox.size() == 0) drained.complete(null);
    }

    // ------------------------------------------------------------------ state

    private void stateChanged(String deviceId) {
        if (!devices.containsKey(deviceId)) {
            log.debug("stateChanged for unregistered device {}", deviceId);
            return;
        }
        if (dirtyStates.add(deviceId)) hop(() -> scheduleStateFlush(deviceId));
    }

    private void scheduleStateFlush(String id) {
        Long last = lastStatePublishNanos.get(id);
        long wait = last == null ? 0 : last + STATE_MIN_INTERVAL.toNanos() - System.nanoTime();
        if (wait <= 0) {
            flushState(id);
        } else {
            try {
                loop.schedule(() -> flushState(id), wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        }
    }

    private void flushState(String id) {
        if (!dirtyStates.remove(id)) return;
        if (!connected) return; // republished in full on connect
        Device d = devices.get(id);
        if (d == null) return;
        publishState(d);
        publishStatus(false);
    }

    private void publishState(Device d) {
        long asOfSeq = seqStore.last(); // before the snapshot: the state reflects at least the events up to here
        Map<String, Object> snapshot;
        DeviceStatus st;
        try {
            snapshot = d.state();
            st = d.status();
        } catch (RuntimeException e) {
            log.error("Device {} failed to give its state ({}); state/{} not published", d.id(), e.toString(), d.id());
            return;
        }
        ObjectNode n = mapper.createObjectNode();
        if (snapshot != null) snapshot.forEach((k, v) -> n.set(k, mapper.valueToTree(v)));
        n.put("asOfSeq", asOfSeq);
        ObjectNode s = n.putObject("status");
        s.put("state", st.state().name());
        s.put("reason", st.reason() == null ? "" : st.reason());
        lastStatePublishNanos.put(d.id(), System.nanoTime());
        statePublishes.incrementAndGet();
        transport.publish(base + "/state/" + d.id(), n.toString().getBytes(StandardCharsets.UTF_8), 1, true);
    }

    // ------------------------------------------------------------------ status and telemetry

    private String statusState() {
        for (Device d : devices.values()) {
            DeviceStatus st;
            try {
                st = d.status();
            } catch (RuntimeException e) {
                return "degraded";
            }
            if (st == null || !st.isOnline()) return "degraded";
        }
        return outbox.fill() >= 0.8 ? "degraded" : "online";
    }

    /** A log line each time the outbox crosses a tenth of its cap upwards from 80 % (and once when it is back below). */
    private void checkOutboxFill() {
        double fill = outbox.fill();
        int decile = (int) Math.floor(fill * 10);
        if (decile >= 8 && decile > lastFillDecile) {
            log.warn("Outbox {} % full ({} MiB of {} MiB, {} messages waiting for the broker): status is degraded;"
                            + " at 100 % the oldest events are dropped", Math.round(fill * 100), outbox.bytesOnDisk() >> 20,
                    mqtt.outboxOrDefault().maxMbOrDefault(), outbox.size());
        } else if (decile < 8 && lastFillDecile >= 8) {
            log.info("Outbox back to {} % full ({} messages waiting)", Math.round(fill * 100), outbox.size());
        }
        lastFillDecile = decile;
    }

    private byte[] statusJson(String state) {
        ObjectNode n = mapper.createObjectNode();
        n.put("state", state);
        n.put("contract", CONTRACT);
        n.put("version", build.version());
        n.put("bootId", bootId);
        n.put("lastSeq", seqStore.last());
        n.put("config", configSha256);
        n.put("clockSynced", clockSynced);
        n.put("outboxFillPct", Math.round(outbox.fill() * 1000) / 10.0);
        n.put("outboxCorruptRecords", outbox.corruptRecords());
        n.put("started", TS.format(started));
        n.put("ts", TS.format(clock.instant()));
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Publishes the retained status when it changed (or always with {@code force}). Gateway thread. */
    private void publishStatus(boolean force) {
        checkOutboxFill();
        if (!connected || stopping.get()) return;
        String state = statusState();
        String key = state + "/" + clockSynced;
        if (!force && key.equals(lastStatusKey)) return;
        if (!key.equals(lastStatusKey)) log.info("Node status {} (clockSynced {})", state, clockSynced);
        lastStatusKey = key;
        transport.publish(base + "/status", statusJson(state), 1, true);
    }

    private void checkClock() {
        boolean synced = clockSyncCheck.getAsBoolean();
        if (synced != clockSynced) {
            clockSynced = synced;
            hop(() -> publishStatus(false));
        }
    }

    private void publishTelemetry() {
        if (!connected) return;
        ObjectNode n = mapper.createObjectNode();
        n.put("ts", TS.format(clock.instant()));
        n.put("uptimeS", node.uptimeS());
        n.put("eventsSent", eventsSent.get());
        n.put("lastSeq", seqStore.last());
        n.put("outboxLength", outbox.size());
        n.put("outboxBytes", outbox.bytesOnDisk());
        n.put("outboxFillPct", Math.round(outbox.fill() * 1000) / 10.0);
        n.put("outboxCorruptRecords", outbox.corruptRecords());
        n.put("eventsDropped", eventsDropped.get());
        n.put("commandsHandled", commandsHandled.get());
        n.put("statePublishes", statePublishes.get());
        n.put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        ObjectNode devs = n.putObject("devices");
        devices.values().forEach(d -> {
            DeviceStatus st = d.status();
            ObjectNode s = devs.putObject(d.id());
            s.put("state", st.state().name());
            s.put("reason", st.reason() == null ? "" : st.reason());
        });
        transport.publish(base + "/telemetry", n.toString().getBytes(StandardCharsets.UTF_8), 0, false);
    }

    // ------------------------------------------------------------------ connection

    private void attemptConnect() {
        if (stopping.get() || connected) return;
        transport.connect().whenComplete((v, err) -> hop(() -> {
            if (err == null) onConnected();
            else onConnectFailed(err);
        }));
    }

    private void onConnectFailed(Throwable err) {
        if (stopping.get()) return;
        Duration delay = backoff.nextDelay();
        connectFailures = backoff.failures();
        var problem = ConnectFailures.configProblem(err, transport.describe());
        if (problem.isPresent()) {
            log.error("MQTT connect failed: {}; retrying in {} ms", problem.get(), delay.toMillis());
        } else {
            log.warn("MQTT connect to {} failed: {}; retrying in {} ms", transport.describe(), describe(err), delay.toMillis());
        }
        scheduleOnLoop(this::attemptConnect, delay);
    }

    private void onConnected() {
        if (stopping.get()) {
            transport.disconnect(500);
            return;
        }
        connected = true;
        connectFailures = 0;
        generation++;
        connectedAtNanos = System.nanoTime();
        cursor = 0;
        inFlight = 0;
        log.info("MQTT connected to {}", transport.describe());
        transport.subscribe(base + "/cmd/+/+", 1).whenComplete((v, err) -> {
            if (err != null) hop(() -> log.error("MQTT subscribe to {}/cmd/+/+ failed: {}; commands will not arrive until the next reconnect",
                    base, describe(err)));
        });
        boolean first = !firstConnectDone;
        firstConnectDone = true;
        if (first) collectStaleStates();
        publishStatus(true);
        for (Device d : devices.values()) {
            dirtyStates.remove(d.id());
            publishState(d);
        }
        if (first) emit(NodeDevice.ID, "started", startedFields(), null);
        pump();
    }

    private Map<String, Object> startedFields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("version", build.version());
        f.put("commit", build.commit());
        f.put("bootId", bootId);
        f.put("config", configSha256);
        return f;
    }

    /** Retained state/* of devices no longer configured are cleared, so dashboards stop showing them. */
    private void collectStaleStates() {
        retainedStateTopics = new HashSet<>();
        String filter = base + "/state/+";
        transport.subscribe(filter, 1);
        scheduleOnLoop(() -> {
            Set<String> seen = retainedStateTopics;
            retainedStateTopics = null;
            if (connected) transport.unsubscribe(filter);
            if (seen == null || !connected) return;
            for (String topic : seen) {
                String id = topic.substring((base + "/state/").length());
                if (!devices.containsKey(id)) {
                    log.info("Clearing retained {}: device '{}' is no longer in the config", topic, id);
                    transport.publish(topic, new byte[0], 1, true);
                }
            }
        }, STALE_STATE_WINDOW);
    }

    private void onConnectionLost(Throwable cause) {
        if (!connected) return;
        connected = false;
        generation++;
        inFlight = 0;
        cursor = 0;
        if (drained != null) return; // stopping
        long upNanos = System.nanoTime() - connectedAtNanos;
        boolean quick = upNanos < KICK_WINDOW.toNanos() && closedByPeer(cause);
        quickDrops = quick ? quickDrops + 1 : 0;
        if (quickDrops >= KICKS_BEFORE_ERROR) {
            log.error("MQTT broker closed our connection {} times within seconds of connecting, with no network error:"
                            + " another client probably uses the same client id {}; two boxes probably share one config"
                            + " (give each box its own node id)", quickDrops, clientId);
        } else {
            log.warn("MQTT connection to {} lost after {} ms: {}; reconnecting", transport.describe(),
                    TimeUnit.NANOSECONDS.toMillis(upNanos), describe(cause));
        }
        if (upNanos >= KICK_WINDOW.toNanos()) backoff.reset();
        if (!stopping.get()) scheduleOnLoop(this::attemptConnect, backoff.nextDelay());
    }

    /** The broker (or something on its side) closed the socket cleanly: EOF, not a reset or a timeout. */
    static boolean closedByPeer(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof EOFException) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (!sb.isEmpty()) sb.append(" <- ");
            sb.append(c.getClass().getSimpleName());
            if (c.getMessage() != null) sb.append(": ").append(c.getMessage());
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ commands

    private void onMessage(String topic, byte[] payload, boolean retained) {
        String prefix = base + "/";
        if (!topic.startsWith(prefix)) return;
        String rest = topic.substring(prefix.length());
        if (rest.startsWith("state/")) {
            // Not filtered on the retained flag: Moquette 0.17 delivers retained messages with it
            // cleared. Live state/* of configured devices arrive here too and are kept.
            if (retainedStateTopics != null && payload.length > 0) retainedStateTopics.add(topic);
            return;
        }
        if (!rest.startsWith("cmd/")) return;
        String[] parts = rest.split("/", -1);
        if (parts.length != 3) return; // cmd/+/+ only matches three levels
        onCommand(parts[1], parts[2], payload);
    }

    private void onCommand(String deviceId, String action, byte[] payload) {
        commandsHandled.incrementAndGet();
        Device d = devices.get(deviceId);
        // an unknown device id is never echoed into a topic
        String replyTopic = d == null ? base + "/reply/node/unknown" : base + "/reply/" + deviceId + "/" + action;
        CommandParser.Parsed parsed = CommandParser.parse(deviceId, action, payload, maxCommandBytes);
        if (parsed instanceof CommandParser.Rejected r) {
            log.info("Command {}/{} id={} refused: BAD_REQUEST ({})", clean(deviceId), clean(action), clean(r.id()), r.message());
            audit(deviceId, action, r.id(), null, ErrorCode.BAD_REQUEST.name());
            sendReply(replyTopic, replies.error(r.id(), ErrorCode.BAD_REQUEST, r.message()));
            return;
        }
        var accepted = (CommandParser.Accepted) parsed;
        Command cmd = accepted.command();
        String by = cmd.by().orElse(null);
        log.info("Command {}/{} id={} by={}", clean(deviceId), clean(action), clean(cmd.id()), clean(by == null ? "-" : by));
        if (d == null) {
            reply(cmd, replyTopic, ErrorCode.UNKNOWN_DEVICE,
                    "There is no device with that id on this node; send cmd/node/describe to list the devices.");
            return;
        }
        if (!d.actions().contains(action)) {
            reply(cmd, replyTopic, ErrorCode.UNKNOWN_ACTION,
                    deviceId + " has no action '" + clean(action) + "'; it knows: " + String.join(", ", d.actions()) + ".");
            return;
        }
        String key = deviceId + "/" + action + "/" + cmd.id();
        var stored = replyCache.get(key);
        if (stored.isPresent()) {
            if (stored.get().sameCommand(accepted.canonical())) {
                log.info("Command {} is a repeat: sending the original reply again", clean(key));
                audit(deviceId, action, cmd.id(), by, "REPEAT");
                sendReply(replyTopic, stored.get().reply());
            } else {
                reply(cmd, replyTopic, ErrorCode.CONFLICT, conflictMessage(cmd.id()));
            }
            return;
        }
        Pending p = pending.get(key);
        if (p != null && System.nanoTime() - p.sinceNanos() > LATE_ANSWER_LIMIT.toNanos()) {
            log.warn("Command {}: the device never answered; a new delivery of this id runs again", clean(key));
            pending.remove(key);
            p = null;
        }
        if (p != null) {
            if (p.canonical().equals(accepted.canonical())) {
                log.info("Command {} is a repeat of one still running: it gets the reply when that finishes", clean(key));
                audit(deviceId, action, cmd.id(), by, "REPEAT");
                p.reply().thenAccept(bytes -> hop(() -> sendReply(replyTopic, bytes)));
            } else {
                reply(cmd, replyTopic, ErrorCode.CONFLICT, conflictMessage(cmd.id()));
            }
            return;
        }
        // after the repeat checks: a redelivery of an executed command costs nothing and must get its reply
        CommandRateLimiter.Verdict verdict = rateLimiter.tryAcquire(by);
        if (verdict != CommandRateLimiter.Verdict.ALLOWED) {
            boolean sender = verdict == CommandRateLimiter.Verdict.SENDER_OVER_LIMIT;
            log.warn("Command {}/{} id={} by={} refused: BUSY ({})", clean(deviceId), clean(action), clean(cmd.id()),
                    clean(by == null ? "-" : by), sender ? "sender over its rate limit" : "node over its command rate limit");
            reply(cmd, replyTopic, ErrorCode.BUSY, sender
                    ? "Too many commands from '" + clean(by == null ? "(no by)" : by) + "': at most "
                    + mqtt.commandsOrDefault().perSenderPerSecondOrDefault() + " per second; send it again in a moment."
                    : "This node gets more than " + mqtt.commandsOrDefault().perSecondOrDefault()
                    + " commands per second; send it again in a moment.");
            return;
        }
        if (MOTION_ACTIONS.contains(action) && clockSynced && cmd.ts().isPresent()) {
            long ageMs = Duration.between(cmd.ts().get(), clock.instant()).toMillis();
            if (ageMs > cmd.ttlMs()) {
                finish(cmd, key, accepted.canonical(), replyTopic, replies.error(cmd.id(), ErrorCode.EXPIRED,
                        "The command was sent " + ageMs + " ms ago, longer than its ttlMs of " + cmd.ttlMs()
                                + "; send it again if the line should still " + action + "."), ErrorCode.EXPIRED.name());
                return;
            }
        }
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        pending.put(key, new Pending(accepted.canonical(), reply, false, System.nanoTime()));
        CompletionStage<CommandResult> stage;
        try {
            stage = d.handle(cmd);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        if (stage == null) stage = CompletableFuture.failedFuture(new IllegalStateException("handle returned null"));
        CompletableFuture<CommandResult> device = stage.toCompletableFuture();
        // a copy, so the timeout does not complete the device's own future
        device.thenApply(Function.identity())
                .orTimeout(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((result, err) -> {
                    if (isTimeout(err)) {
                        hop(() -> timedOut(cmd, key, accepted.canonical(), replyTopic, device));
                    } else {
                        byte[] bytes = replyFor(cmd, result, err);
                        hop(() -> finish(cmd, key, accepted.canonical(), replyTopic, bytes, codeOf(result, err)));
                    }
                });
    }

    private static boolean isTimeout(Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        return cause instanceof TimeoutException;
    }

    private static String codeOf(CommandResult result, Throwable err) {
        if (err != null || result == null) return ErrorCode.INTERNAL.name();
        if (result.ok()) return "OK";
        return result.code() == null ? ErrorCode.INTERNAL.name() : result.code().name();
    }

    /**
     * The device did not answer in time. The caller gets TIMEOUT now, but the command may still
     * complete (a label may still print), so TIMEOUT is not cached as the answer for this id: the key
     * stays pending, a retry with the same id waits for the real outcome instead of running twice,
     * and the real outcome is cached when it comes. Gateway thread.
     */
    private void timedOut(Command cmd, String key, String canonical, String replyTopic, CompletableFuture<CommandResult> device) {
        log.warn("Command {}/{} id={} got no answer from the device within {} s", cmd.device(), cmd.action(),
                clean(cmd.id()), COMMAND_TIMEOUT.toSeconds());
        audit(cmd.device(), cmd.action(), cmd.id(), cmd.by().orElse(null), ErrorCode.TIMEOUT.name());
        sendReply(replyTopic, replies.error(cmd.id(), ErrorCode.TIMEOUT, cmd.device() + " did not answer within "
                + COMMAND_TIMEOUT.toSeconds() + " s; check the device. The command may still complete: send it again with"
                + " the same id to learn how it ended."));
        Pending p = pending.get(key);
        if (p == null) return;
        pending.put(key, new Pending(p.canonical(), p.reply(), true, p.sinceNanos()));
        device.whenComplete((result, err) -> {
            byte[] bytes = replyFor(cmd, result, err);
            hop(() -> {
                log.info("Command {}/{} id={} finished after its TIMEOUT reply: {}", cmd.device(), cmd.action(),
                        clean(cmd.id()), codeOf(result, err));
                replyCache.put(key, canonical, bytes);
                Pending left = pending.remove(key);
                if (left != null) left.reply().complete(bytes);
            });
        });
    }

    private byte[] replyFor(Command cmd, CommandResult result, Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause != null) {
            log.error("Command {}/{} id={} failed inside the daemon: {}", cmd.device(), cmd.action(), clean(cmd.id()),
                    describe(cause), cause);
            return replies.error(cmd.id(), ErrorCode.INTERNAL, "The daemon failed while handling this command; it is logged,"
                    + " try again or report it.");
        }
        if (result == null) {
            return replies.error(cmd.id(), ErrorCode.INTERNAL, "The device gave no result; it is logged, try again or report it.");
        }
        if (!result.ok()) {
            log.info("Command {}/{} id={} refused: {} ({})", cmd.device(), cmd.action(), clean(cmd.id()), result.code(), result.message());
        }
        return replies.of(cmd.id(), result);
    }

    private void finish(Command cmd, String key, String canonical, String replyTopic, byte[] reply, String code) {
        replyCache.put(key, canonical, reply);
        Pending p = pending.remove(key);
        audit(cmd.device(), cmd.action(), cmd.id(), cmd.by().orElse(null), code);
        sendReply(replyTopic, reply);
        if (p != null) p.reply().complete(reply);
    }

    /** An error reply that is not remembered for the id (nothing ran; a retry is judged afresh). */
    private void reply(Command cmd, String replyTopic, ErrorCode code, String message) {
        audit(cmd.device(), cmd.action(), cmd.id(), cmd.by().orElse(null), code.name());
        sendReply(replyTopic, replies.error(cmd.id(), code, message));
    }

    private static void audit(String device, String action, String id, String by, String result) {
        audit.info("device={} action={} id={} by={} result={}", clean(device), clean(action), clean(id),
                clean(by == null ? "-" : by), result);
    }

    private static String conflictMessage(String id) {
        return "The id '" + clean(id) + "' was already used for a different command"
                + " to this device and action; use a new id for a new command.";
    }

    private void sendReply(String topic, byte[] reply) {
        outbox.append(topic, reply, clock.instant().plus(REPLY_TTL));
        pump();
    }

    /** For log lines and messages: no control characters from the wire. */
    private static String clean(String s) {
        if (s == null) return "null";
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    // ------------------------------------------------------------------ plumbing

    private void hop(Runnable r) {
        try {
            loop.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("MQTT gateway task failed: {}", describe(e), e);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopped: nothing more to send
        }
    }

    private void scheduleOnLoop(Runnable r, Duration delay) {
        try {
            loop.schedule(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("MQTT gateway task failed: {}", describe(e), e);
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }
}
