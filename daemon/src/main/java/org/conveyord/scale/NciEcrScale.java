package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.StatusDetail;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.nciecr.NciEcrCodec;
import org.conveyord.protocol.nciecr.NciEcrCodec.Request;
import org.conveyord.protocol.nciecr.NciReply;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * An NCI / Avery Weigh-Tronix scale speaking the ECR protocol ({@code W}, {@code S}, {@code Z}), over
 * any {@link ByteLink}. Replies end with ETX and carry no command id, so each is checked by shape
 * against the one request in flight ({@link NciEcrCodec#answers}) by a {@link RequestLine}. Each attempt
 * has {@code timeoutMs}. While moving the scale answers {@code W} with status only: a read retries
 * every {@value #MOTION_RETRY_MS} ms until it gets a weight or {@code timeoutMs} has passed (TIMEOUT).
 * The protocol has no tare: {@code tare} is refused.
 * <p>
 * Threading: see RequestLine and LinkedScale; nothing here blocks.
 */
public final class NciEcrScale extends PolledScale<Request, NciReply> {

    static final long MOTION_RETRY_MS = 100;

    /** NCI/ECR replies carry no command id: they answer by shape. Motion is handled by {@link #attemptRead}. */
    private static final RequestLine.Protocol<Request, NciReply> PROTOCOL = new RequestLine.Protocol<>() {
        @Override public byte[] encode(Request r) { return NciEcrCodec.encode(r); }

        @Override public boolean answers(NciReply reply, Request r) { return NciEcrCodec.answers(reply, r); }

        @Override public String wire(Request r) { return r.wire(); }
    };

    public NciEcrScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx) {
        super(id, cfg, link, ctx, PROTOCOL, "NCI/ECR", 0, 0, NciEcrCodec.TERMINATOR, NciEcrCodec.MAX_REPLY_BYTES);
    }

    @Override
    protected java.util.Optional<NciReply> parse(String text) {
        return NciEcrCodec.parseReply(text);
    }

    @Override
    public CompletionStage<Weight> readWeight(boolean stableOnly) {
        CompletableFuture<Weight> out = new CompletableFuture<>();
        attemptRead(stableOnly, System.nanoTime() + cfg.timeoutMsOrDefault() * 1_000_000L, out);
        return out;
    }

    private void attemptRead(boolean stableOnly, long deadline, CompletableFuture<Weight> out) {
        requests.send(Request.W).whenComplete((r, err) -> {
            if (err != null) {
                out.completeExceptionally(unwrap(err));
                return;
            }
            try {
                check(r, "weigh");
            } catch (ScaleException e) {
                out.completeExceptionally(e);
                return;
            }
            boolean moving = r.motion() || r.weightField() != NciReply.WeightField.VALUE;
            if (r.weightField() == NciReply.WeightField.VALUE && r.grams().isEmpty()) {
                out.completeExceptionally(new ScaleException(ErrorCode.DEVICE_FAULT, id + " answered a weight in unit '"
                        + r.unit().orElse("?") + "', which the daemon cannot convert to grams; set the scale to kg or lb"));
                return;
            }
            if (!moving || (!stableOnly && r.grams().isPresent())) {
                out.complete(new Weight(r.grams().getAsDouble(), !moving));
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                out.completeExceptionally(new ScaleException(ErrorCode.TIMEOUT, id + " did not settle within "
                        + cfg.timeoutMsOrDefault() + " ms; keep the platter still and try again"));
                return;
            }
            ctx.scheduler().schedule(() -> attemptRead(stableOnly, deadline, out), MOTION_RETRY_MS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        CompletionStage<CommandResult> r = switch (cmd.action()) {
            case "read" -> readWeight(false).thenApply(w -> CommandResult.answer(readAnswer(w)));
            case "zero" -> requests.send(Request.Z).thenApply(rep -> {
                check(rep, "zero");
                return CommandResult.success();
            });
            case "tare" -> CompletableFuture.completedFuture(CommandResult.error(ErrorCode.INVALID_STATE,
                    id + " speaks NCI/ECR, which has no tare command; press tare on the scale"));
            default -> CompletableFuture.completedFuture(CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    id + " has no action '" + cmd.action() + "'; it takes read, tare and zero"));
        };
        return r.exceptionally(ScaleException::toResult);
    }

    private void check(NciReply r, String what) {
        if (r.weightField() == NciReply.WeightField.UNKNOWN_COMMAND) {
            throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " did not understand the request; check that it is set to the NCI/ECR protocol");
        }
        if (r.overload()) throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " is overloaded; take weight off the platter");
        if (r.underload()) throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " is under range; check that the platter is in place and zero it");
        if (r.hardwareError()) {
            throw new ScaleException(ErrorCode.DEVICE_FAULT, id + " reports a hardware or zero error and cannot " + what + "; service the scale");
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Override
    protected void pollOnce() {
        requests.send(Request.W).whenComplete((r, err) -> {
            if (err != null) {
                if (unwrap(err) instanceof ScaleException se && se.code() == ErrorCode.TIMEOUT && link.isConnected()) {
                    fault(StatusDetail.NO_DATA, "no-answer");
                }
                return;
            }
            if (r.weightField() == NciReply.WeightField.UNKNOWN_COMMAND) fault(StatusDetail.NOT_READY, "not-ready");
            else if (r.overload()) fault(StatusDetail.OVERLOAD, "overload");
            else if (r.underload()) fault(StatusDetail.UNDERLOAD, "underload");
            else if (r.hardwareError()) fault(StatusDetail.HARDWARE_ERROR, "hardware-error");
            else if (r.grams().isPresent()) weighed(r.grams().getAsDouble(), !r.motion());
            else updateStatus(DeviceStatus.ONLINE);
        });
    }
}
