package org.conveyord.scanner;

import org.conveyord.config.ScannerConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.LinkedDevice;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.scanner.ScanLineCodec;
import org.conveyord.protocol.scanner.ScanResult;
import org.conveyord.protocol.scanner.ScannerTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A line-based barcode scanner (serial or TCP): each line is cut on the configured suffix and read
 * as a code or the make's no-read string. Emits {@code read {code}} and {@code noread {}} and tells
 * {@link ScanListener}s (the line controller) with the arrival time.
 * <p>
 * Threading: lines arrive on the link thread, where listeners and events run; state is read from
 * the publisher's thread, so it is kept in volatile fields. Lifecycle and status: {@link LinkedDevice}.
 */
public final class LineScanner extends LinkedDevice {

    private static final Logger log = LoggerFactory.getLogger(LineScanner.class);

    private final ScanLineCodec codec;
    private final LineFramer framer;
    private final Optional<byte[]> trigger;
    private final long duplicateWindowNanos;
    private String lastReadCode;      // link thread only
    private long lastReadNanos;       // link thread only
    private final java.util.concurrent.atomic.AtomicLong duplicates = new java.util.concurrent.atomic.AtomicLong();
    private final List<ScanListener> listeners = new CopyOnWriteArrayList<>();
    private volatile String lastCode;

    /** The trigger comes from the config's {@code trigger} key (a make or raw bytes), if any. */
    public LineScanner(String id, ScannerConfig cfg, ByteLink link, DeviceContext ctx) {
        this(id, cfg, link, ctx, ScannerTrigger.fromConfig(cfg.trigger()).map(ScannerTrigger::on));
    }

    /**
     * @param trigger the make's software trigger (Keyence {@code LON\r}, Cognex {@code ||>TRIGGER ON\r\n}),
     *                sent on the {@code trigger} action
     */
    public LineScanner(String id, ScannerConfig cfg, ByteLink link, DeviceContext ctx, Optional<byte[]> trigger) {
        super(id, link, ctx);
        this.trigger = trigger.map(byte[]::clone);
        this.duplicateWindowNanos = cfg.duplicateWindowMsOrDefault() * 1_000_000L;
        this.codec = new ScanLineCodec(cfg.prefixOrDefault(), cfg.suffixOrDefault(), cfg.noReadOrDefault(),
                cfg.maxLineBytesOrDefault());
        this.framer = new LineFramer(cfg.suffixOrDefault().getBytes(StandardCharsets.ISO_8859_1),
                cfg.maxLineBytesOrDefault(), this::onLine,
                () -> log.warn("{}: dropped a line longer than {} bytes; check the scanner's suffix setting", id,
                        cfg.maxLineBytesOrDefault()));
    }

    public void addListener(ScanListener l) {
        listeners.add(l);
    }

    @Override public String kind() { return "scanner"; }

    @Override public List<String> actions() { return List.of("trigger"); }

    @Override
    protected void onLinkUp() {
        framer.reset();
    }

    @Override
    protected void onBytes(byte[] data, int offset, int length) {
        framer.feed(data, offset, length);
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("online", status().isOnline());
        m.put("lastCode", lastCode);
        m.put("duplicatesSuppressed", duplicates.get());
        putStatus(m);
        return m;
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        if (!cmd.action().equals("trigger")) {
            return CompletableFuture.completedFuture(CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    id + " has no action '" + cmd.action() + "'; it takes trigger"));
        }
        if (trigger.isEmpty()) {
            return CompletableFuture.completedFuture(CommandResult.error(ErrorCode.INVALID_STATE,
                    id + " has no trigger command configured"));
        }
        if (!link.write(trigger.get())) {
            return CompletableFuture.completedFuture(CommandResult.error(ErrorCode.DEVICE_OFFLINE,
                    id + " is offline (" + status().reason() + "); check its cable and power"));
        }
        return CompletableFuture.completedFuture(CommandResult.success());
    }

    /** Link thread. */
    private void onLine(String line) {
        long now = System.nanoTime();
        Optional<ScanResult> parsed = codec.parse(line);
        if (parsed.isEmpty()) {
            return;
        }
        ScanResult r = parsed.get();
        switch (r) {
            case ScanResult.Read read -> {
                // a scanner in continuous mode reports the same bag several times while it passes
                if (duplicateWindowNanos > 0 && read.code().equals(lastReadCode) && now - lastReadNanos < duplicateWindowNanos) {
                    lastReadNanos = now;
                    duplicates.incrementAndGet();
                    log.debug("{}: suppressed a repeated read of {}", id, read.code());
                    return;
                }
                lastReadCode = read.code();
                lastReadNanos = now;
                lastCode = read.code();
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("code", read.code());
                ctx.events().emit(id, "read", f, null);
                ctx.stateListener().stateChanged(id);
            }
            case ScanResult.NoRead n -> ctx.events().emit(id, "noread", new LinkedHashMap<>(), null);
        }
        for (ScanListener l : listeners) {
            try {
                l.scanned(r, now);
            } catch (RuntimeException e) {
                log.error("{}: a scan listener failed on {}: {}", id, r, e.toString(), e);
            }
        }
    }
}
