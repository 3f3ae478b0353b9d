package org.conveyord.sim.endpoints;

import org.conveyord.sim.physics.LineWorld;
import org.conveyord.config.ScaleConfig;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.mtcontinuous.MtContinuousCodec;
import org.conveyord.protocol.mtsics.MtSicsCodec;
import org.conveyord.protocol.nciecr.NciEcrCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A scale on TCP speaking the protocol its config names: MT-SICS (polled; {@code SIR} streams SI
 * replies every {@value #STREAM_MS} ms until the next command), Mettler Toledo continuous output
 * (a frame every {@value #STREAM_MS} ms to each client, tare and checksum as configured; motion bit
 * while unstable) or NCI/ECR ({@code W}/{@code S}/{@code Z}; status only while moving). Gross weight = grams of the bags whose centre is on
 * its weigh zone (from the physics) + noise; replies are net of zero and tare, in grams with one
 * decimal. A reading is unstable while noise is set or a bag on the scale moves.
 *
 * <p>Threading: requests are answered on the connection's reader thread; {@code S}, {@code T} and
 * {@code Z} block that thread while they wait for stability (up to {@code scaleStableWaitMs}, then {@code I}).
 * Settings are volatile fields written by MQTT/API threads.
 */
public final class ScaleEndpoint extends TcpEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ScaleEndpoint.class);
    private static final int DECIMALS = 1;
    static final long STREAM_MS = 100;

    private final String scaleId;
    private final Supplier<LineWorld.ScaleLoad> load;
    private final Random random;
    private final long stableWaitNanos;
    private final Map<Connection, LineFramer> framers = new ConcurrentHashMap<>();
    /** Connections with an MT-SICS SIR running; removed by the next command or a disconnect. */
    private final Map<Connection, Boolean> repeating = new ConcurrentHashMap<>();
    private final String protocol;
    private final MtContinuousCodec.Format format;
    private volatile double noiseGrams;
    private volatile double tareGrams;
    private volatile double zeroGrams;

    ScaleEndpoint(String scaleId, String host, int port, Supplier<LineWorld.ScaleLoad> load, long seed, long stableWaitMs) {
        this(scaleId, new ScaleConfig("mt-sics", null, null, null, null), host, port, load, seed, stableWaitMs);
    }

    public ScaleEndpoint(String scaleId, ScaleConfig cfg, String host, int port, Supplier<LineWorld.ScaleLoad> load, long seed,
                  long stableWaitMs) {
        super(scaleId, host, port);
        this.protocol = cfg.protocolOrDefault();
        this.format = new MtContinuousCodec.Format(cfg.frameTareOrDefault(), cfg.frameChecksumOrDefault());
        this.stableWaitNanos = stableWaitMs * 1_000_000L;
        this.scaleId = scaleId;
        this.load = load;
        this.random = new Random(seed);
    }

    public void setNoise(double grams) {
        noiseGrams = Math.max(0, grams);
        log.info("{}: noise set to +-{} g", scaleId, noiseGrams);
    }

    @Override
    protected void onConnect(Connection c) {
        if (protocol.equals("mt-continuous")) {
            Thread.ofVirtual().name(name + "-stream").start(() -> stream(c, () -> c.send(continuousFrame())));
        }
    }

    @Override
    protected void onBytes(Connection c, byte[] buf, int len) {
        switch (protocol) {
            // continuous output takes no commands: whatever arrives is ignored, as on the indicator
            case "mt-continuous" -> { }
            case "nci-ecr" -> framers.computeIfAbsent(c, k -> new LineFramer("\r", 16, line -> answerNci(c, line),
                    () -> c.send(NciEcrCodec.unknownCommandReply()))).feed(buf, 0, len);
            // requests end in CR LF; cut on LF and strip, so a bare LF from a terminal works too
            default -> framers.computeIfAbsent(c, k -> new LineFramer("\n", MtSicsCodec.MAX_LINE_BYTES, line -> answer(c, line),
                    () -> c.send(MtSicsCodec.toWire("ES")))).feed(buf, 0, len);
        }
    }

    @Override
    protected void onDisconnect(Connection c) {
        framers.remove(c);
        repeating.remove(c);
    }

    /** Runs {@code send} every STREAM_MS while the client is connected (and, for SIR, still repeating). */
    private void stream(Connection c, Runnable send) {
        while (connections().contains(c) && (protocol.equals("mt-continuous") || repeating.containsKey(c))) {
            send.run();
            LockSupport.parkNanos(STREAM_MS * 1_000_000L);
        }
    }

    private byte[] continuousFrame() {
        Reading r = read();
        double kg = net(r) / 1000.0;
        return MtContinuousCodec.encode(kg, tareGrams / 1000.0, 3, true, !r.stable(), Math.abs(kg) > 999.999, false, format);
    }

    private void answerNci(Connection c, String line) {
        var req = NciEcrCodec.parseRequest(line);
        if (req.isEmpty()) {
            if (!line.isBlank()) log.info("{}: unknown request '{}', answering ?", scaleId, line.strip());
            c.send(NciEcrCodec.unknownCommandReply());
            return;
        }
        Reading r = read();
        double net = net(r);
        boolean atZero = Math.abs(net) < 0.5;
        c.send(switch (req.get()) {
            case W -> r.stable()
                    ? NciEcrCodec.weightReply(NciEcrCodec.weightField(net / 1000.0, 3, "KG"), NciEcrCodec.status(false, atZero, false, false))
                    : NciEcrCodec.statusReply(NciEcrCodec.status(true, false, false, false));
            case S -> NciEcrCodec.statusReply(NciEcrCodec.status(!r.stable(), atZero, false, false));
            case Z -> {
                if (r.stable()) zeroGrams = r.gross();
                yield NciEcrCodec.statusReply(NciEcrCodec.status(!r.stable(), r.stable(), false, false));
            }
        });
    }

    private record Reading(double gross, boolean stable) {}

    private Reading read() {
        LineWorld.ScaleLoad l = load.get();
        double noise = noiseGrams;
        double n = noise > 0 ? (random.nextDouble() * 2 - 1) * noise : 0;
        return new Reading(l.grams() + n, noise <= 0 && !l.moving());
    }

    private Optional<Reading> waitStable() {
        long until = System.nanoTime() + stableWaitNanos;
        while (true) {
            Reading r = read();
            if (r.stable()) return Optional.of(r);
            if (System.nanoTime() - until > 0) return Optional.empty();
            LockSupport.parkNanos(20_000_000L);
        }
    }

    private double net(Reading r) {
        return r.gross() - zeroGrams - tareGrams;
    }

    private void answer(Connection c, String line) {
        repeating.remove(c);
        var parsed = MtSicsCodec.parseRequest(line);
        if (parsed.isEmpty()) {
            if (!line.isBlank()) log.info("{}: unknown request '{}', answering ES", scaleId, line.strip());
            c.send(MtSicsCodec.toWire("ES"));
            return;
        }
        String reply = switch (parsed.get().request()) {
            case S -> waitStable().map(r -> MtSicsCodec.formatWeight("S", 'S', net(r), DECIMALS, "g"))
                    .orElse(MtSicsCodec.formatStatusOnly("S", "I"));
            case SI -> siReply();
            case T -> waitStable().map(r -> {
                tareGrams = r.gross() - zeroGrams;
                return MtSicsCodec.formatWeight("T", 'S', tareGrams, DECIMALS, "g");
            }).orElse(MtSicsCodec.formatStatusOnly("T", "I"));
            case TA -> taQueryOrSet(parsed.get().argument());
            case TAC -> {
                tareGrams = 0;
                yield MtSicsCodec.formatStatusOnly("TAC", "A");
            }
            case Z -> waitStable().map(r -> {
                zeroGrams = r.gross();
                return MtSicsCodec.formatStatusOnly("Z", "A");
            }).orElse(MtSicsCodec.formatStatusOnly("Z", "I"));
            case ZI -> {
                Reading r = read();
                zeroGrams = r.gross();
                yield MtSicsCodec.formatStatusOnly("ZI", r.stable() ? "S" : "D");
            }
            case RESET -> {
                tareGrams = 0;
                yield MtSicsCodec.formatText("I4", "A", serial());
            }
            case I4 -> MtSicsCodec.formatText("I4", "A", serial());
            case SIR -> {
                repeating.put(c, Boolean.TRUE);
                Thread.ofVirtual().name(name + "-sir").start(() -> stream(c, () -> c.send(MtSicsCodec.toWire(siReply()))));
                yield null;
            }
        };
        if (reply == null) return;
        c.send(MtSicsCodec.toWire(reply));
    }

    private String siReply() {
        Reading r = read();
        return MtSicsCodec.formatWeight("S", r.stable() ? 'S' : 'D', net(r), DECIMALS, "g");
    }

    private String taQueryOrSet(String arg) {
        if (!arg.isEmpty()) {
            String[] t = arg.split("\\s+");
            try {
                double v = Double.parseDouble(t[0]);
                var grams = MtSicsCodec.toGrams(v, t.length > 1 ? t[1] : "g");
                if (grams.isEmpty()) return MtSicsCodec.formatStatusOnly("TA", "L");
                tareGrams = grams.getAsDouble();
            } catch (NumberFormatException e) {
                return MtSicsCodec.formatStatusOnly("TA", "L");
            }
        }
        return MtSicsCodec.formatWeight("TA", 'A', tareGrams, DECIMALS, "g");
    }

    private String serial() {
        return "SIM" + Math.abs(scaleId.hashCode() % 10_000_000);
    }
}
