package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.net.TlsSocketFactories;
import org.conveyord.device.Device;
import org.conveyord.device.EventSink;
import org.conveyord.node.BoxHealth;
import org.conveyord.node.BuildInfo;
import org.conveyord.node.ClockSyncProbe;
import org.conveyord.node.NodeDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static org.conveyord.mqtt.LogText.describe;

/**
 * The daemon's MQTT side, implementing mqtt-api.md. The gateway itself keeps the broker connection
 * (connect, reconnect with back-off, the Will, the stale retained states of removed devices) and
 * the pump that sends the outbox in order; its parts do the rest:
 * {@link CommandDispatcher} (commands and replies), {@link EventPublisher} (events: seq, JSON,
 * outbox) and {@link StatePublisher} (retained state and status, telemetry).
 *
 * <p>Threading: all of its own work runs on one thread ("mqtt-gateway"), so connection, outbox
 * cursor, coalescer and command bookkeeping need no locks. The entry points other threads call
 * ({@link #events()}, {@link #stateListener()}, transport callbacks) only append, mark or hand over,
 * and never block on I/O. The shared {@code scheduler} only triggers periodic work, which then hops
 * onto the gateway thread.
 */
public final class MqttGateway {

    private static final Logger log = LoggerFactory.getLogger(MqttGateway.class);

    public static final int CONTRACT = 1;
    private static final Duration STALE_STATE_WINDOW = Duration.ofSeconds(1);
    private static final Duration KICK_WINDOW = Duration.ofSeconds(5);
    private static final int KICKS_BEFORE_ERROR = 3;
    /** Unacknowledged publishes at a time: throttles a replay after an outage, keeps order. */
    static final int WINDOW = 200;
    /** How often the box's temperature, power flags and disk are read. */
    static final long BOX_HEALTH_PERIOD_S = 5;

    private final MqttConfig mqtt;
    private final String configSha256;
    private final BuildInfo build;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final String base;
    private final String clientId;
    private final String bootId = UUID.randomUUID().toString();
    private final BooleanSupplier clockSyncCheck;
    private final Function<PahoMqttTransport.Options, MqttTransport> transportFactory;

    private final ScheduledExecutorService loop;
    private final ExecutorService io;
    private final GatewayLoop thread = new Loop();
    private final SeqStore seqStore;
    private final CommandReplyCache replyCache;
    private final Outbox outbox;
    private final EventPublisher events;
    private final StatePublisher states;
    private final CommandDispatcher commands;

