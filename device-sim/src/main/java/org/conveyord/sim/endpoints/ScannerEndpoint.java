package org.conveyord.sim.endpoints;

import org.conveyord.config.ScannerConfig;
import org.conveyord.protocol.scanner.ScanLineCodec;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.scanner.ScanResult;
import org.conveyord.protocol.scanner.ScannerTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A line-based barcode scanner on TCP: every read goes to every connected client as
 * prefix + code + suffix (or the make's no-read string). A software trigger (any make's) is answered
 * with a no-read: the physics, not the trigger, decides when a bag is read. {@link #read} writes to the sockets and may block: call it from an executor, never
 * from the physics thread.
 */
public final class ScannerEndpoint extends TcpEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ScannerEndpoint.class);
    private final ScanLineCodec codec;
    private final java.util.Map<Connection, LineFramer> triggers = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong triggered = new java.util.concurrent.atomic.AtomicLong();

    public ScannerEndpoint(String scannerId, ScannerConfig cfg, String host, int port) {
        super(scannerId, host, port);
        this.codec = new ScanLineCodec(cfg.prefixOrDefault(), cfg.suffixOrDefault(), cfg.noReadOrDefault(),
                cfg.maxLineBytesOrDefault());
    }

    /** A code (null: no read) goes out to every client. */
    public void read(String code) {
        ScanResult r = code == null ? ScanResult.NO_READ : new ScanResult.Read(code);
        if (connections().isEmpty()) log.info("{}: nobody connected, read {} goes nowhere", name, code == null ? "(no read)" : code);
        broadcast(codec.encode(r));
    }

    @Override
    protected void onBytes(Connection c, byte[] buf, int len) {
        // software triggers (Keyence LON, Cognex ||>TRIGGER ON, Honeywell/Datalogic SYN T) end in CR
        triggers.computeIfAbsent(c, k -> new LineFramer("\r", 32, line -> {
            if (ScannerTrigger.isTriggerOn(line)) {
                triggered.incrementAndGet();
                // nothing is in front of the scanner outside the physics' own reads: a no-read, as a real one answers
                c.send(codec.encode(ScanResult.NO_READ));
            }
        }, null)).feed(buf, 0, len);
    }

    @Override
    protected void onDisconnect(Connection c) {
        triggers.remove(c);
    }

    /** Software triggers received so far. */
    long triggered() {
        return triggered.get();
    }
}
