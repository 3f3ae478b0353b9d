package org.conveyord.sim;

import org.conveyord.sim.endpoints.GpioBridgeServer;
import org.conveyord.sim.endpoints.PrinterEndpoint;
import org.conveyord.sim.endpoints.PtyBridge;
import org.conveyord.sim.endpoints.ScaleEndpoint;
import org.conveyord.sim.endpoints.ScannerEndpoint;
import org.conveyord.sim.endpoints.SimLabel;
import org.conveyord.sim.endpoints.TcpEndpoint;
import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.LineWorld;
import org.conveyord.sim.physics.SimClock;
import org.conveyord.sim.physics.SimReport;
import org.conveyord.sim.physics.SimSettings;
import org.conveyord.sim.physics.WorldListener;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.config.ScaleConfig;
import org.conveyord.config.ScannerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The whole simulated line: physics per conveyor line, the GPIO bridge, scales, printers and scanners
 * on TCP, and MQTT control/report under {@code sim/<site>/<node>}. The physics and the protocol
 * endpoints share one state (the {@link LineWorld}s).
 *
 * <p>Threading: all public methods are thread-safe. One scheduler thread ticks the physics every
 * 5 ms and the printers; socket writes the physics causes go through {@link #deviceIo}; MQTT messages
 * are handled on {@link MqttLink}'s handler thread.
 */
public final class DeviceSim implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeviceSim.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long TICK_MS = 5;
    static final long REPORT_EVERY_MS = 200;

    private final ConveyordConfig cfg;
    private final SimSettings settings;
    private final SimClock clock;
    private final String base;
    private final List<LineWorld> worlds = new ArrayList<>();
    private final Map<String, ScaleEndpoint> scales = new LinkedHashMap<>();
    private final Map<String, PrinterEndpoint> printers = new LinkedHashMap<>();
    private final Map<String, ScannerEndpoint> scanners = new LinkedHashMap<>();
    private final List<SimLabel> labels = new CopyOnWriteArrayList<>();
    /** Serial devices offered on a pty: device id -> the configured port path. */
    private final Map<String, java.nio.file.Path> ptys = new LinkedHashMap<>();
    private final List<PtyBridge> bridges = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("sim-physics").unstarted(r));
    private final ExecutorService deviceIo =
            Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("sim-device-io").unstarted(r));
    private final GpioBridgeServer gpio;
    private final MqttLink mqtt;
    private long publishedFingerprint = Long.MIN_VALUE;
    private volatile boolean closed;

    private DeviceSim(ConveyordConfig cfg, String mqttUrl, SimClock clock) {
        this.cfg = cfg;
        this.settings = SimSettings.from(cfg.sim());
        this.clock = clock;
        this.base = "sim/" + cfg.site() + "/" + cfg.node();
        cfg.devicesOfKind(LineConfig.class).forEach((id, line) -> worlds.add(new LineWorld(id, line, settings, clock)));
        var bridge = cfg.gpioOrDefault().sim() == null ? new org.conveyord.config.GpioConfig.SimBridge(null, null)
                : cfg.gpioOrDefault().sim();
        gpio = new GpioBridgeServer(bridge.hostOrDefault(), bridge.portOrDefault(), this::routeOutput, this::allInputs, clock);
        for (LineWorld w : worlds) {
            w.setListener(new WorldListener() {
                @Override
                public void inputChanged(int pin, boolean high, long nanos) {
                    gpio.inputChanged(pin, high, nanos);
                }

                @Override
                public void scanned(String scanner, String code) {
                    ScannerEndpoint s = scanners.get(scanner);
                    if (s != null) deviceIo.execute(() -> s.read(code));
                }
            });
        }
        List<String> serial = new ArrayList<>();
        long seed = settings.seed();
        for (var e : cfg.devicesOfKind(ScaleConfig.class).entrySet()) {
            LinkConfig link = e.getValue().link();
            String id = e.getKey();
            if (tcp(link, id, serial)) {
                scales.put(id, new ScaleEndpoint(id, e.getValue(), link.host(), link.port(), () -> scaleLoad(id), ++seed,
                        settings.scaleStableWaitMs()));
            } else if (onPty(link, id)) {
                scales.put(id, new ScaleEndpoint(id, e.getValue(), "127.0.0.1", 0, () -> scaleLoad(id), ++seed,
                        settings.scaleStableWaitMs()));
            }
        }
        for (var e : cfg.devicesOfKind(PrinterConfig.class).entrySet()) {
            LinkConfig link = e.getValue().link();
            if (tcp(link, e.getKey(), serial)) {
                printers.put(e.getKey(), new PrinterEndpoint(e.getKey(), e.getValue(), link.host(), link.port(), clock, this::printed,
                        cfg.sim() == null ? 300 : cfg.sim().path("printMs").asLong(300)));
            }
        }
        for (var e : cfg.devicesOfKind(ScannerConfig.class).entrySet()) {
            LinkConfig link = e.getValue().link();
            if (tcp(link, e.getKey(), serial)) {
                scanners.put(e.getKey(), new ScannerEndpoint(e.getKey(), e.getValue(), link.host(), link.port()));
            } else if (onPty(link, e.getKey())) {
                scanners.put(e.getKey(), new ScannerEndpoint(e.getKey(), e.getValue(), "127.0.0.1", 0));
            }
        }
        serial.removeAll(ptys.keySet());
        if (!serial.isEmpty()) {
            log.warn("devices on serial links are not simulated: {} (scales and scanners are offered on a pty where socat "
                    + "is installed and the path's directory is writable)", serial);
        }
        String url = mqttUrl != null ? mqttUrl : cfg.mqttOrDefault().url();
        mqtt = new MqttLink(url, "device-sim-" + cfg.site() + "-" + cfg.node(), List.of(base + "/cmd/#"),
                this::onCommand, this::publishReportNow);
    }

    /** A serial scale or scanner is offered on a pty at its configured path when socat can make one there. */
    private boolean onPty(LinkConfig link, String id) {
        if (link == null || link.serialPort().isEmpty() || !PtyBridge.socatAvailable()) return false;
        java.nio.file.Path path = java.nio.file.Path.of(link.serialPort().get());
        java.nio.file.Path dir = path.toAbsolutePath().getParent();
        if (dir == null || !java.nio.file.Files.isWritable(dir)) return false;
        ptys.put(id, path);
        return true;
    }

    private static boolean tcp(LinkConfig link, String id, List<String> serial) {
        if (link != null && link.tcpAddress().isPresent()) return true;
        serial.add(id);
        return false;
    }

    /**
     * Binds every server, starts the physics and connects MQTT in the background (retrying while the
     * broker is down); returns at once.
     *
     * @param mqttUrl null for the config's url
     * @throws UncheckedIOException when a port cannot be bound (the message names device and address)
     */
    public static DeviceSim start(ConveyordConfig cfg, String mqttUrl) {
        return start(cfg, mqttUrl, SimClock.SYSTEM);
    }

    static DeviceSim start(ConveyordConfig cfg, String mqttUrl, SimClock clock) {
        DeviceSim sim = new DeviceSim(cfg, mqttUrl, clock);
        try {
            sim.bindAll();
        } catch (UncheckedIOException e) {
            sim.close();
            throw e;
        }
        sim.scheduler.scheduleAtFixedRate(sim::tickSafely, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        sim.scheduler.scheduleAtFixedRate(sim::publishReportIfChanged, REPORT_EVERY_MS, REPORT_EVERY_MS, TimeUnit.MILLISECONDS);
        sim.mqtt.start();
        log.info("device-sim started: {} line(s), gpio bridge on port {}, {} scale(s), {} printer(s), {} scanner(s), control on {}/cmd/#",
                sim.worlds.size(), sim.gpio.port(), sim.scales.size(), sim.printers.size(), sim.scanners.size(), sim.base);
        return sim;
    }

    private void bindAll() {
        bind(gpio, "gpio bridge");
        scales.values().forEach(s -> bind(s, "scale"));
        printers.values().forEach(p -> bind(p, "printer"));
        scanners.values().forEach(s -> bind(s, "scanner"));
        ptys.forEach((id, path) -> {
            PtyBridge b = new PtyBridge(id, path, port(id));
            bridges.add(b);
            b.start();
        });
    }

    private static void bind(TcpEndpoint e, String what) {
        try {
            e.start();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot listen for " + what + " " + e.name() + " on port " + e.port() + ": "
                    + ex.getMessage() + " (is another simulator or device using it?)", ex);
        }
    }

    private void tickSafely() {
        try {
            for (LineWorld w : worlds) w.tick();
            for (PrinterEndpoint p : printers.values()) p.tick();
        } catch (RuntimeException e) {
            // one bad tick must not stop the physics for good
            log.error("physics tick failed: {}", e.toString(), e);
        }
    }

    // ------------------------------------------------------------------ routing

    private boolean routeOutput(int pin, boolean high) {
        boolean known = false;
        for (LineWorld w : worlds) {
            if (w.outputPins().contains(pin)) {
                w.setOutput(pin, high);
                known = true;
            }
        }
        return known;
    }

    private Map<Integer, Boolean> allInputs() {
        Map<Integer, Boolean> m = new LinkedHashMap<>();
        for (LineWorld w : worlds) for (int pin : w.inputPins()) m.put(pin, w.input(pin));
        return m;
    }

    private LineWorld.ScaleLoad scaleLoad(String scaleId) {
        double g = 0;
        boolean moving = false;
        for (LineWorld w : worlds) {
            LineWorld.ScaleLoad l = w.scaleLoad(scaleId);
            g += l.grams();
            moving |= l.moving();
        }
        return new LineWorld.ScaleLoad(g, moving);
    }

    private void printed(SimLabel l) {
        labels.add(l);
        ObjectNode fields = JSON.createObjectNode();
        ArrayNode text = fields.putArray("text");
        l.texts().forEach(text::add);
        l.qrFields().forEach(fields::put);
        ArrayNode c128 = fields.putArray("code128");
        l.code128().forEach(c128::add);
        ArrayNode qr = fields.putArray("qr");
        l.qr().forEach(qr::add);
        ArrayNode decoded = fields.putArray("decodedCode128");
        l.decodedCode128().forEach(decoded::add);
        ObjectNode msg = JSON.createObjectNode().put("printer", l.printer()).put("zpl", l.zpl());
        msg.set("fields", fields);
        mqtt.publish(base + "/label", msg.toString().getBytes(StandardCharsets.UTF_8), 1, false);
    }

    // ------------------------------------------------------------------ API

    public void hangBag(String bag, String station, double grams, double lengthM, boolean noRead) {
        worldWith(w -> w.hasStation(station), "station " + station).hangBag(bag, station, grams, lengthM, noRead);
    }

    /** A bag with the sim config's default grams and length. */
    public void hangBag(String bag, String station, boolean noRead) {
        hangBag(bag, station, settings.bagGrams(), settings.bagLengthM(), noRead);
    }

    /** Bags waiting at a station to be hung on. */
    public int queuedAt(String station) {
        return worldWith(w -> w.hasStation(station), "station " + station).queuedAt(station);
    }

    public void setEstop(boolean pressed) {
        worlds.forEach(w -> w.setEstop(pressed));
    }

    public void setJam(String zone, boolean active) {
        worldWith(w -> w.hasZone(zone), "zone " + zone).setJam(zone, active);
    }

    public void pressButton(String name) {
        worldWith(w -> w.hasButton(name), name + " button").pressButton(name);
    }

    /** A rider takes every bag out of a lane; returns how many. */
    public int collect(String lane) {
        return worldWith(w -> w.hasLane(lane), "lane " + lane).collect(lane);
    }

    /** The diverter of {@code lane} answers its next {@code count} actuations {@code lateMs} late. */
    public void lateDivert(String lane, int lateMs, int count) {
        worldWith(w -> w.hasLane(lane), "lane " + lane).lateDivert(lane, lateMs, count);
    }

    /** A person puts a bag straight into a lane. */
    public void dropIntoLane(String bag, String lane, double lengthM) {
        worldWith(w -> w.hasLane(lane), "lane " + lane).dropIntoLane(bag, lane, lengthM);
    }

    /** {@code paper-out}, {@code head-open}, {@code ribbon-out}, {@code paused}, {@code offline}, {@code power-cycle}; null clears. */
    public void printerFault(String printer, String faultOrNull) {
        PrinterEndpoint p = printers.get(printer);
        if (p == null) throw new IllegalArgumentException("unknown printer " + printer + "; simulated: " + printers.keySet());
        try {
            p.setFault(faultOrNull);
        } catch (IOException e) {
            throw new UncheckedIOException("printer " + printer + ": cannot listen again: " + e.getMessage(), e);
        }
    }

    public void scaleOffline(String scale, boolean off) {
        ScaleEndpoint s = scale(scale);
        try {
            s.setOffline(off);
            log.info("{}: {}", scale, off ? "offline (connections closed and refused)" : "online again");
        } catch (IOException e) {
            throw new UncheckedIOException("scale " + scale + ": cannot listen again: " + e.getMessage(), e);
        }
    }

    public void scaleNoise(String scale, double grams) {
        scale(scale).setNoise(grams);
    }

    /** Empties every line and clears every fault (jams, e-stop, printers, scales); counters are kept. */
    public void reset() {
        worlds.forEach(LineWorld::reset);
        printers.keySet().forEach(p -> printerFault(p, null));
        scales.keySet().forEach(s -> {
            scaleOffline(s, false);
            scaleNoise(s, 0);
        });
    }

    public List<SimLabel> labels() { return List.copyOf(labels); }

    /** Last physical level the daemon drove on an output pin (false before any OUT). */
    public boolean output(int pin) {
        for (LineWorld w : worlds) if (w.outputPins().contains(pin)) return w.output(pin);
        return false;
    }

    /** Physical level of an input pin as the daemon sees it. */
    public boolean input(int pin) {
        for (LineWorld w : worlds) if (w.inputPins().contains(pin)) return w.input(pin);
        return false;
    }

    /** True when no bag is queued or moving on any line. */
    public boolean settled() {
        return worlds.stream().allMatch(LineWorld::settled);
    }

    public SimReport report() {
        Map<String, BagPlace> bags = new LinkedHashMap<>();
        int collisions = 0, unexpected = 0, misses = 0, trips = 0;
        List<String> jammed = new ArrayList<>();
        for (LineWorld w : worlds) {
            bags.putAll(w.bagPlaces());
            collisions += w.collisions();
            unexpected += w.unexpectedMotion();
            misses += w.divertMisses();
            trips += w.watchdogTrips();
            jammed.addAll(w.jammed());
        }
        return new SimReport(bags, collisions, unexpected, labels.size(), jammed, misses, trips);
    }

    /** The port a simulated device listens on (useful with port 0 in a test config). */
    public int port(String deviceId) {
        TcpEndpoint e = scales.containsKey(deviceId) ? scales.get(deviceId)
                : printers.containsKey(deviceId) ? printers.get(deviceId) : scanners.get(deviceId);
        if (e == null) throw new IllegalArgumentException("no simulated TCP device " + deviceId);
        return e.port();
    }

    public int gpioPort() { return gpio.port(); }

    public boolean mqttConnected() { return mqtt.connected(); }

    /** {@code sim/<site>/<node>}. */
    public String mqttBase() { return base; }

    public ConveyordConfig config() { return cfg; }

    private LineWorld worldWith(Predicate<LineWorld> p, String what) {
        return worlds.stream().filter(p).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no line in the config has " + what));
    }

    private ScaleEndpoint scale(String id) {
        ScaleEndpoint s = scales.get(id);
        if (s == null) throw new IllegalArgumentException("unknown scale " + id + "; simulated: " + scales.keySet());
        return s;
    }

    // ------------------------------------------------------------------ MQTT

    private void onCommand(String topic, byte[] payload) {
        String action = topic.substring(topic.lastIndexOf('/') + 1);
        JsonNode p;
        try {
            p = JSON.readTree(payload);
            if (p == null || !p.isObject()) throw new IOException("not a JSON object");
        } catch (IOException e) {
            log.warn("ignoring {}: payload is not a JSON object ({})", topic, e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        try {
            switch (action) {
                case "bag" -> hangBag(text(p, "bag"), text(p, "station"),
                        number(p, "grams", settings.bagGrams()), number(p, "lengthM", settings.bagLengthM()),
                        bool(p, "noread", false));
                case "estop" -> setEstop(boolRequired(p, "active"));
                case "jam" -> setJam(text(p, "zone"), bool(p, "active", true));
                case "printer" -> {
                    if (!p.has("fault")) throw new IllegalArgumentException("fault is missing (a fault name or null)");
                    JsonNode f = p.get("fault");
                    if (!f.isNull() && !f.isTextual()) throw new IllegalArgumentException("fault must be a string or null");
                    printerFault(text(p, "printer"), f.isNull() ? null : f.asText());
                }
                case "scale" -> {
                    String s = text(p, "scale");
                    if (!p.has("offline") && !p.has("noise")) throw new IllegalArgumentException("expected offline or noise");
                    if (p.has("offline")) scaleOffline(s, boolRequired(p, "offline"));
                    if (p.has("noise")) scaleNoise(s, number(p, "noise", 0));
                }
                case "button" -> pressButton(text(p, "button"));
                case "collect" -> collect(text(p, "lane"));
                case "reset" -> reset();
                case "divert" -> {
                    if (!p.path("lateMs").isNumber()) throw new IllegalArgumentException("lateMs must be a number of milliseconds");
                    lateDivert(text(p, "lane"), (int) number(p, "lateMs", 0), (int) number(p, "count", 1));
                }
                case "drop" -> dropIntoLane(text(p, "bag"), text(p, "lane"), number(p, "lengthM", settings.bagLengthM()));
                default -> throw new IllegalArgumentException("unknown action " + action
                        + "; expected bag, estop, jam, printer, scale, button, collect, reset, divert or drop");
            }
        } catch (IllegalArgumentException | UncheckedIOException e) {
            log.warn("ignoring {} {}: {}", topic, new String(payload, StandardCharsets.UTF_8), e.getMessage());
        }
    }

    private static String text(JsonNode p, String key) {
        JsonNode v = p.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException(key + " must be a non-empty string");
        return v.asText();
    }

    private static double number(JsonNode p, String key, double dflt) {
        JsonNode v = p.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new IllegalArgumentException(key + " must be a number");
        return v.asDouble();
    }

    private static boolean bool(JsonNode p, String key, boolean dflt) {
        JsonNode v = p.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new IllegalArgumentException(key + " must be true or false");
        return v.asBoolean();
    }

    private static boolean boolRequired(JsonNode p, String key) {
        if (!p.has(key)) throw new IllegalArgumentException(key + " is missing (true or false)");
        return bool(p, key, false);
    }

    private long fingerprint() {
        long f = labels.size();
        for (LineWorld w : worlds) f = f * 31 + w.version();
        return f;
    }

    private void publishReportIfChanged() {
        long f = fingerprint();
        if (f == publishedFingerprint) return;
        if (publishReport()) publishedFingerprint = f;
    }

    private void publishReportNow() {
        publishedFingerprint = Long.MIN_VALUE;
        publishReport();
    }

    private boolean publishReport() {
        SimReport r = report();
        ObjectNode o = JSON.createObjectNode();
        ObjectNode bags = o.putObject("bags");
        r.bags().forEach((id, place) -> bags.putObject(id).put("at", place.at()).put("ts", place.since().toString()));
        o.put("collisions", r.collisions()).put("unexpectedMotion", r.unexpectedMotion()).put("labels", r.labels());
        ArrayNode jammed = o.putArray("jammed");
        r.jammed().forEach(jammed::add);
        o.put("divertMisses", r.divertMisses()).put("watchdogTrips", r.watchdogTrips());
        return mqtt.publish(base + "/report", o.toString().getBytes(StandardCharsets.UTF_8), 1, true);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        scheduler.shutdownNow();
        mqtt.close();
        gpio.close();
        scales.values().forEach(TcpEndpoint::close);
        printers.values().forEach(TcpEndpoint::close);
        scanners.values().forEach(TcpEndpoint::close);
        bridges.forEach(PtyBridge::close);
        deviceIo.shutdownNow();
        log.info("device-sim stopped");
    }
}
