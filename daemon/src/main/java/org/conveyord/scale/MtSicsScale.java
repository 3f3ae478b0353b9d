package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
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
 * Requests go through a {@link RequestLine}: one on the wire at a time, the reply's command id
 * checked, {@code timeoutMs} per attempt; a busy {@code I} reply is retried {@value #BUSY_RETRIES}
 * times before the request fails with TIMEOUT. While online the scale is polled with {@code SI};
 * status, state and {@code weight}/{@code fault} events go through the {@link ScaleReporter}.
 * <p>
 * Threading: see RequestLine and ScaleReporter; nothing here blocks.
 */
public final class MtSicsScale implements Scale {

    private static final Logger log = LoggerFactory.getLogger(MtSicsScale.class);
    static final int BUSY_RETRIES = 3;
    static final long BUSY_RETRY_DELAY_MS = 100;

    /** MT-SICS as the request line sees it: a reply answers by its command id; "I" means busy. */
    private static final RequestLine.Protocol<Request, MtSicsReply> PROTOCOL = new RequestLine.Protocol<>() {
        @Override public byte[] encode(Request r) { return MtSicsCodec.encode(r); }

        @Override public boolean answers(MtSicsReply reply, Request r) { return reply.answers(r); }

        @Override public String wire(Request r) { return r.wire(); }

        @Override public boolean busy(MtSicsReply reply) { return reply.status() == MtSicsReply.Status.NOT_READY; }
    };

    private final String id;
    private final ScaleConfig cfg;
    private final ByteLink link;
    private final DeviceContext ctx;
    private final LineFramer framer;
    private final ScaleReporter reporter;
    private final RequestLine<Request, MtSicsReply> requests;
    private ScheduledFuture<?> poll;
    private boolean stopped;
    private boolean started;

    public MtSicsScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx) {
        this.id = id;
        this.cfg = cfg;
        this.link = link;
        this.ctx = ctx;
        this.reporter = new ScaleReporter(id, ctx, cfg.eventThresholdGramsOrDefault(), link.describe());
        this.requests = new RequestLine<>(id, link, ctx, PROTOCOL, "MT-SICS", cfg.timeoutMsOrDefault(), BUSY_RETRIES,
                BUSY_RETRY_DELAY_MS, () -> reporter.status().reason());
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
            @Override public void connected() {
                framer.reset();
                reporter.online();
            }

            @Override public void received(byte[] data, int offset, int length) { framer.feed(data, offset, length); }

            @Override public void disconnected(String reason) {
                requests.failAll(id + " went offline (" + reason + "); check its cable and power");
                reporter.offline(reason);
            }
        });
    }

    @Override
    public void stop() {
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            if (poll != null) poll.cancel(false);
        }
        reporter.stop();
        link.stop();
        requests.stop();
    }

    @Override public DeviceStatus status() { return reporter.status(); }

    @Override public Map<String, Object> state() { return reporter.state(); }

    /** For the line controller: S (stable) or SI (immediate). Fails with {@link ScaleException}. */
    @Override
    public CompletionStage<Weight> readWeight(boolean stableOnly) {
        return requests.send(stableOnly ? Request.S : Request.SI).thenApply(this::toWeight);
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
            case "tare" -> requests.send(Request.T).thenApply(rep -> {
                Weight w = toWeight(rep);
                return CommandResult.answer(Map.of("tareGrams", w.grams()));
            });
            case "zero" -> requests.send(Request.Z).thenApply(rep -> {
                checkStatus(rep, "zero");
                return CommandResult.success();
            });
            default -> CompletableFuture.completedFuture(CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    id + " has no action '" + cmd.action() + "'; it takes read, tare and zero"));
        };
        return r.exceptionally(ScaleException::toResult);
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

    /** Link thread. */
    private void onLine(String line) {
        var parsed = MtSicsCodec.parseReply(line);
        if (parsed.isEmpty()) {
            log.debug("{}: ignoring unparseable line '{}'", id, line);
            return;
        }
        requests.reply(parsed.get());
    }

    private void poll() {
        if (!requests.idle()) return;
        requests.send(Request.SI).whenComplete((reply, err) -> {
            if (err != null) {
                Throwable c = err instanceof CompletionException ? err.getCause() : err;
                if (c instanceof ScaleException se && se.code() == ErrorCode.TIMEOUT && link.isConnected()) {
                    reporter.fault("no-answer");
                }
                return;
            }
            switch (reply.status()) {
                case OVERLOAD -> reporter.fault("overload");
                case UNDERLOAD -> reporter.fault("underload");
                // still "I" after the busy retries: the scale cannot weigh (warming up, not settling)
                case NOT_READY -> reporter.fault("not-ready");
                case STABLE, DYNAMIC -> {
                    if (reply.grams().isPresent()) {
                        reporter.weighed(reply.grams().getAsDouble(), reply.status() == MtSicsReply.Status.STABLE);
                    }
                }
                default -> { }
            }
        });
    }
}
