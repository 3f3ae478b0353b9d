package org.conveyord;

import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.conveyor.LineController;
import org.conveyord.conveyor.LineDevice;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceContext;
import org.conveyord.hal.Gpio;
import org.conveyord.hal.provider.GpioFactory;
import org.conveyord.link.LinkGroup;
import org.conveyord.logging.LogSetup;
import org.conveyord.mqtt.MqttGateway;
import org.conveyord.hal.OutputPinList;
import org.conveyord.node.BuildInfo;
import org.conveyord.cli.SafeOutputsCommand;
import org.conveyord.systemd.Liveness;
import org.conveyord.systemd.SdNotify;
import org.conveyord.systemd.ServiceNotifier;
import org.conveyord.systemd.StatusLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The wiring: builds every part from the config, in one place, and tears it down in the safe order
 * (motion off first, the broker told last). Nothing else decides which implementation is used.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final ConveyordConfig cfg;
    private final ScheduledExecutorService scheduler;
    private final MqttGateway gateway;
    private final LinkGroup links;
    private final Gpio gpio;
    private final Map<String, Device> devices = new LinkedHashMap<>();
    private final List<LineController> lines = new ArrayList<>();
    private final List<org.conveyord.device.EventRelay> relays = new ArrayList<>();
    private volatile boolean closed;
    /** Completes with the Error that killed a control thread (its outputs already off): the process must end. */
    private final java.util.concurrent.CompletableFuture<Throwable> fatal = new java.util.concurrent.CompletableFuture<>();
    /** How often each supervised part beats (the watchdog allows a silence of WATCHDOG_USEC). */
    private static final long BEAT_MS = 500;
    private final Liveness liveness = new Liveness();
    private final ServiceNotifier notifier;
    private final org.conveyord.metrics.LineMetrics metrics;
    private final org.conveyord.http.LiveFeed feed;
    private final org.conveyord.device.EventSink events;
    private volatile org.conveyord.http.HttpServer http;
    private volatile boolean started;

    private Daemon(ConveyordConfig cfg, String configSha, BuildInfo build) {
        this.cfg = cfg;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "devices");
            t.setDaemon(true);
            return t;
        });
        boolean hasLine = cfg.devicesOrEmpty().values().stream().anyMatch(d -> d instanceof LineConfig);
        // outputs first, before MQTT and devices: every output claimed inactive, and the pin list
        // --safe-outputs falls back on written before any of them is claimed
        this.gpio = hasLine ? claimOutputsInactive(cfg) : null;
        Clock clock = Clock.systemUTC();
        this.gateway = new MqttGateway(cfg, configSha, build, scheduler, clock);
        scheduler.scheduleWithFixedDelay(liveness.part("device scheduler")::beat, BEAT_MS, BEAT_MS, TimeUnit.MILLISECONDS);
        gateway.everyOnLoop(liveness.part("mqtt gateway")::beat, BEAT_MS);
        this.metrics = new org.conveyord.metrics.LineMetrics(() -> {
            MqttGateway.Counters c = gateway.counters();
            return new org.conveyord.metrics.LineMetrics.GatewayFigures(c.eventsSent(), c.eventsDropped(), c.outboxBytes());
        }, this::devices);
        // a page's connection that closes ends whatever it held on in maintenance mode
        this.feed = new org.conveyord.http.LiveFeed(this::devices, session -> devices().values().forEach(d -> {
            if (d instanceof LineDevice line) line.sessionClosed(session);
        }));
        // metrics and the page's feed see every event on its way to MQTT (on the relay thread, not the control loop)
        this.events = new org.conveyord.device.ObservedEventSink(gateway.events(),
                List.of((dev, type, fields, cmdId) -> metrics.onEvent(dev, type, fields), feed));
        Device.StateListener states = id -> {
            gateway.stateListener().stateChanged(id);
            feed.stateChanged(id);
        };
        gateway.onCommandAudited(metrics::onCommand);
        DeviceContext ctx = new DeviceContext(events, states, scheduler, clock);
        this.links = new LinkGroup(1);
        DevicePorts ports = new DevicePorts(devices);
        for (Map.Entry<String, DeviceConfig> e : cfg.devicesOrEmpty().entrySet()) {
            String id = e.getKey();
            Device d = switch (e.getValue()) {
                case LineConfig l -> {
                    // events leave the control thread at once: JSON and the outbox's disk write happen on the relay
                    org.conveyord.clock.ThreadControlClock control = new org.conveyord.clock.ThreadControlClock(id + "-control");
                    // the shift figures see the line's events on its relay thread, timed by its control clock; a
                    // figure that changed is state to publish (the step that caused it may have been published already)
                    org.conveyord.metrics.ShiftFigures shift = new org.conveyord.metrics.ShiftFigures(control, l.sorter().runOutLaneOrDefault());
                    org.conveyord.device.EventRelay relay = new org.conveyord.device.EventRelay(new org.conveyord.device.ObservedEventSink(events,
                            List.of((dev, type, fields, cmdId) -> {
                                if (shift.onEvent(type, fields)) states.stateChanged(id);
                            })), id + "-events", 65536);
                    relays.add(relay);
                    control.every(liveness.part(id + " control loop")::beat, TimeUnit.MILLISECONDS.toNanos(BEAT_MS));
                    control.every(metrics.loopLagProbe(id, LAG_PROBE_NANOS), LAG_PROBE_NANOS);
                    control.onFatal(fatal::complete);
                    LineController c = new LineController(id, l, gpio, ports, relay, states,
                            control, cfg.stateDirOrDefault().resolve(id + ".line-state.json"));
                    lines.add(c);
                    // stops no event names (a fault) reach the figures within a second
                    scheduler.scheduleWithFixedDelay(() -> shift.running(Boolean.TRUE.equals(c.snapshot().get("running"))),
                            1, 1, TimeUnit.SECONDS);
                    yield new LineDevice(c, l, shift);
                }
                default -> DevicePorts.create(id, e.getValue(), links, ctx, cfg.stateDirOrDefault());
            };
            devices.put(id, d);
            gateway.register(d);
        }
        this.notifier = new ServiceNotifier(SdNotify.fromEnvironment(), liveness, this::statusLine);
    }

    /** How often a line's control loop measures its own lateness, for /metrics. */
    private static final long LAG_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Ready: every device started, each line's outputs claimed, no supervised part silent (control loops included). */
    private org.conveyord.http.Health health() {
        List<String> problems = new ArrayList<>();
        liveness.stalled(TimeUnit.MILLISECONDS.toNanos(4 * BEAT_MS)).forEach(p -> problems.add(p + " has stalled"));
        boolean live = problems.isEmpty();
        if (!started) problems.add("starting");
        if (!lines.isEmpty() && gpio == null) problems.add("outputs not claimed");
        if (closed) problems.add("stopping");
        return new org.conveyord.http.Health(live, problems.isEmpty(), problems);
    }

    /** The HTTP server; a port in use is logged, not fatal: the line and MQTT work without the page. */
    private void startHttp() {
        org.conveyord.config.HttpConfig hc = cfg.httpOrDefault();
        if (!hc.enabled()) {
            log.info("HTTP server off (http.listen: off)");
            return;
        }
        org.conveyord.http.HttpCredentials creds = hc.auth() == null ? org.conveyord.http.HttpCredentials.none()
                : org.conveyord.http.HttpCredentials.load(org.conveyord.systemd.Credentials.resolve("http.auth", hc.auth(), System.getenv()));
        var backend = new org.conveyord.http.HttpBackend(this::devices, gateway::submitCommand, this::health, metrics, creds,
                () -> cfg.devicesOfKind(LineConfig.class));
        try {
            http = org.conveyord.http.HttpServer.start(hc, backend, feed);
        } catch (IllegalStateException e) {
            log.error("{}; running without the HTTP server (line page, /metrics, /health)", e.getMessage());
        }
    }

    /** The HTTP server's address, when it runs. */
    public java.util.Optional<java.net.InetSocketAddress> httpAddress() {
        var h = http;
        return h == null ? java.util.Optional.empty() : java.util.Optional.of(h.address());
    }

    /** The running HTTP server, for tests that count its connections. */
    public java.util.Optional<org.conveyord.http.HttpServer> httpServer() { return java.util.Optional.ofNullable(http); }

    private String statusLine() {
        Map<String, Map<String, Object>> snapshots = new LinkedHashMap<>();
        lines.forEach(c -> snapshots.put(c.id(), c.snapshot()));
        return StatusLine.format(snapshots, gateway.isConnected());
    }

    private static Gpio claimOutputsInactive(ConveyordConfig cfg) {
        OutputPinList pins = new OutputPinList(cfg.gpioOrDefault(), SafeOutputsCommand.outputs(cfg));
        try {
            pins.write(cfg.stateDirOrDefault());
        } catch (IOException e) {
            // not fatal: --safe-outputs still has the config; only a config broken later needs the list
            log.error("cannot write {}: {}; --safe-outputs will need a readable config", OutputPinList.file(cfg.stateDirOrDefault()),
                    e.toString());
        }
        Gpio g = GpioFactory.open(cfg.gpioOrDefault());
        try {
            pins.outputs().forEach(g::output);
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** Builds and starts everything; returns once the devices are started (the broker may still be coming). */
    public static Daemon start(ConveyordConfig cfg, String configSha, BuildInfo build) {
        log.info("conveyord {} (commit {}) starting: site {}, node {}, {} devices, broker {}", build.version(), build.commit(),
                cfg.site(), cfg.node(), cfg.devicesOrEmpty().size(), cfg.mqttOrDefault().url());
        Daemon d = new Daemon(cfg, configSha, build);
        try {
            // peripherals first, so the line finds its scanners listening; the line last, outputs off until start
            d.devices.values().stream().filter(x -> !(x instanceof LineDevice)).forEach(Device::start);
            d.devices.values().stream().filter(x -> x instanceof LineDevice).forEach(Device::start);
            d.started = true;
            d.notifier.ready();
            d.gateway.start();
            d.startHttp();
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    public MqttGateway gateway() { return gateway; }

    /**
     * A reloaded config's live keys (ConfigReload has refused any other change): log set-up, the
     * gateway's, each line's timers and tolerances (taken on its control thread) and each printer's templates.
     */
    public void applyLive(ConveyordConfig newCfg, String sha256) {
        LogSetup.apply(newCfg.loggingOrDefault(), System.getenv());
        gateway.applyLive(newCfg, sha256);
        Map<String, DeviceConfig> next = newCfg.devicesOrEmpty();
        List<java.util.concurrent.CompletableFuture<?>> taken = new ArrayList<>();
        for (LineController c : lines) {
            if (next.get(c.id()) instanceof LineConfig l) taken.add(c.applyLive(l));
        }
        devices.forEach((id, d) -> {
            if (d instanceof org.conveyord.printer.ZplPrinter p && next.get(id) instanceof org.conveyord.config.PrinterConfig pc) {
                p.applyTemplates(pc.templatesOrEmpty());
            }
        });
        // config-reloaded follows once the lines have the new values; a stalled loop is the watchdog's to handle
        try {
            java.util.concurrent.CompletableFuture.allOf(taken.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(2, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            log.warn("a line's control loop has not taken the reloaded settings yet ({}); it will when it runs", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Completes if a control thread failed fatally; {@code Main} then ends the process (see {@link Main#EXIT_FATAL}). */
    public java.util.concurrent.CompletableFuture<Throwable> fatal() { return fatal; }

    public Map<String, Device> devices() { return Map.copyOf(devices); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        log.info("conveyord stopping: motion off, devices closed, offline published");
        notifier.close();
        if (http != null) http.close();
        for (LineController c : lines) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.error("line {} did not stop cleanly: {}", c.id(), e.toString());
            }
        }
        if (gpio != null) gpio.close();
        relays.forEach(org.conveyord.device.EventRelay::close);
        devices.values().stream().filter(x -> !(x instanceof LineDevice)).forEach(x -> {
            try {
                x.stop();
            } catch (RuntimeException e) {
                log.warn("device {} did not stop cleanly: {}", x.id(), e.toString());
            }
        });
        gateway.stop();
        links.close();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
