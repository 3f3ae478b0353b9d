package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.DeviceContext;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.framing.LineFramer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * What a scale that answers requests has in common, whatever its protocol: the {@link RequestLine}
 * conversation, the reply framing and polling every {@code pollMs}; the lifecycle, status, state and
 * events come from {@link LinkedScale}. A protocol adds how replies parse, how a poll is read, and
 * its commands.
 *
 * @param <Q> a request of the protocol
 * @param <R> a parsed reply
 */
abstract class PolledScale<Q, R> extends LinkedScale {
    private static final Logger log = LoggerFactory.getLogger(PolledScale.class);
    /** The poll of a scale whose weight has not moved for a while: nothing happens, so little polling. */
    static final long IDLE_POLL_MS = 5_000;
    static final long QUIET_BEFORE_IDLE_NANOS = 10_000_000_000L;

    protected final ScaleConfig cfg;
    protected final RequestLine<Q, R> requests;
    private final LineFramer framer;

    PolledScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx, RequestLine.Protocol<Q, R> protocol,
                String protocolName, int busyRetries, long busyRetryDelayMs, String terminator, int maxReplyBytes) {
        super(id, link, ctx, cfg.eventThresholdGramsOrDefault());
        this.cfg = cfg;
        this.requests = new RequestLine<>(id, link, ctx, protocol, protocolName, cfg.timeoutMsOrDefault(), busyRetries,
                busyRetryDelayMs, () -> status().reason());
        this.framer = new LineFramer(terminator, maxReplyBytes, this::onText,
                () -> log.warn("{}: dropped a reply longer than {} bytes from {}; check that the scale is set to {}", id,
                        maxReplyBytes, link.describe(), protocolName));
    }

    /** The reply in one framed text, or empty when it is not one. */
    protected abstract Optional<R> parse(String text);

    /** Reads the scale once for state, weight and fault events; called only when nothing else is on the wire. */
    protected abstract void pollOnce();

    @Override
    protected final void onStart() {
        if (cfg.pollMsOrDefault() > 0) {
            repeat(cfg.pollMsOrDefault(), () -> { if (requests.idle()) pollOnce(); }, this::nextPollMs);
        }
    }

    /**
     * {@code pollMs} while the weight moves, the scale is not well or it moved in the last
     * {@link #QUIET_BEFORE_IDLE_NANOS}; after that every {@link #IDLE_POLL_MS}, which still notices a
     * scale that went silent. Check-weighing does not wait for a poll: the line asks the scale itself.
     */
    private long nextPollMs() {
        return nextPollMs(cfg.pollMsOrDefault(), status().isOnline(), nanosSinceWeightChanged());
    }

    static long nextPollMs(long pollMs, boolean online, long nanosSinceWeightChanged) {
        boolean quiet = online && nanosSinceWeightChanged > QUIET_BEFORE_IDLE_NANOS;
        return quiet ? Math.max(pollMs, IDLE_POLL_MS) : pollMs;
    }

    @Override
    protected final void onLinkUp() {
        framer.reset();
    }

    @Override
    protected final void onBytes(byte[] data, int offset, int length) {
        framer.feed(data, offset, length);
    }

    @Override
    protected final void onLinkDown(String reason) {
        requests.failAll(id + " went offline (" + reason + "); check its cable and power");
    }

    @Override
    protected final void onStop() {
        requests.stop();
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
