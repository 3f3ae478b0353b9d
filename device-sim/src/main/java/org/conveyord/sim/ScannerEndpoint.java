package org.conveyord.sim;

import org.conveyord.config.ScannerConfig;
import org.conveyord.protocol.scanner.ScanLineCodec;
import org.conveyord.protocol.scanner.ScanResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A line-based barcode scanner on TCP: every read goes to every connected client as
 * prefix + code + suffix (or the make's no-read string). What clients send is ignored (triggers are
 * not simulated). {@link #read} writes to the sockets and may block: call it from an executor, never
 * from the physics thread.
 */
final class ScannerEndpoint extends TcpEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ScannerEndpoint.class);
    private final ScanLineCodec codec;

    ScannerEndpoint(String scannerId, ScannerConfig cfg, String host, int port) {
        super(scannerId, host, port);
        this.codec = new ScanLineCodec(cfg.prefixOrDefault(), cfg.suffixOrDefault(), cfg.noReadOrDefault(),
                cfg.maxLineBytesOrDefault());
    }

    /** A code (null: no read) goes out to every client. */
    void read(String code) {
        ScanResult r = code == null ? ScanResult.NO_READ : new ScanResult.Read(code);
        if (connections().isEmpty()) log.info("{}: nobody connected, read {} goes nowhere", name, code == null ? "(no read)" : code);
        broadcast(codec.encode(r));
    }

    @Override
    protected void onBytes(Connection c, byte[] buf, int len) {
        // triggers (LON, ||>TRIGGER ON) are not simulated: the scanner reads on its own
    }
}
