package org.conveyord.scale;

import org.conveyord.device.DeviceContext;
import org.conveyord.device.ErrorCode;
import org.conveyord.link.ByteLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The conversation with a polled scale (MT-SICS, NCI/ECR): one request on the wire at a time, later
 * ones queued; each attempt has the scale's timeout; a reply is taken only if it answers the request
 * in flight (a late reply to a timed-out request is dropped). A reply the protocol calls "busy" is
 * retried a few times after a pause before it is handed on.
 * <p>
 * Threading: {@link #send} from any thread, {@link #reply} from the link thread, timers on the
 * context's scheduler; the queue is guarded by {@code this}, futures complete outside the lock.
 *
 * @param <Q> a request of the protocol
 * @param <R> a parsed reply
 */
final class RequestLine<Q, R> {
    private static final Logger log = LoggerFactory.getLogger(RequestLine.class);

    /** What the conversation needs to know of a protocol. */
    interface Protocol<Q, R> {
        byte[] encode(Q request);

        /** Does {@code reply} answer {@code request}? Replies carry no correlation id, only their shape. */
        boolean answers(R reply, Q request);

        /** The request as it goes on the wire, for logs. */
        String wire(Q request);

        /** The scale says "not now": ask again. */
        default boolean busy(R reply) { return false; }
    }

    private final class Pending {
        final Q request;
        final CompletableFuture<R> future = new CompletableFuture<>();
        int busyRetries;
        ScheduledFuture<?> timeout;

        Pending(Q request) { this.request = request; }
    }

    private final String id;
    private final ByteLink link;
    private final DeviceContext ctx;
    private final Protocol<Q, R> protocol;
    private final String protocolName;
    private final int timeoutMs;
    private final int busyRetries;
    private final long busyRetryDelayMs;
    private final Supplier<String> offlineReason;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private Pending inFlight;
    private boolean stopped;

    RequestLine(String id, ByteLink link, DeviceContext ctx, Protocol<Q, R> protocol, String protocolName, int timeoutMs,
                int busyRetries, long busyRetryDelayMs, Supplier<String> offlineReason) {
        this.id = id;
        this.link = link;
        this.ctx = ctx;
        this.protocol = protocol;
        this.protocolName = protocolName;
        this.timeoutMs = timeoutMs;
        this.busyRetries = busyRetries;
        this.busyRetryDelayMs = busyRetryDelayMs;
        this.offlineReason = offlineReason;
    }

    CompletableFuture<R> send(Q request) {
        Pending p = new Pending(request);
        boolean offline;
        synchronized (this) {
            offline = stopped || !link.isConnected();
            if (!offline) {
                queue.add(p);
                if (inFlight == null) dispatchNext();
            }
        }
        if (offline) {
            p.future.completeExceptionally(new ScaleException(ErrorCode.DEVICE_OFFLINE,
                    id + " is offline (" + offlineReason.get() + "); check its cable and power"));
        }
        return p.future;
    }

    /** Nothing queued or on the wire: a poll may go out without piling up behind a slow command. */
    synchronized boolean idle() {
        return !stopped && link.isConnected() && inFlight == null && queue.isEmpty();
    }

    /** Under this. */
    private void dispatchNext() {
        while (inFlight == null && !queue.isEmpty()) transmit(queue.poll());
    }

    /** Under this. */
    private void transmit(Pending p) {
        if (!link.write(protocol.encode(p.request))) {
            if (inFlight == p) inFlight = null;
            ctx.scheduler().execute(() -> p.future.completeExceptionally(
                    new ScaleException(ErrorCode.DEVICE_OFFLINE, id + " is offline; check its cable and power")));
            return;
        }
        inFlight = p;
        p.timeout = ctx.scheduler().schedule(() -> onTimeout(p), timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void onTimeout(Pending p) {
        synchronized (this) {
            if (inFlight != p) return;
            inFlight = null;
            dispatchNext();
        }
        log.warn("{}: no answer to {} within {} ms from {}", id, protocol.wire(p.request), timeoutMs, link.describe());
        p.future.completeExceptionally(new ScaleException(ErrorCode.TIMEOUT, id + " did not answer within "
                + timeoutMs + " ms; check that it is switched on and set to " + protocolName));
    }

    /** Link thread: a parsed reply from the scale. */
    void reply(R reply) {
        Pending done;
        synchronized (this) {
            Pending p = inFlight;
            if (p == null || !protocol.answers(reply, p.request)) {
                log.debug("{}: ignoring a reply that answers nothing in flight", id);
                return;
            }
            p.timeout.cancel(false);
            if (protocol.busy(reply) && p.busyRetries < busyRetries) {
                p.busyRetries++;
                p.timeout = ctx.scheduler().schedule(() -> retry(p), busyRetryDelayMs, TimeUnit.MILLISECONDS);
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

    /** The link went down (or the scale stops): every queued and in-flight request fails with this. */
    void failAll(String message) {
        List<Pending> out;
        synchronized (this) {
            out = new ArrayList<>(queue);
            queue.clear();
            if (inFlight != null) {
                if (inFlight.timeout != null) inFlight.timeout.cancel(false);
                out.add(inFlight);
                inFlight = null;
            }
        }
        ScaleException e = new ScaleException(ErrorCode.DEVICE_OFFLINE, message);
        out.forEach(p -> p.future.completeExceptionally(e));
    }

    void stop() {
        synchronized (this) {
            stopped = true;
        }
        failAll(id + " is shutting down");
    }
}
