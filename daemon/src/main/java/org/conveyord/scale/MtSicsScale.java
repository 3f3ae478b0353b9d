package org.conveyord.scale;

import org.conveyord.config.ScaleConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.StatusDetail;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.mtsics.MtSicsCodec;
import org.conveyord.protocol.mtsics.MtSicsCodec.Request;
import org.conveyord.protocol.mtsics.MtSicsReply;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Mettler Toledo scale speaking MT-SICS over any {@link ByteLink}.
 * <p>
 * Requests go through a {@link RequestLine}: one on the wire at a time, the reply's command id
 * checked, {@code timeoutMs} per attempt; a busy {@code I} reply is retried {@value #BUSY_RETRIES}
 * times before the request fails with TIMEOUT. While online the scale is polled with {@code SI};
 * status, state and {@code weight}/{@code fault} events come from {@link LinkedScale}.
 * <p>
 * Threading: see RequestLine and LinkedScale; nothing here blocks.
 */
public final class MtSicsScale extends PolledScale<Request, MtSicsReply> {

    static final int BUSY_RETRIES = 3;
    static final long BUSY_RETRY_DELAY_MS = 100;

    /** MT-SICS as the request line sees it: a reply answers by its command id; "I" means busy. */
    private static final RequestLine.Protocol<Request, MtSicsReply> PROTOCOL = new RequestLine.Protocol<>() {
        @Override public byte[] encode(Request r) { return MtSicsCodec.encode(r); }

        @Override public boolean answers(MtSicsReply reply, Request r) { return reply.answers(r); }

        @Override public String wire(Request r) { return r.wire(); }

        @Override public boolean busy(MtSicsReply reply) { return reply.status() == MtSicsReply.Status.NOT_READY; }
    };

    public MtSicsScale(String id, ScaleConfig cfg, ByteLink link, DeviceContext ctx) {
        super(id, cfg, link, ctx, PROTOCOL, "MT-SICS", BUSY_RETRIES, BUSY_RETRY_DELAY_MS, MtSicsCodec.TERMINATOR,
                MtSicsCodec.MAX_LINE_BYTES);
    }

    @Override
    protected java.util.Optional<MtSicsReply> parse(String line) {
        return MtSicsCodec.parseReply(line);
    }

    /** For the line controller: S (stable) or SI (immediate). Fails with {@link ScaleException}. */
    @Override
    public CompletionStage<Weight> readWeight(boolean stableOnly) {
        return requests.send(stableOnly ? Request.S : Request.SI).thenApply(this::toWeight);
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        CompletionStage<CommandResult> r = switch (cmd.action()) {
            case "read" -> readWeight(false).thenApply(w -> CommandResult.answer(readAnswer(w)));
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

    @Override
    protected void pollOnce() {
        requests.send(Request.SI).whenComplete((reply, err) -> {
            if (err != null) {
                Throwable c = err instanceof CompletionException ? err.getCause() : err;
                if (c instanceof ScaleException se && se.code() == ErrorCode.TIMEOUT && link.isConnected()) {
                    fault(StatusDetail.NO_DATA, "no-answer");
                }
                return;
            }
            switch (reply.status()) {
                case OVERLOAD -> fault(StatusDetail.OVERLOAD, "overload");
                case UNDERLOAD -> fault(StatusDetail.UNDERLOAD, "underload");
                // still "I" after the busy retries: the scale cannot weigh (warming up, not settling)
                case NOT_READY -> fault(StatusDetail.NOT_READY, "not-ready");
                case STABLE, DYNAMIC -> {
                    if (reply.grams().isPresent()) {
                        weighed(reply.grams().getAsDouble(), reply.status() == MtSicsReply.Status.STABLE);
                    }
                }
                default -> { }
            }
        });
    }
}
