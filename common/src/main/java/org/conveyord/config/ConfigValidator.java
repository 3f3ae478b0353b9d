package org.conveyord.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what binding cannot: ids, references between devices, the line's layout, pins used twice.
 * Every finding names the key path; the loader adds the file line.
 */
public final class ConfigValidator {

    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s:]+:\\d{1,5}|\\[[0-9a-fA-F:]+]:\\d{1,5}");
    private static final Set<String> PROVIDERS = Set.of("gpiod", "sim");

    public record Finding(String keyPath, String message, ConfigProblem.Severity severity) {}

    private final List<Finding> findings = new ArrayList<>();
    /** pin number -> key path of its first use */
    private final Map<Integer, String> pinsUsed = new HashMap<>();

    private ConfigValidator() {}

    public static List<Finding> validate(ConveyordConfig c) {
        ConfigValidator v = new ConfigValidator();
        v.check(c);
        return List.copyOf(v.findings);
    }

    private void http(HttpConfig h) {
        if (!h.enabled()) return;
        if (!HOST_PORT.matcher(h.listenOrDefault()).matches() || h.port() < 1 || h.port() > 65535) {
            error("http.listen", "'" + h.listen() + "' is not a listen address; expected host:port (default "
                    + HttpConfig.DEFAULT_LISTEN + ") or off");
            return;
        }
        if (!h.loopback() && (h.auth() == null || h.auth().isBlank())) {
            error("http.auth", "http.listen " + h.listenOrDefault() + " is reachable beyond this machine, so commands"
                    + " need credentials: set http.auth to a credentials file (one 'name secret' a line), or listen on 127.0.0.1");
        }
    }

    private void error(String path, String msg) {
        findings.add(new Finding(path, msg, ConfigProblem.Severity.ERROR));
    }

    private void warn(String path, String msg) {
        findings.add(new Finding(path, msg, ConfigProblem.Severity.WARNING));
    }

    private void check(ConveyordConfig c) {
        id("site", c.site(), "the store id, e.g. sz-0421");
        id("node", c.node(), "this edge box's id, e.g. edge-1");
        MqttConfig m = c.mqttOrDefault();
        if (m.url() == null || !(m.url().startsWith("tcp://") || m.url().startsWith("ssl://"))
                || !HOST_PORT.matcher(m.url().substring(m.url().indexOf("://") + 3)).matches()) {
            error("mqtt.url", "'" + m.url() + "' is not a broker URL; expected tcp://host:port or ssl://host:port");
        }
        if (m.prefix() != null && !m.prefix().matches("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")) {
            error("mqtt.prefix", "'" + m.prefix() + "' is not a topic prefix; expected letters, digits, - and _ (default conveyord)");
        }
        if (m.telemetryIntervalS() != null && m.telemetryIntervalS() < 1) {
            error("mqtt.telemetryIntervalS", "must be at least 1 second");
        }
        if (m.tls() != null && m.tls().ca() == null) {
            error("mqtt.tls.ca", "TLS needs the CA certificate (PEM) that signed the broker's certificate");
        }
        if (m.tls() != null && (m.tls().cert() == null) != (m.tls().key() == null)) {
            error("mqtt.tls", "a client certificate needs both 'cert' and 'key' (PEM files)");
        }
        if (m.url() != null && m.url().startsWith("ssl://") && m.tls() == null) {
            error("mqtt.tls", "an ssl:// broker needs a tls section with at least 'ca'");
        }
        MqttConfig.OutboxConfig ob = m.outboxOrDefault();
        if (ob.maxMbOrDefault() < 1) error("mqtt.outbox.maxMb", "must be at least 1 (MiB of disk for unsent events)");
        if (!MqttConfig.OutboxConfig.FSYNC_POLICIES.contains(ob.fsyncOrDefault())) {
            error("mqtt.outbox.fsync", "'" + ob.fsync() + "' is not an fsync policy; expected batched (default) or every-write");
        }
        if (ob.fsyncIntervalMsOrDefault() < 1 || ob.fsyncIntervalMsOrDefault() > 10_000) {
            error("mqtt.outbox.fsyncIntervalMs", "must be between 1 and 10000 ms");
        }
        MqttConfig.CommandsConfig cm = m.commandsOrDefault();
        if (cm.maxPayloadBytesOrDefault() < 256) error("mqtt.commands.maxPayloadBytes", "must be at least 256 bytes");
        if (cm.perSenderPerSecondOrDefault() < 1) error("mqtt.commands.perSenderPerSecond", "must be at least 1");
        if (cm.perSecondOrDefault() < 1) error("mqtt.commands.perSecond", "must be at least 1");
        if (cm.perSenderBurstOrDefault() < 1) error("mqtt.commands.perSenderBurst", "must be at least 1");
        if (cm.burstOrDefault() < 1) error("mqtt.commands.burst", "must be at least 1");
        checkLogging(c.loggingOrDefault());
        checkHealth(c.healthOrDefault());
        http(c.httpOrDefault());
        GpioConfig g = c.gpioOrDefault();
        if (!PROVIDERS.contains(g.providerOrDefault())) {
            error("gpio.provider", "'" + g.provider() + "' is not a GPIO provider; expected gpiod (hardware) or sim (device-sim)");
        }
        if (c.devicesOrEmpty().isEmpty()) {
            error("devices", "no devices configured; expected at least one line, scale, printer or scanner");
        }
        c.devicesOrEmpty().forEach((id, d) -> {
            String p = "devices." + id;
            if (!ID.matcher(id).matches() || id.equals("node")) {
                error(p, "'" + id + "' is not a valid device id; expected lowercase letters, digits and '-', up to 32 characters, not 'node'");
            }
            switch (d) {
                case LineConfig l -> line(p, l, c);
                case ScaleConfig s -> {
                    link(p + ".link", s.link());
                    if (!ScaleConfig.PROTOCOLS.contains(s.protocolOrDefault())) {
                        error(p + ".protocol", "'" + s.protocol() + "' is not a supported scale protocol; expected "
                                + String.join(", ", ScaleConfig.PROTOCOLS));
                    }
                    positive(p + ".timeoutMs", s.timeoutMs());
                    positive(p + ".settleMs", s.settleMs());
                }
                case PrinterConfig pr -> {
                    link(p + ".link", pr.link());
                    if (!pr.protocolOrDefault().equals("zpl")) {
                        error(p + ".protocol", "'" + pr.protocol() + "' is not a supported printer protocol; expected zpl");
                    }
                    positive(p + ".pollMs", pr.pollMs());
                    positive(p + ".jobDeadlineS", pr.jobDeadlineS());
                    pr.templatesOrEmpty().forEach((name, zpl) -> {
                        String t = zpl == null ? "" : zpl.strip();
                        if (!t.startsWith("^XA") || !t.endsWith("^XZ")) {
                            error(p + ".templates." + name, "a template must be one label, starting with ^XA and ending with ^XZ");
                        }
                    });
                }
                case ScannerConfig sc -> {
                    link(p + ".link", sc.link());
                    if (sc.suffix() != null && sc.suffix().isEmpty()) {
                        error(p + ".suffix", "must not be empty; expected the characters that end every read, e.g. \"\\r\\n\"");
                    }
                    if (sc.duplicateWindowMs() != null && sc.duplicateWindowMs() < 0) {
                        error(p + ".duplicateWindowMs", "must be 0 (report every read) or more");
                    }
                }
            }
        });
    }

    private void id(String path, String value, String example) {
        if (value == null) {
            error(path, "missing; expected " + example);
        } else if (!ID.matcher(value).matches()) {
            error(path, "'" + value + "' is not a valid id; expected lowercase letters, digits and '-', up to 32 characters (" + example + ")");
        }
    }

    private void positive(String path, Number n) {
        if (n != null && n.doubleValue() <= 0) error(path, "must be greater than 0");
    }

    private void link(String path, LinkConfig l) {
        if (l == null) {
            error(path, "missing; expected {tcp: \"host:port\"} or {serial: /dev/serial/by-id/...}");
            return;
        }
        if ((l.tcp() == null) == (l.serial() == null)) {
            error(path, "expected exactly one of 'tcp' (\"host:port\") or 'serial' (a port path)");
            return;
        }
        if (l.tcp() != null) {
            if (!HOST_PORT.matcher(l.tcp()).matches() || l.port() < 1 || l.port() > 65535) {
                error(path + ".tcp", "'" + l.tcp() + "' is not host:port; expected e.g. 192.168.1.50:9100");
            }
        } else {
            if (!l.serial().startsWith("/")) {
                error(path + ".serial", "'" + l.serial() + "' is not a device path; expected e.g. /dev/serial/by-id/usb-...");
            } else if (l.serial().matches("/dev/tty(USB|ACM)\\d+")) {
                warn(path + ".serial", l.serial() + " can change after a reboot or replug; prefer the stable /dev/serial/by-id/... name");
            }
            if (l.baud() != null && l.baud() <= 0) error(path + ".baud", "must be a positive baud rate, e.g. 9600");
            if (l.dataBits() != null && (l.dataBits() < 5 || l.dataBits() > 8)) error(path + ".dataBits", "expected 5, 6, 7 or 8");
            if (l.parity() != null && !Set.of("none", "even", "odd", "mark", "space").contains(l.parity())) {
                error(path + ".parity", "'" + l.parity() + "' is not a parity; expected none, even, odd, mark or space");
            }
            if (l.stopBits() != null && l.stopBits() != 1 && l.stopBits() != 2) error(path + ".stopBits", "expected 1 or 2");
            if (l.handshake() != null && !Set.of("none", "xonxoff", "rtscts").contains(l.handshake())) {
                error(path + ".handshake", "'" + l.handshake() + "' is not a handshake; expected none, xonxoff or rtscts");
            }
        }
    }

    private void pin(String path, PinConfig pin, boolean required) {
        if (pin == null) {
            if (required) error(path, "missing; expected a pin number, or {pin: 17, activeLow: true}");
            return;
        }
        if (pin.pin() < 0 || pin.pin() > 511) {
            error(path, "pin " + pin.pin() + " is out of range; expected a GPIO line number 0..511");
        }
        if (pin.debounceMs() < 0 || pin.debounceMs() > 1000) {
            error(path + ".debounceMs", "expected 0..1000 ms");
        }
        String first = pinsUsed.putIfAbsent(pin.pin(), path);
        if (first != null) {
            error(path, "pin " + pin.pin() + " is already used by " + first + "; expected each pin once");
        }
    }

    /**
     * An output whose pin's boot-time pull (Raspberry Pi: GPIO 0-8 pulled up, 9-27 pulled down)
     * equals its active level switches its relay on while the box boots, before conveyord runs.
     */
    private void output(String path, PinConfig pin, boolean required, ConveyordConfig c) {
        pin(path, pin, required);
        if (pin != null && pin.bias() != null) warn(path + ".bias", "bias applies to inputs only; an output ignores it");
        if (pin == null || !"gpiod".equals(c.gpioOrDefault().providerOrDefault())) return;
        boolean pulledUp = pin.pin() <= 8;
        boolean pulledDown = pin.pin() >= 9 && pin.pin() <= 27;
        if ((pulledUp && !pin.activeLow()) || (pulledDown && pin.activeLow())) {
            warn(path, "pin " + pin.pin() + " is pulled " + (pulledUp ? "up" : "down") + " at boot, which is this output's active level"
                    + " (activeLow: " + pin.activeLow() + "): its relay switches on while the box boots; use a pin pulled the other way"
                    + " or an inverting driver");
        }
    }

    /**
     * An input whose broken wire must read inactive (the NC e-stop: pressed; the reset button: not
     * pressed) needs a bias that pulls an open circuit to the pin's inactive level. Only real
     * hardware has wires to break.
     */
    private void safetyInput(String path, PinConfig pin, String what, String brokenReadsAs, ConveyordConfig c) {
        if (pin == null || !"gpiod".equals(c.gpioOrDefault().providerOrDefault())) return;
        String safe = pin.safeBias().yaml();
        if (pin.bias() == null) {
            warn(path + ".bias", "no bias: if the wire to " + what + " breaks, the input floats and may read " + brokenReadsAs
                    + "; expected bias: " + safe + " (activeLow: " + pin.activeLow() + ") or external (a resistor in the wiring)");
        } else if (pin.bias() != PinConfig.Bias.EXTERNAL && pin.bias() != pin.safeBias()) {
            warn(path + ".bias", "bias " + pin.bias().yaml() + " makes a broken wire to " + what + " read " + brokenReadsAs
                    + " (activeLow: " + pin.activeLow() + "); expected bias: " + safe);
        }
    }

    private void line(String p, LineConfig l, ConveyordConfig c) {
        double speed = l.speedMpsOrDefault();
        if (speed <= 0 || speed > 3.0) {
            error(p + ".speedMps", speed + " m/s is outside what a store conveyor runs; expected 0.1 .. 3.0");
        }
        List<LineConfig.SpeedPreset> presets = l.speedPresetsOrEmpty();
        for (int i = 0; i < presets.size(); i++) {
            LineConfig.SpeedPreset sp = presets.get(i);
            String pp = p + ".speedPresets[" + i + "]";
            if (sp.mps() == null || sp.mps() <= 0 || sp.mps() > 3.0) {
                error(pp + ".mps", "expected a speed of 0.1 .. 3.0 m/s");
            } else {
                l.divertProblemAt(sp.mps()).ifPresent(why -> error(pp + ".mps", "this preset cannot be used: " + why));
            }
            output(pp + ".output", sp.output(), true, c);
        }
        String lf = l.laneFullOrDefault();
        if ("recirculate".equals(lf)) {
            error(p + ".laneFull", "recirculate needs a recirculation loop from the sorter back onto the line, which this layout "
                    + "has no way to describe yet; expected exception or hold");
        } else if (!lf.equals(LineConfig.LANE_FULL_EXCEPTION) && !lf.equals(LineConfig.LANE_FULL_HOLD)) {
            error(p + ".laneFull", "expected exception (a bag for a full lane goes to exception) or hold (it waits before the sorter)");
        }
        if (l.jamRetriesOrDefault() < 0 || l.jamRetriesOrDefault() > 3) {
            error(p + ".jamRetries", "expected 0 .. 3 automatic retries; after that a person must clear the jam");
        }
        if (l.maxLoopLagMsOrDefault() < 60 || l.maxLoopLagMsOrDefault() > 2000) {
            error(p + ".maxLoopLagMs", "expected 60 .. 2000 ms (above one control tick of 50 ms, below the watchdog relay's drop-out)");
        }
        if (l.maxEyeEdgesPerSOrDefault() < 5 || l.maxEyeEdgesPerSOrDefault() > 1000) {
            error(p + ".maxEyeEdgesPerS", "expected 5 .. 1000 edges per second on one eye before it counts as chattering");
        }
        if (l.startWarningSOrDefault() < 0 || l.startWarningSOrDefault() > 30) {
            error(p + ".startWarningS", "expected 0 .. 30 seconds of horn before motion");
        }
        pin(p + ".estop", l.estop(), true);
        safetyInput(p + ".estop", l.estop(), "the e-stop", "released", c);
        output(p + ".horn", l.horn(), false, c);
        output(p + ".heartbeat", l.heartbeat(), false, c);
        if (l.stackLight() != null) {
            output(p + ".stackLight.green", l.stackLight().green(), false, c);
            output(p + ".stackLight.yellow", l.stackLight().yellow(), false, c);
            output(p + ".stackLight.red", l.stackLight().red(), false, c);
            output(p + ".stackLight.blue", l.stackLight().blue(), false, c);
        }
        if (l.buttons() != null) {
            pin(p + ".buttons.start", l.buttons().start(), false);
            pin(p + ".buttons.stop", l.buttons().stop(), false);
            pin(p + ".buttons.reset", l.buttons().reset(), false);
            safetyInput(p + ".buttons.reset", l.buttons().reset(), "the reset button", "pressed", c);
        }
        if (l.buttons() == null || l.buttons().reset() == null) {
            warn(p + ".buttons.reset", "no physical reset button: after an emergency stop, reset will be accepted over MQTT;"
                    + " fit a reset button at the line so that someone has to look before it restarts");
        }
        double maxBag = l.maxBagLengthMOrDefault();
        Set<String> zoneIds = new HashSet<>();
        List<LineConfig.Zone> zones = l.zonesOrEmpty();
        if (zones.isEmpty()) error(p + ".zones", "a line needs at least one zone");
        for (int i = 0; i < zones.size(); i++) {
            LineConfig.Zone z = zones.get(i);
            String zp = p + ".zones[" + i + "]";
            if (z.id() == null || !ID.matcher(z.id()).matches()) {
                error(zp + ".id", "missing or invalid zone id; expected e.g. z1");
                continue;
            }
            if (!zoneIds.add(z.id()) || z.id().equals(LineConfig.SORTER)) {
                error(zp + ".id", "zone id '" + z.id() + "' is used twice or reserved; expected a unique id");
            }
            if (z.lengthMOrDefault() <= maxBag) {
                error(zp + ".lengthM", "zone " + z.id() + " is " + z.lengthMOrDefault() + " m, not longer than the longest bag ("
                        + maxBag + " m, maxBagLengthM); expected a zone longer than the longest bag");
            }
            if (z.eyeAtMOrDefault() <= maxBag / 2 || z.eyeAtMOrDefault() > z.lengthMOrDefault()) {
                error(zp + ".eyeAtM", "the eye must sit inside the zone, near its discharge end; expected "
                        + (maxBag / 2) + " < eyeAtM <= " + z.lengthMOrDefault());
            }
            output(zp + ".motor", z.motor(), true, c);
            pin(zp + ".eye", z.eye(), true);
            if (z.scale() != null && !(c.devicesOrEmpty().get(z.scale()) instanceof ScaleConfig)) {
                error(zp + ".scale", "'" + z.scale() + "' is not a scale device in this file; expected the id of a kind: scale device");
            }
        }
        for (int i = 0; i < zones.size(); i++) {
            LineConfig.Zone z = zones.get(i);
            String next = z.next();
            if (next == null) {
                error(p + ".zones[" + i + "].next", "missing; expected the id of the zone this one feeds, or '" + LineConfig.SORTER + "'");
            } else if (!next.equals(LineConfig.SORTER) && !zoneIds.contains(next)) {
                error(p + ".zones[" + i + "].next", "'" + next + "' is not a zone of this line; expected one of " + zoneIds + " or '" + LineConfig.SORTER + "'");
            } else if (next.equals(z.id())) {
                error(p + ".zones[" + i + "].next", "a zone cannot feed itself");
            }
        }
        checkFlowsToSorter(p, zones, zoneIds);
        // a bag that covers two eyes at once makes the hand-over from zone to zone ambiguous
        for (int i = 0; i < zones.size(); i++) {
            LineConfig.Zone z = zones.get(i);
            double after = z.lengthMOrDefault() - z.eyeAtMOrDefault();
            Double nextEye = LineConfig.SORTER.equals(z.next())
                    ? (l.sorter() == null ? null : l.sorter().entryEyeAtMOrDefault())
                    : l.zone(z.next() == null ? "" : z.next()).map(LineConfig.Zone::eyeAtMOrDefault).orElse(null);
            if (nextEye != null && after + nextEye <= maxBag) {
                warn(p + ".zones[" + i + "].eyeAtM", "zone " + z.id() + "'s eye is only " + String.format("%.2f", after + nextEye)
                        + " m before the next eye, less than the longest bag (" + maxBag + " m): a bag covers both eyes at once;"
                        + " expected eyes further apart than maxBagLengthM");
            }
        }
        List<LineConfig.Station> stations = l.stationsOrEmpty();
        Set<String> stationZones = new HashSet<>();
        for (int i = 0; i < stations.size(); i++) {
            LineConfig.Station s = stations.get(i);
            String sp = p + ".stations[" + i + "]";
            if (s.id() == null || !ID.matcher(s.id()).matches()) error(sp + ".id", "missing or invalid station id; expected e.g. pick-1");
            if (s.zone() == null || !zoneIds.contains(s.zone())) {
                error(sp + ".zone", "'" + s.zone() + "' is not a zone of this line; expected the zone bags are hung on at");
            } else {
                if (!stationZones.add(s.zone())) error(sp + ".zone", "two stations induct onto zone " + s.zone() + "; expected one station per zone");
                boolean fed = zones.stream().anyMatch(z -> s.zone().equals(z.next()));
                if (fed) error(sp + ".zone", "zone " + s.zone() + " is fed by another zone; a station must induct at the start of a branch");
                l.zone(s.zone()).ifPresent(z -> {
                    if (s.scanAtMOrDefault() >= z.eyeAtMOrDefault()) {
                        error(sp + ".scanAtM", "the scanner must read before the zone's eye; expected scanAtM < " + z.eyeAtMOrDefault());
                    }
                });
            }
            if (s.scanner() != null && !(c.devicesOrEmpty().get(s.scanner()) instanceof ScannerConfig)) {
                error(sp + ".scanner", "'" + s.scanner() + "' is not a scanner device in this file; expected the id of a kind: scanner device");
            }
            l.zone(s.zone() == null ? "" : s.zone()).ifPresent(z -> {
                String next = z.next();
                long feeders = zones.stream().filter(o -> next != null && next.equals(o.next())).count();
                if (s.scanner() == null && feeders > 1) {
                    // the read tells the daemon a bag is coming: without it the merge is decided at the eye
                    warn(sp + ".scanner", "station " + s.id() + " has no scanner and its zone " + z.id() + " feeds the merge " + next
                            + ": the other branch's turn can only stop its bag at its eye, "
                            + String.format("%.2f", z.lengthMOrDefault() - z.eyeAtMOrDefault())
                            + " m before the merge; expected a scanner at a station that feeds a merge");
                }
            });
        }
        Set<String> laneIds = new HashSet<>();
        List<LineConfig.Lane> lanes = l.lanesOrEmpty();
        for (int i = 0; i < lanes.size(); i++) {
            LineConfig.Lane ln = lanes.get(i);
            String lp = p + ".lanes[" + i + "]";
            if (ln.id() == null || !ID.matcher(ln.id()).matches() || !laneIds.add(ln.id())) {
                error(lp + ".id", "missing, invalid or repeated lane id; expected e.g. lane-1");
            }
            pin(lp + ".eye", ln.eye(), true);
            pin(lp + ".fullEye", ln.fullEye(), false);
            if (ln.capacityOrDefault() < 1) error(lp + ".capacity", "expected at least 1 bag");
        }
        LineConfig.Sorter s = l.sorter();
        if (s == null) {
            error(p + ".sorter", "missing; expected the sorter belt with its diverters");
        } else {
            String sp = p + ".sorter";
            output(sp + ".motor", s.motor(), true, c);
            pin(sp + ".entryEye", s.entryEye(), true);
            if (!laneIds.contains(s.runOutLaneOrDefault())) {
                error(sp + ".runOutLane", "'" + s.runOutLaneOrDefault() + "' is not a lane of this line; expected the exception lane's id");
            }
            // the sorter model's bounds: a ramp or coast outside these is a typo (seconds for ms, cm for m)
            if (s.rampMsOrDefault() < 0 || s.rampMsOrDefault() > 10_000) {
                error(sp + ".rampMs", "start ramp " + s.rampMsOrDefault() + " ms is out of range; expected 0..10000 ms");
            }
            if (s.coastMOrDefault() < 0 || s.coastMOrDefault() > 2.0) {
                error(sp + ".coastM", "coast " + s.coastMOrDefault() + " m is out of range; expected 0..2 m");
            }
            double lastAt = s.entryEyeAtMOrDefault();
            List<LineConfig.Diverter> ds = s.divertersOrEmpty();
            for (int i = 0; i < ds.size(); i++) {
                LineConfig.Diverter d = ds.get(i);
                String dp = sp + ".diverters[" + i + "]";
                if (d.lane() == null || !laneIds.contains(d.lane())) {
                    error(dp + ".lane", "'" + d.lane() + "' is not a lane of this line; expected one of " + laneIds);
                }
                output(dp + ".output", d.output(), true, c);
                double at = d.atM() == null ? -1 : d.atM();
                // the divert decision is taken when the bag's tail clears the entry eye: the bag's centre
                // is then maxBag/2 past it, and the diverter must be fully out before the centre arrives
                double needed = l.divertPointNeededM(d, speed);
                if (at <= needed || at >= s.lengthMOrDefault()) {
                    error(dp + ".atM", "divert point " + at + " m cannot be reached in time at " + speed + " m/s; expected "
                            + String.format("%.2f", needed) + " < atM < " + s.lengthMOrDefault() + " (entry eye + half a bag + travel during actuation and head start)");
                }
                if (at <= lastAt) error(dp + ".atM", "diverters must be listed in belt order; expected atM > " + lastAt);
                lastAt = Math.max(lastAt, at);
            }
            double gapNeeded = l.gapNeededM(speed);
            if (s.minGapMOrDefault() < gapNeeded) {
                error(sp + ".minGapM", "gap " + s.minGapMOrDefault() + " m is below what the diverters need at " + speed
                        + " m/s; expected at least " + String.format("%.2f", gapNeeded) + " m (speed x (out + back actuation + eye response))");
            }
        }
        if (l.printer() != null && !(c.devicesOrEmpty().get(l.printer()) instanceof PrinterConfig)) {
            error(p + ".printer", "'" + l.printer() + "' is not a printer device in this file; expected the id of a kind: printer device");
        }
    }

    /** Every zone must reach the sorter without a cycle. */
    private void checkFlowsToSorter(String p, List<LineConfig.Zone> zones, Set<String> zoneIds) {
        Map<String, String> next = new HashMap<>();
        zones.forEach(z -> { if (z.id() != null) next.put(z.id(), z.next()); });
        for (int i = 0; i < zones.size(); i++) {
            String at = zones.get(i).id();
            Set<String> seen = new HashSet<>();
            while (at != null && zoneIds.contains(at) && seen.add(at)) at = next.get(at);
            if (at != null && zoneIds.contains(at)) {
                error(p + ".zones[" + i + "].next", "zones " + seen + " feed each other in a loop; expected every zone to flow to the sorter");
                return;
            }
        }
    }

    private void checkLogging(LoggingConfig l) {
        if (l.level() != null && !LoggingConfig.LEVELS.contains(l.levelOrDefault())) {
            error("logging.level", "'" + l.level() + "' is not a log level; expected one of: "
                    + String.join(", ", LoggingConfig.LEVELS) + " (default INFO)");
        }
        if (l.format() != null && !LoggingConfig.FORMATS.contains(l.format())) {
            error("logging.format", "'" + l.format() + "' is not a log format; expected text (default) or json");
        }
    }

    private void checkHealth(HealthConfig h) {
        if (h.cpuTempMaxC() != null && (h.cpuTempMaxC() < 30 || h.cpuTempMaxC() > 110)) {
            error("health.cpuTempMaxC", "must be between 30 and 110 (°C; default 80)");
        }
        if (h.diskFreeMinPercent() != null && (h.diskFreeMinPercent() < 0 || h.diskFreeMinPercent() > 90)) {
            error("health.diskFreeMinPercent", "must be between 0 and 90 (% of the state directory's file system; default 10)");
        }
    }
}
