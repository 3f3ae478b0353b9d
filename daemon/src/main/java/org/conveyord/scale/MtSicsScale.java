package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.mtsics.MtSicsCodec;
import org.conveyord.protocol.mtsics.MtSicsCodec.Request;
import org.conveyord.protocol.mtsics.MtSicsReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Mettler Toledo scale speaking MT-SICS over any {@link ByteLink}.
 * <p>
 * One request is on the wire at a time (MT-SICS replies carry no correlation id, only the command
 * id, which is checked); later ones wait in a queue. Each attempt has {@code timeoutMs}; a busy
 * {@code I} reply is retried {@value #BUSY_RETRIES} times before the request fails with TIMEOUT.
 * While online the scale is polled with {@code SI} for state and {@code weight} events.
 * <p>
 * Threading: link callbacks (link thread), commands (caller's thread) and timers (ctx scheduler)
 * all change state under {@code this}; futures are completed and events emitted after the lock is
 * released, so listeners never run under it. Nothing here blocks.
 */
public final class MtSicsScale implements Scale {

    private static final Logger log = LoggerFactory.getLogger(MtSicsScale.class);
    static final int BUSY_RETRIES = 3;
    static final long BUSY_RETRY_DELAY_MS = 100;

    private final String id;
    private final ScaleConfig cfg;
    private final ByteLink link;
    private final DeviceContext ctx;
    private final LineFramer framer;

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();   // guarded by this
    private Pending inFlight;                                        // guarded by this
    private DeviceStatus status = DeviceStatus.offline("not connected yet");
    private Double grams;
    private boolean stable;
    private double lastEventGrams = Double.NaN;
    private ScheduledFuture<?> poll;
    private boolean stopped;
    private boolean started;

    private static final class Pending {
        final Request request;
        final CompletableFuture<MtSicsReply> future = new CompletableFuture<>();
        int busyRetries;
        ScheduledFuture<?> timeout;

        Pending(Request request) { this.request = request; }
    }

    public MtSicsScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx) {
        this.id = id;
        this.cfg = cfg;
        this.link = link;
        this.ctx = ctx;
        this.framer = new LineFramer(MtSicsCodec.TERMINATOR, MtSicsCodec.MAX_LINE_BYTES, this::onLine,
                () -> log.warn("{}: dropped a line longer than {} bytes from {}", id, MtSicsCodec.MAX_LINE_BYTES,
                        link.describe()));
    }

    @Override public String id() { return id; }

    @Override public String kind() { return "scale"; }

    @Override public List<String> actions() { return List.of("read", "tare", "zero"); }

    @Override
    public void start() {
        synchronized (this) {
            if (started) return;
            started = true;
            if (cfg.pollMsOrDefault() > 0) {
                poll = ctx.scheduler().scheduleWithFixedDelay(this::poll, cfg.pollMsOrDefault(),
                        cfg.pollMsOrDefault(), TimeUnit.MILLISECONDS);
            }
        }
        link.start(new ByteLink.Listener() {
            @Override public void connected() { onConnected(); }

            @Override public void received(byte[] data, int offset, int length) { onBytes(data, offset, length); }

            @Override public void disconnected(String reason) { onDisconnected(reason); }
        });
    }

    @Override
    public void stop() {
        List<Pending> failed;
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            if (poll != null) poll.cancel(false);
            failed = drain();
        }
        link.stop();
        failAll(failed, new ScaleException(ErrorCode.DEVICE_OFFLINE, id + " is shutting down"));
    }

    @Override
    public synchronized DeviceStatus status() {
        return status;
    }

    @Override
    public synchronized Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("online", status.isOnline());
        s.put("status", status.state().name().toLowerCase());
        s.put("reason", status.reason());
        s.put("grams", grams);
        s.put("stable", stable);
        return s;
    }

    /** For the line controller: S (stable) or SI (immediate). Fails with {@link ScaleException}. */
    @Override
    public CompletionStage<Weight> readWeight(boolean stableOnly) {
        return send(stableOnly ? Request.S : Request.SI).thenApply(this::toWeight);
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        CompletionStage<CommandResult> r = switch (cmd.action()) {
            case "read" -> readWeight(false).thenApply(w -> {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("grams", w.grams());
                a.put("stable", w.stable());
                return CommandResult.answer(a);
            });
            case "tare" -> send(Request.T).thenApply(rep -> {
                Weight w = toWeight(rep);
                return CommandResult.answer(Map.of("tareGrams", w.grams()));
            });
            case "zero" -> send(Request.Z).thenApply(rep -> {
                checkStatus(rep, "zero");
                return CommandResult.success();
            });
            default -> CompletableFuture.completedFuture(CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    id + " has no action '" + cmd.action() + "'; it takes read, tare and zero"));
        };
        return r.exceptionally(MtSicsScale::toResult);
    }

    private static CommandResult toResult(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof ScaleException se) {
            return CommandResult.error(se.code(), se.getMessage());
        }
        log.error("scale command failed unexpectedly: {}", c.toString(), c);
        return CommandResult.error(ErrorCode.INTERNAL, "the scale command failed unexpectedly: " + c);
    }

    private Weight toWeight(MtSicsReply r) {
        checkStatus(r, "weigh");
        if (r.grams().isEmpty()) {
            throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " answered a weight in unit '"
                    + r.unit().orElse("?") + "', which the daemon cannot convert to grams; set the scale to g or kg");
        }
        return new Weight(r.grams().getAsDouble(), r.status() == MtSicsReply.Status.STABLE);
    }

    private void checkStatus(MtSicsReply r, String what) {
        switch (r.status()) {
            case STABLE, DYNAMIC, ACKNOWLEDGED -> { }
            case NOT_READY -> throw new ScaleException(ErrorCode.TIMEOUT, id + " could not " + what
                    + " now (busy or not settling); keep the platter still and try again");
            case OVERLOAD -> throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " is overloaded; take weight off the platter");
            case UNDERLOAD -> throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " is underloaded; check that the platter is in place");
            default -> throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " rejected the request (" + r.command()
                    + "); check the scale's interface settings");
        }
    }

    // ---- request queue ----

    private CompletableFuture<MtSicsReply> send(Request request) {
        Pending p = new Pending(request);
        boolean offline;
        String reason;
        synchronized (this) {
            offline = stopped || !link.isConnected();
            reason = status.reason();
            if (!offline) {
                queue.add(p);
                if (inFlight == null) dispatchNext();
            }
        }
        if (offline) {
            p.future.completeExceptionally(new ScaleException(ErrorCode.DEVICE_OFFLINE,
                    id + " is offline (" + reason + "); check its cable and power"));
        }
        return p.future;
    }

    /** Under this. */
    private void dispatchNext() {
        while (inFlight == null && !queue.isEmpty()) {
            Pending p = queue.poll();
            inFlight = p;
            transmit(p);
        }
    }

    /** Under this. */
    private void transmit(Pending p) {
        if (!link.write(MtSicsCodec.encode(p.request))) {
            inFlight = null;
            ctx.scheduler().execute(() -> p.future.completeExceptionally(
                    new ScaleException(ErrorCode.DEVICE_OFFLINE, id + " is offline; check its cable and power")));
            return;
        }
        int timeoutMs = cfg.timeoutMsOrDefault();
        p.timeout = ctx.scheduler().schedule(() -> onTimeout(p), timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void onTimeout(Pending p) {
        synchronized (this) {
            if (inFlight != p) return;
            inFlight = null;
            dispatchNext();
        }
        log.warn("{}: no answer to {} within {} ms from {}", id, p.request.wire(), cfg.timeoutMsOrDefault(),
                link.describe());
        p.future.completeExceptionally(new ScaleException(ErrorCode.TIMEOUT, id + " did not answer within "
                + cfg.timeoutMsOrDefault() + " ms; check that it is switched on and set to MT-SICS"));
    }

    private void onBytes(byte[] data, int off, int len) {
        framer.feed(data, off, len);
    }

    /** Link thread. */
    private void onLine(String line) {
        var parsed = MtSicsCodec.parseReply(line);
        if (parsed.isEmpty()) {
            log.debug("{}: ignoring unparseable line '{}'", id, line);
            return;
        }
        MtSicsReply reply = parsed.get();
        Pending done;
        synchronized (this) {
            Pending p = inFlight;
            if (p == null || !reply.answers(p.request)) {
                // a late reply to a request that already timed out: not ours
                log.debug("{}: ignoring reply '{}' that answers nothing in flight", id, line);
                return;
            }
            p.timeout.cancel(false);
            if (reply.status() == MtSicsReply.Status.NOT_READY && p.busyRetries < BUSY_RETRIES) {
                p.busyRetries++;
                p.timeout = ctx.scheduler().schedule(() -> retry(p), BUSY_RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
                return;
            }
            inFlight = null;
            dispatchNext();
            done = p;
        }
        done.future.complete(reply);
    }

    private void retry(Pending p) {
        synchronized (this) {
            if (inFlight == p) transmit(p);
        }
    }

    // ---- link state and polling ----

    private void onConnected() {
        framer.reset();
        setStatus(DeviceStatus.ONLINE, null);
    }

    private void onDisconnected(String reason) {
        List<Pending> failed;
        synchronized (this) {
            failed = drain();
        }
        failAll(failed, new ScaleException(ErrorCode.DEVICE_OFFLINE, id + " went offline (" + reason
                + "); check its cable and power"));
        setStatus(DeviceStatus.offline(reason), "offline");
    }

    /** Under this: takes every queued and in-flight request out. */
    private List<Pending> drain() {
        List<Pending> out = new ArrayList<>(queue);
        queue.clear();
        if (inFlight != null) {
            if (inFlight.timeout != null) inFlight.timeout.cancel(false);
            out.add(inFlight);
            inFlight = null;
        }
        return out;
    }

    private static void failAll(List<Pending> ps, ScaleException e) {
        for (Pending p : ps) p.future.completeExceptionally(e);
    }

    private void poll() {
        synchronized (this) {
            // do not pile polls behind a slow command
            if (stopped || !link.isConnected() || inFlight != null || !queue.isEmpty()) return;
        }
        send(Request.SI).whenComplete((reply, err) -> {
            if (err != null) {
                Throwable c = err instanceof CompletionException ? err.getCause() : err;
                if (c instanceof ScaleException se && se.code() == ErrorCode.TIMEOUT && link.isConnected()) {
                    setStatus(DeviceStatus.fault("not answering"), "no-answer");
                }
                return;
            }
            onPolled(reply);
        });
    }

    private void onPolled(MtSicsReply r) {
        switch (r.status()) {
            case OVERLOAD -> setStatus(DeviceStatus.fault("overload"), "overload");
            case UNDERLOAD -> setStatus(DeviceStatus.fault("underload"), "underload");
            // still "I" after the busy retries: the scale cannot weigh (warming up, not settling)
            case NOT_READY -> setStatus(DeviceStatus.fault("not-ready"), "not-ready");
            case STABLE, DYNAMIC -> {
                if (r.grams().isEmpty()) return;
                double g = r.grams().getAsDouble();
                boolean st = r.status() == MtSicsReply.Status.STABLE;
                boolean emit;
                boolean changed;
                synchronized (this) {
                    changed = grams == null || grams != g || stable != st;
                    grams = g;
                    stable = st;
                    emit = st && (Double.isNaN(lastEventGrams)
                            || Math.abs(g - lastEventGrams) > cfg.eventThresholdGramsOrDefault());
                    if (emit) lastEventGrams = g;
                }
                setStatus(DeviceStatus.ONLINE, null);
                if (emit) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("grams", g);
                    f.put("stable", true);
                    ctx.events().emit(id, "weight", f, null);
                }
                if (changed) ctx.stateListener().stateChanged(id);
            }
            default -> { }
        }
    }

    /** Sets the status; on a change logs it, tells the state listener, and emits {@code fault} when given a reason. */
    private void setStatus(DeviceStatus next, String faultReason) {
        boolean stillOffline;
        synchronized (this) {
            if (status.equals(next) || stopped) return;
            // a retry failing with another reason is not news: no second offline fault event
            stillOffline = status.state() == DeviceStatus.State.OFFLINE && next.state() == DeviceStatus.State.OFFLINE;
            status = next;
        }
        if (stillOffline) {
            log.debug("{} still offline: {}", id, next.reason());
            ctx.stateListener().stateChanged(id);
            return;
        }
        if (next.isOnline()) {
            log.info("{} online via {}", id, link.describe());
        } else {
            log.warn("{} {}: {}", id, next.state().name().toLowerCase(), next.reason());
            if (faultReason != null) {
                ctx.events().emit(id, "fault", new LinkedHashMap<>(Map.of("reason", faultReason)), null);
            }
        }
        ctx.stateListener().stateChanged(id);
    }
}