    // written by register() before start(), read anywhere: copy-on-write
    private volatile Map<String, Device> devices = Map.of();

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean startedOnce = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean acksQueued = new AtomicBoolean();
    private volatile boolean clockSynced;
    private final BoxHealth boxHealth;
    private volatile boolean connected;
    private final AtomicLong eventsSent = new AtomicLong();
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
    private Set<String> retainedStateTopics; // non-null while collecting stale state/* after the first connect
    private CompletableFuture<Void> drained;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private ScheduledFuture<?> telemetryTimer;
    private int telemetryIntervalS;

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
                BooleanSupplier clockSyncCheck) {
        this.clockSyncCheck = clockSyncCheck;
        this.mqtt = cfg.mqttOrDefault();
        this.telemetryIntervalS = mqtt.telemetryIntervalSOrDefault();
        this.configSha256 = configSha256;
        this.build = build;
        this.scheduler = scheduler;
        this.clock = clock;
        this.transportFactory = transportFactory;
        this.base = cfg.mqttBase();
        this.clientId = mqtt.prefixOrDefault() + "-" + cfg.site() + "-" + cfg.node();
        Instant started = clock.instant();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "mqtt-gateway"));
        this.io = Executors.newSingleThreadExecutor(r -> daemonThread(r, "mqtt-io"));
        ObjectMapper mapper = new ObjectMapper();
        Path stateDir = cfg.stateDirOrDefault();
        MqttConfig.OutboxConfig ob = mqtt.outboxOrDefault();
        try {
            this.seqStore = SeqStore.open(stateDir, 1000, io);
            this.replyCache = CommandReplyCache.open(stateDir, clock, Duration.ofHours(24), 10_000);
            this.events = new EventPublisher(base, cfg.node() + "-" + bootId.substring(0, 8) + "-", clock, mapper, seqStore,
                    onDrop -> DurableOutbox.open(stateDir, DurableOutbox.Settings.of((long) ob.maxMbOrDefault() << 20,
                            DurableOutbox.Fsync.fromConfig(ob.fsyncOrDefault()), ob.fsyncIntervalMsOrDefault()), onDrop),
                    thread);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the state directory " + stateDir.toAbsolutePath()
                    + " (" + e.getMessage() + "); it must be writable by the daemon (config key stateDir)", e);
        }
        this.outbox = events.outbox();
        NodeDevice node = new NodeDevice(build, bootId, clock, () -> List.copyOf(devices.values()));
        this.boxHealth = new BoxHealth(Path.of("/"), stateDir, cfg.healthOrDefault(), () -> clockSynced, outbox::fill);
        this.states = new StatePublisher(base, new StatePublisher.NodeFacts(build, bootId, configSha256, started), clock,
                mapper, seqStore, outbox, ob.maxMbOrDefault(), () -> devices, () -> clockSynced, boxHealth::last,
                new StatePublisher.Counters(node::uptimeS, eventsSent::get, events::eventsDropped, this::commandsHandled),
                thread);
        MqttConfig.CommandsConfig cc = mqtt.commandsOrDefault();
        this.commands = new CommandDispatcher(base, clock, new ReplyJson(mapper), () -> devices, () -> clockSynced,
                replyCache, CommandRateLimiter.fromConfig(cc, System::nanoTime),
                new CommandDispatcher.Limits(cc.maxPayloadBytesOrDefault(), cc.perSenderPerSecondOrDefault(),
                        cc.perSecondOrDefault()),
                outbox, thread);
        register(node);
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private long commandsHandled() { return commands.commandsHandled(); }

    // ------------------------------------------------------------------ public API

    public EventSink events() { return events.sink(); }

    public Device.StateListener stateListener() { return states::stateChanged; }

    /** Before {@link #start()}: each configured device (the node device is registered already). */
    public synchronized void register(Device d) {
        if (devices.containsKey(d.id())) throw new IllegalArgumentException("device '" + d.id() + "' is registered twice");
        Map<String, Device> copy = new LinkedHashMap<>(devices);
        copy.put(d.id(), d);
        devices = Collections.unmodifiableMap(copy);
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
        byte[] will = states.statusJson("offline");
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
        scheduleTelemetry(mqtt.telemetryIntervalSOrDefault());
        timers.add(scheduler.scheduleAtFixedRate(() -> io.execute(this::checkClock), 60, 60, TimeUnit.SECONDS));
        timers.add(scheduler.scheduleAtFixedRate(() -> io.execute(this::checkBoxHealth), 0, BOX_HEALTH_PERIOD_S, TimeUnit.SECONDS));
        timers.add(scheduler.scheduleAtFixedRate(() -> hop(() -> states.publishStatus(false)), 1, 1, TimeUnit.SECONDS));
        hop(this::attemptConnect);
    }

    public boolean isConnected() { return connected; }

    private synchronized void scheduleTelemetry(int intervalS) {
        if (telemetryTimer != null) telemetryTimer.cancel(false);
        if (stopping.get()) return;
        int s = Math.max(1, intervalS);
        telemetryTimer = scheduler.scheduleAtFixedRate(() -> hop(states::publishTelemetry), s, s, TimeUnit.SECONDS);
    }

    /**
     * The keys of a reloaded config that apply while running: telemetry interval, command limits,
     * box-health thresholds, and the hash the status reports. The caller has checked that nothing
     * else changed.
     */
    public synchronized void applyLive(ConveyordConfig cfg, String configSha256) {
        MqttConfig m = cfg.mqttOrDefault();
        MqttConfig.CommandsConfig cc = m.commandsOrDefault();
        boxHealth.apply(cfg.healthOrDefault());
        hop(() -> commands.applyLimits(CommandRateLimiter.fromConfig(cc, System::nanoTime),
                new CommandDispatcher.Limits(cc.maxPayloadBytesOrDefault(), cc.perSenderPerSecondOrDefault(),
                        cc.perSecondOrDefault())));
        if (startedOnce.get() && m.telemetryIntervalSOrDefault() != telemetryIntervalS) scheduleTelemetry(m.telemetryIntervalSOrDefault());
        telemetryIntervalS = m.telemetryIntervalSOrDefault();
        states.configApplied(configSha256);
        hop(() -> states.publishStatus(true));
    }

    /**
     * A command from outside MQTT (the HTTP server): the same checks, idempotency, rate limit and audit
     * line as {@code cmd/<device>/<action>}; the reply JSON completes the future instead of going to a
     * reply topic. Any thread.
     */
    public CompletableFuture<byte[]> submitCommand(String deviceId, String action, byte[] payload) {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        hop(() -> commands.onCommand(deviceId, action, payload, reply::complete));
        return reply;
    }

    /** Told every command's action and audited result code (OK, REPEAT or an error code). Before {@link #start()}. */
    public void onCommandAudited(java.util.function.BiConsumer<String, String> listener) { commands.onAudit(listener); }

    /** What telemetry reports, for the metrics endpoint. Any thread. */
    public record Counters(long eventsSent, long eventsDropped, long outboxBytes, int outboxEntries) {}

    public Counters counters() {
        return new Counters(eventsSent.get(), events.eventsDropped(), outbox.bytesOnDisk(), outbox.size());
    }

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
        events.emit(NodeDevice.ID, "stopping", Map.of(), null);
        timers.forEach(t -> t.cancel(false));
        synchronized (this) {
            if (telemetryTimer != null) telemetryTimer.cancel(false);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        CompletableFuture<CompletableFuture<Void>> offline = new CompletableFuture<>();
        CompletableFuture<Void> drain = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                if (connected) {
                    offline.complete(transport.publish(base + "/status", states.statusJson("offline"), 1, true));
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
    public long statePublishes() { return states.statePublishes(); }

    /** Failed connect attempts since the last success (tests wait on it to line up an outage). */
    int connectFailures() { return connectFailures; }

    // ------------------------------------------------------------------ the pump

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
        states.publishStatus(true);
        states.publishAllStates();
        if (first) events.emit(NodeDevice.ID, "started", startedFields(), null);
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

    // ------------------------------------------------------------------ incoming messages

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
        commands.onCommand(parts[1], parts[2], payload);
    }

    /** On the io thread (sysfs and file-system reads): each crossing's start and end is a node event. */
    private void checkBoxHealth() {
        List<BoxHealth.Change> changes = boxHealth.sample();
        changes.forEach(c -> events.sink().emit(NodeDevice.ID, "box-health", c.fields()));
        if (!changes.isEmpty()) hop(() -> states.publishStatus(false));
    }

    private void checkClock() {
        boolean synced = clockSyncCheck.getAsBoolean();
        if (synced != clockSynced) {
            clockSynced = synced;
            hop(() -> states.publishStatus(false));
        }
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
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }

    /** The gateway as its parts see it. */
    private final class Loop implements GatewayLoop {
        @Override public void hop(Runnable task) { MqttGateway.this.hop(task); }

        @Override public void schedule(Runnable task, Duration delay) { scheduleOnLoop(task, delay); }

        @Override public boolean isConnected() { return connected; }

        @Override public boolean isStopping() { return stopping.get(); }

        @Override public MqttTransport transport() { return transport; }

        @Override public void pump() { MqttGateway.this.pump(); }
    }
}
