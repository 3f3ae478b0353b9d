package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.StatusDetail;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.mtcontinuous.ContinuousFrame;
import org.conveyord.protocol.mtcontinuous.MtContinuousCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Mettler Toledo indicator in continuous output mode: it streams frames by itself and takes no
 * commands. A weight counts as stable once no frame has had the motion bit and the weight has stayed
 * within {@code eventThresholdGrams} for {@code settleMs} (indicators differ in how eagerly they clear
 * the motion bit, so the daemon does not trust it alone). No frame for {@code timeoutMs} is the fault
 * {@code no-data}; over capacity is {@code overload}; the power-up bit is {@code not-ready}.
 * {@code tare} and {@code zero} are refused: the protocol has no way to ask for them.
 * <p>
 * Threading: frames arrive on the link thread; reads come from any thread; the watchdog runs on the
 * ctx scheduler (lifecycle and status: {@link LinkedScale}). Settling state and waiting reads are guarded by {@code this}; futures are completed
 * and events emitted outside the lock.
 */
public final class ContinuousScale extends LinkedScale {

    private static final Logger log = LoggerFactory.getLogger(ContinuousScale.class);

    private final ScaleConfig cfg;
    private final MtContinuousCodec.Decoder decoder;

    private record Waiter(CompletableFuture<Weight> future, boolean stableOnly) {}

    private final List<Waiter> waiting = new ArrayList<>();   // guarded by this
    private long lastFrameNanos;
    private long settleSinceNanos;
    private double settleRefGrams = Double.NaN;
    private Weight latest;
    private boolean connected;

    public ContinuousScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx) {
        super(id, link, ctx, cfg.eventThresholdGramsOrDefault());
        this.cfg = cfg;
        this.decoder = new MtContinuousCodec.Decoder(
                new MtContinuousCodec.Format(cfg.frameTareOrDefault(), cfg.frameChecksumOrDefault()), this::onFrame);
    }

    @Override
    protected void onStart() {
        every(Math.max(50, cfg.timeoutMsOrDefault() / 4), this::checkFresh);
    }

    @Override
    protected void onLinkUp() {
        decoder.reset();
        synchronized (this) {
            connected = true;
            lastFrameNanos = System.nanoTime();
        }
    }

    @Override
    protected void onBytes(byte[] data, int offset, int length) {
        decoder.feed(data, offset, length);
    }

    @Override
    protected void onLinkDown(String reason) {
        synchronized (this) {
            connected = false;
            latest = null;
            settleRefGrams = Double.NaN;
        }
    }

    @Override
    protected void onStop() {
        List<Waiter> failed;
        synchronized (this) {
            failed = new ArrayList<>(waiting);
            waiting.clear();
        }
        failed.forEach(x -> x.future().completeExceptionally(new ScaleException(ErrorCode.DEVICE_OFFLINE, id + " is shutting down")));
    }

    @Override
    public CompletionStage<Weight> readWeight(boolean stableOnly) {
        CompletableFuture<Weight> f = new CompletableFuture<>();
        DeviceStatus s = status();
        Weight now;
        synchronized (this) {
            now = latest;
            if (s.state() == DeviceStatus.State.OFFLINE) {
                f.completeExceptionally(new ScaleException(ErrorCode.DEVICE_OFFLINE,
                        id + " is offline (" + s.reason() + "); check its cable and power"));
                return f;
            }
            if (s.state() == DeviceStatus.State.FAULT) {
                f.completeExceptionally(new ScaleException(s.detail() == StatusDetail.NO_DATA ? ErrorCode.TIMEOUT : ErrorCode.DEVICE_FAULT,
                        id + " cannot weigh now (" + s.reason() + ")" + advice(s.detail())));
                return f;
            }
            if (now != null && (!stableOnly || now.stable())) {
                f.complete(now);
                return f;
            }
            waiting.add(new Waiter(f, stableOnly));
        }
        ScheduledFuture<?> t = ctx.scheduler().schedule(() -> {
            synchronized (this) {
                if (!waiting.removeIf(x -> x.future() == f)) return;
            }
            f.completeExceptionally(new ScaleException(ErrorCode.TIMEOUT, id + " did not settle within "
                    + cfg.timeoutMsOrDefault() + " ms; keep the platter still and try again"));
        }, cfg.timeoutMsOrDefault(), TimeUnit.MILLISECONDS);
        f.whenComplete((w, e) -> t.cancel(false));
        return f;
    }

    private static String advice(StatusDetail detail) {
        return switch (detail) {
            case OVERLOAD -> "; take weight off the platter";
            case NOT_READY -> "; the indicator is still starting up, zero it";
            default -> "; check that the indicator is set to continuous output";
        };
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        return switch (cmd.action()) {
            case "read" -> readWeight(false).thenApply(w -> CommandResult.answer(readAnswer(w)))
                    .exceptionally(ScaleException::toResult);
            case "tare", "zero" -> CompletableFuture.completedFuture(CommandResult.error(ErrorCode.INVALID_STATE,
                    id + " sends continuous output and takes no commands; press " + cmd.action() + " on the indicator"));
            default -> CompletableFuture.completedFuture(CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    id + " has no action '" + cmd.action() + "'; it takes read, tare and zero"));
        };
    }

    /** Link thread. */
    private void onFrame(ContinuousFrame f) {
        long now = System.nanoTime();
        if (f.overCapacity()) {
            markFrame(now, null);
            fault(StatusDetail.OVERLOAD, "overload");
            return;
        }
        if (f.powerUp()) {
            markFrame(now, null);
            fault(StatusDetail.NOT_READY, "not-ready");
            return;
        }
        double g = f.grams();
        Weight w;
        List<Waiter> ready = new ArrayList<>();
        synchronized (this) {
            if (f.motion() || Double.isNaN(settleRefGrams) || Math.abs(g - settleRefGrams) > cfg.eventThresholdGramsOrDefault()) {
                settleRefGrams = g;
                settleSinceNanos = now;
            }
            boolean stable = !f.motion() && now - settleSinceNanos >= cfg.settleMsOrDefault() * 1_000_000L;
            w = new Weight(g, stable);
            markFrame(now, w);
            waiting.removeIf(x -> (stable || !x.stableOnly()) && ready.add(x));
        }
        weighed(g, w.stable());
        ready.forEach(x -> x.future().complete(w));
    }

    private synchronized void markFrame(long now, Weight w) {
        lastFrameNanos = now;
        latest = w;
    }

    private void checkFresh() {
        boolean stale;
        synchronized (this) {
            if (!connected) return;
            stale = System.nanoTime() - lastFrameNanos > cfg.timeoutMsOrDefault() * 1_000_000L;
            if (stale) latest = null;
        }
        if (stale && status().detail() != StatusDetail.NO_DATA) {
            log.warn("{}: no continuous-output frame for {} ms from {}", id, cfg.timeoutMsOrDefault(), link.describe());
            fault(StatusDetail.NO_DATA, "no-data");
        }
    }
}
