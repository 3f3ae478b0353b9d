package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.framing.LineFramer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a scale that answers requests has in common, whatever its protocol: the link lifecycle, the
 * {@link RequestLine} conversation, the reply framing, polling every {@code pollMs}, and status,
 * state and events through the {@link ScaleReporter}. A protocol adds how replies parse, how a poll
 * is read, and its commands.
 *
 * @param <Q> a request of the protocol
 * @param <R> a parsed reply
 */
abstract class PolledScale<Q, R> implements Scale {
    private static final Logger log = LoggerFactory.getLogger(PolledScale.class);

    protected final String id;
    protected final ScaleConfig cfg;
    protected final ByteLink link;
    protected final DeviceContext ctx;
    protected final ScaleReporter reporter;
    protected final RequestLine<Q, R> requests;
    private final LineFramer framer;
    private ScheduledFuture<?> poll;
    private boolean started;
    private boolean stopped;

    PolledScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx, RequestLine.Protocol<Q, R> protocol,
                String protocolName, int busyRetries, long busyRetryDelayMs, String terminator, int maxReplyBytes) {
        this.id = id;
        this.cfg = cfg;
        this.link = link;
        this.ctx = ctx;
        this.reporter = new ScaleReporter(id, ctx, cfg.eventThresholdGramsOrDefault(), link.describe());
        this.requests = new RequestLine<>(id, link, ctx, protocol, protocolName, cfg.timeoutMsOrDefault(), busyRetries,
                busyRetryDelayMs, () -> reporter.status().reason());
        this.framer = new LineFramer(terminator, maxReplyBytes, this::onText,
                () -> log.warn("{}: dropped a reply longer than {} bytes from {}; check that the scale is set to {}", id,
                        maxReplyBytes, link.describe(), protocolName));
    }

    /** The reply in one framed text, or empty when it is not one. */
    protected abstract Optional<R> parse(String text);

    /** Reads the scale once for state, weight and fault events; called only when nothing else is on the wire. */
    protected abstract void pollOnce();

    @Override public final String id() { return id; }

    @Override public final String kind() { return "scale"; }

    @Override public final List<String> actions() { return List.of("read", "tare", "zero"); }

    @Override
    public final void start() {
        synchronized (this) {
            if (started) return;
            started = true;
            if (cfg.pollMsOrDefault() > 0) {
                poll = ctx.scheduler().scheduleWithFixedDelay(() -> { if (requests.idle()) pollOnce(); },
                        cfg.pollMsOrDefault(), cfg.pollMsOrDefault(), TimeUnit.MILLISECONDS);
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
    public final void stop() {
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            if (poll != null) poll.cancel(false);
        }
        reporter.stop();
        link.stop();
        requests.stop();
    }

    @Override public final DeviceStatus status() { return reporter.status(); }

    @Override public final Map<String, Object> state() { return reporter.state(); }

    /** The {@code read} command's answer. */
    protected static Map<String, Object> readAnswer(Weight w) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("grams", w.grams());
        a.put("stable", w.stable());
        return a;
    }

    /** Link thread. */
    private void onText(String text) {
        Optional<R> reply = parse(text);
        if (reply.isEmpty()) {
            log.debug("{}: ignoring unparseable reply '{}'", id, text.strip());
            return;
        }
        requests.reply(reply.get());
    }
}
