package org.conveyord.sim.endpoints;

import org.conveyord.sim.physics.SimClock;
import org.conveyord.config.PrinterConfig;
import org.conveyord.protocol.zpl.HostQueryErrors;
import org.conveyord.protocol.zpl.HostStatus;
import org.conveyord.protocol.zpl.ZplLabelReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A Zebra ZPL printer on raw TCP. Labels queue in its buffer and print one by one, {@link #PRINT_NANOS}
 * each, while the printer is ready; {@code ~HS}, {@code ~HQES} and {@code ~HQOD} are answered at once.
 * Faults: paper-out, head-open, ribbon-out, paused (labels wait), offline (connections closed and
 * refused), power-cycle (buffer lost, connections closed, back after 1 s; the odometer survives). Every
 * printed label is rendered to a PNG and its barcodes decoded ({@link LabelRenderer}) before it is reported.
 *
 * <p>Threading: bytes arrive on reader threads, {@link #tick} runs on the sim scheduler, faults come
 * from MQTT/API threads; the buffer and fault set are guarded by {@code this}. The printed-label
 * consumer is called outside the lock.
 */
public final class PrinterEndpoint extends TcpEndpoint {

    private static final Logger log = LoggerFactory.getLogger(PrinterEndpoint.class);
    static final long PRINT_NANOS = 300_000_000L;
    private final long printNanos;
    /** Renders and decodes printed labels off the physics thread, in print order. */
    private final java.util.concurrent.ExecutorService renderer =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("sim-label-render").unstarted(r));
    private static final long POWER_CYCLE_NANOS = 1_000_000_000L;
    static final Set<String> FAULTS = Set.of("paper-out", "head-open", "ribbon-out", "paused", "offline", "power-cycle");

    private final String printerId;
    private final int maxZplBytes;
    private final SimClock clock;
    private final Consumer<SimLabel> printed;
    private final Map<Connection, ZplLabelReader> readers = new ConcurrentHashMap<>();
    private final Deque<ZplLabelReader.Label> buffer = new ArrayDeque<>();
    private String fault;
    private long printStarted = -1;
    private long backOnlineAt = -1;
    private long odometer;

    PrinterEndpoint(String printerId, PrinterConfig cfg, String host, int port, SimClock clock, Consumer<SimLabel> printed) {
        this(printerId, cfg, host, port, clock, printed, PRINT_NANOS / 1_000_000L);
    }

    public PrinterEndpoint(String printerId, PrinterConfig cfg, String host, int port, SimClock clock, Consumer<SimLabel> printed,
                    long printMs) {
        super(printerId, host, port);
        this.printNanos = printMs * 1_000_000L;
        this.printerId = printerId;
        this.maxZplBytes = cfg.maxZplBytesOrDefault();
        this.clock = clock;
        this.printed = printed;
        LabelRenderer.warmUp();
    }

    @Override
    protected void onBytes(Connection c, byte[] buf, int len) {
        readers.computeIfAbsent(c, k -> new ZplLabelReader(maxZplBytes, item -> onItem(c, item))).feed(buf, 0, len);
    }

    @Override
    protected void onDisconnect(Connection c) {
        readers.remove(c);
    }

    private void onItem(Connection c, ZplLabelReader.Item item) {
        switch (item) {
            case ZplLabelReader.Label l -> {
                synchronized (this) {
                    buffer.add(l);
                }
                log.info("{}: label received ({} bytes), {} in buffer", printerId, l.zpl().length(), bufferSize());
            }
            case ZplLabelReader.HostQuery q -> c.send(switch (q.query()) {
                case HS -> hostStatus().encode();
                case HQES -> hostErrors().encode();
                case HQOD -> odometerText();
            });
        }
    }

    synchronized int bufferSize() { return buffer.size(); }

    synchronized HostStatus hostStatus() {
        boolean f = fault != null;
        return new HostStatus("paper-out".equals(fault), "paused".equals(fault), 1225, Math.min(999, buffer.size()),
                false, false, f && "head-open".equals(fault), f && "ribbon-out".equals(fault), false, 0);
    }

    private synchronized HostQueryErrors hostErrors() {
        long e = 0;
        if ("paper-out".equals(fault)) e |= HostQueryErrors.MEDIA_OUT;
        if ("ribbon-out".equals(fault)) e |= HostQueryErrors.RIBBON_OUT;
        if ("head-open".equals(fault)) e |= HostQueryErrors.HEAD_OPEN;
        if ("paused".equals(fault)) e |= HostQueryErrors.PAUSED;
        return new HostQueryErrors(e, 0);
    }

    private synchronized byte[] odometerText() {
        String s = String.format(Locale.ROOT, "\u0002\r\n  PRINT METERS\r\n   TOTAL NONRESETTABLE:  %d LABELS\r\n\u0003\r\n", odometer);
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A fault from {@code cmd/printer}; null clears it. */
    public void setFault(String newFault) throws IOException {
        if (newFault != null && !FAULTS.contains(newFault)) {
            throw new IllegalArgumentException("unknown printer fault '" + newFault + "'; expected one of " + FAULTS + " or null");
        }
        synchronized (this) {
            fault = newFault;
            printStarted = -1;
            backOnlineAt = -1;
            if ("power-cycle".equals(newFault)) {
                int lost = buffer.size();
                buffer.clear();
                backOnlineAt = clock.nanos() + POWER_CYCLE_NANOS;
                log.info("{}: power cycle, {} labels in the buffer lost, back in 1 s", printerId, lost);
            } else {
                log.info("{}: fault {}", printerId, newFault == null ? "cleared" : newFault);
            }
        }
        setOffline("offline".equals(newFault) || "power-cycle".equals(newFault));
    }

    synchronized String fault() { return fault; }

    @Override
    public void close() {
        super.close();
        renderer.shutdown();
    }

    /** Prints the head of the buffer when it has had its print time; called every few ms. */
    public void tick() {
        ZplLabelReader.Label done = null;
        boolean back = false;
        synchronized (this) {
            long now = clock.nanos();
            if (backOnlineAt >= 0 && now - backOnlineAt >= 0) {
                backOnlineAt = -1;
                fault = null;
                back = true;
            }
            if (fault != null || buffer.isEmpty()) {
                printStarted = -1;
            } else if (printStarted < 0) {
                printStarted = now;
            } else if (now - printStarted >= printNanos) {
                done = buffer.poll();
                odometer++;
                printStarted = -1;
            }
        }
        if (back) {
            try {
                setOffline(false);
                log.info("{}: back after the power cycle", printerId);
            } catch (IOException e) {
                log.warn("{}: cannot listen again after the power cycle: {}", printerId, e.toString());
            }
        }
        if (done != null) {
            ZplLabelReader.Label l = done;
            Instant at = Instant.now();
            log.info("{}: printed label {}", printerId, l.texts());
            renderer.execute(() -> {
                LabelRenderer.Rendered r;
                try {
                    r = LabelRenderer.render(l.zpl());
                } catch (RuntimeException e) {
                    log.warn("{}: label could not be rendered: {}", printerId, e.toString());
                    r = new LabelRenderer.Rendered(new byte[0], java.util.List.of(), java.util.List.of());
                }
                printed.accept(new SimLabel(printerId, l.zpl(), l.texts(), l.code128(), l.qr(), l.qrFields(), at,
                        r.code128(), r.qr(), r.png()));
            });
        }
    }
}
