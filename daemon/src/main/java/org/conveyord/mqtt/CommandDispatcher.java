package org.conveyord.mqtt;

import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.conveyord.mqtt.LogText.clean;
import static org.conveyord.mqtt.LogText.describe;

/**
 * {@code cmd/<device>/<action>} to {@code reply/<device>/<action>}: parse, checks, repeat detection,
 * rate limit, TTL, the device's handler, and the reply cache that makes a redelivered id cost nothing.
 * Every command gets exactly one reply and one audit line. Threading: the gateway thread only; the
 * device's answer comes back on any thread and hops over.
 */
final class CommandDispatcher {

    private static final Logger log = LoggerFactory.getLogger(CommandDispatcher.class);
    /** One line per command: device, action, id, by, result code. Route it to its own file in logback if wanted. */
    private static final Logger audit = LoggerFactory.getLogger("conveyord.audit");

    /** Refused when older than their ttlMs: each sets something moving ({@code io} can hold a motor or diverter on). */
    static final Set<String> MOTION_ACTIONS = Set.of("start", "reset", "speed", "jog", "io");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REPLY_TTL = Duration.ofSeconds(60);
    /** A device that has not answered this long after our TIMEOUT reply is forgotten (a retry then runs again). */
    private static final Duration LATE_ANSWER_LIMIT = Duration.ofMinutes(10);

    private final String base;
    private final Clock clock;
    private final ReplyJson replies;
    private final Supplier<Map<String, Device>> devices;
    private final BooleanSupplier clockSynced;
    private final CommandReplyCache replyCache;
    // gateway thread only; replaced by a live config reload
    private CommandRateLimiter rateLimiter;
    private int maxCommandBytes;
    private int perSenderPerSecond;
    private int perSecond;
    private final Outbox outbox;
    private final GatewayLoop loop;
    private final AtomicLong commandsHandled = new AtomicLong();
    private volatile java.util.function.BiConsumer<String, String> auditListener = (action, result) -> {};

    // gateway thread only: commands handed to a device and not finished yet, by key
    private final Map<String, Pending> pending = new HashMap<>();

    /** @param timedOut the caller got TIMEOUT; the real answer is cached when (if) it comes */
    private record Pending(String canonical, CompletableFuture<byte[]> reply, boolean timedOut, long sinceNanos) {}

    /** A parsed command on its way through the checks; {@code device} is null for an unknown id. */
    private record Incoming(Device device, Command cmd, String canonical, String by, String key, Consumer<byte[]> answer) {
        String deviceId() { return cmd.device(); }

        String action() { return cmd.action(); }

        String byOrDash() { return by == null ? "-" : by; }
    }

    /** The command limits: payload size, and the sustained rates the BUSY message quotes. */
    record Limits(int maxCommandBytes, int perSenderPerSecond, int perSecond) {}

    CommandDispatcher(String base, Clock clock, ReplyJson replies, Supplier<Map<String, Device>> devices,
                      BooleanSupplier clockSynced, CommandReplyCache replyCache, CommandRateLimiter rateLimiter,
                      Limits limits, Outbox outbox, GatewayLoop loop) {
        this.base = base;
        this.clock = clock;
        this.replies = replies;
        this.devices = devices;
        this.clockSynced = clockSynced;
        this.replyCache = replyCache;
        this.rateLimiter = rateLimiter;
        this.maxCommandBytes = limits.maxCommandBytes();
        this.perSenderPerSecond = limits.perSenderPerSecond();
        this.perSecond = limits.perSecond();
        this.outbox = outbox;
        this.loop = loop;
    }

    long commandsHandled() { return commandsHandled.get(); }

    /** Gateway thread: new limits from a reloaded config; the buckets start full again. */
    void applyLimits(CommandRateLimiter limiter, Limits limits) {
        this.rateLimiter = limiter;
        this.maxCommandBytes = limits.maxCommandBytes();
        this.perSenderPerSecond = limits.perSenderPerSecond();
        this.perSecond = limits.perSecond();
    }

    /** One command off the wire. Each check either answers the command (and ends it) or passes it on. */
    void onCommand(String deviceId, String action, byte[] payload) {
        Device d = devices.get().get(deviceId);
        // an unknown device id is never echoed into a topic
        String replyTopic = d == null ? base + "/reply/node/unknown" : base + "/reply/" + deviceId + "/" + action;
        handle(deviceId, action, payload, bytes -> sendReply(replyTopic, bytes));
    }

    /**
     * The same path for a command from elsewhere (HTTP): the reply goes to {@code answer} instead of a
     * reply topic. Gateway thread.
     */
    void onCommand(String deviceId, String action, byte[] payload, Consumer<byte[]> answer) {
        handle(deviceId, action, payload, answer);
    }

    private void handle(String deviceId, String action, byte[] payload, Consumer<byte[]> answer) {
        commandsHandled.incrementAndGet();
        Optional<Incoming> parsed = parse(deviceId, action, payload, answer);
        if (parsed.isEmpty()) return;
        Incoming in = parsed.get();
        boolean answered = refusedAsUnknown(in)
                || answeredFromReplyCache(in)
                || joinedRunningCommand(in)
                || refusedOverRateLimit(in)
                || expiredBeforeRunning(in);
        if (!answered) run(in);
    }

    /** Empty when the payload is refused (answered with BAD_REQUEST). */
    private Optional<Incoming> parse(String deviceId, String action, byte[] payload, Consumer<byte[]> answer) {
        Device d = devices.get().get(deviceId);
        CommandParser.Parsed parsed = CommandParser.parse(deviceId, action, payload, maxCommandBytes);
        if (parsed instanceof CommandParser.Rejected r) {
            log.info("Command {}/{} id={} refused: BAD_REQUEST ({})", clean(deviceId), clean(action), clean(r.id()), r.message());
            audit(deviceId, action, r.id(), null, ErrorCode.BAD_REQUEST.name());
            answer.accept(replies.error(r.id(), ErrorCode.BAD_REQUEST, r.message()));
            return Optional.empty();
        }
        var accepted = (CommandParser.Accepted) parsed;
        Command cmd = accepted.command();
        String by = cmd.by().orElse(null);
        // no log line here: the audit line at the end says device, action, id, by and the outcome
        return Optional.of(new Incoming(d, cmd, accepted.canonical(), by, deviceId + "/" + action + "/" + cmd.id(), answer));
    }

    private boolean refusedAsUnknown(Incoming in) {
        if (in.device() == null) {
            reply(in, ErrorCode.UNKNOWN_DEVICE,
                    "There is no device with that id on this node; send cmd/node/describe to list the devices.");
            return true;
        }
        if (!in.device().actions().contains(in.action())) {
            reply(in, ErrorCode.UNKNOWN_ACTION, in.deviceId() + " has no action '" + clean(in.action()) + "'; it knows: "
                    + String.join(", ", in.device().actions()) + ".");
            return true;
        }
        return false;
    }

    /** A redelivery of a command that finished: its original reply, without running it again. */
    private boolean answeredFromReplyCache(Incoming in) {
        var stored = replyCache.get(in.key());
        if (stored.isEmpty()) return false;
        if (stored.get().sameCommand(in.canonical())) {
            log.info("Command {} is a repeat: sending the original reply again", clean(in.key()));
            audit(in.deviceId(), in.action(), in.cmd().id(), in.by(), "REPEAT");
            in.answer().accept(stored.get().reply());
        } else {
            reply(in, ErrorCode.CONFLICT, conflictMessage(in.cmd().id()));
        }
        return true;
    }

    /** A redelivery of a command still running: it gets that command's reply when it finishes. */
    private boolean joinedRunningCommand(Incoming in) {
        Pending p = pending.get(in.key());
        if (p != null && System.nanoTime() - p.sinceNanos() > LATE_ANSWER_LIMIT.toNanos()) {
            log.warn("Command {}: the device never answered; a new delivery of this id runs again", clean(in.key()));
            pending.remove(in.key());
            return false;
        }
        if (p == null) return false;
        if (p.canonical().equals(in.canonical())) {
            log.info("Command {} is a repeat of one still running: it gets the reply when that finishes", clean(in.key()));
            audit(in.deviceId(), in.action(), in.cmd().id(), in.by(), "REPEAT");
            p.reply().thenAccept(bytes -> loop.hop(() -> in.answer().accept(bytes)));
        } else {
            reply(in, ErrorCode.CONFLICT, conflictMessage(in.cmd().id()));
        }
        return true;
    }

    /** After the repeat checks: a redelivery of an executed command costs nothing and must get its reply. */
    private boolean refusedOverRateLimit(Incoming in) {
        CommandRateLimiter.Verdict verdict = rateLimiter.tryAcquire(in.by());
        if (verdict == CommandRateLimiter.Verdict.ALLOWED) return false;
        boolean sender = verdict == CommandRateLimiter.Verdict.SENDER_OVER_LIMIT;
        log.warn("Command {}/{} id={} by={} refused: BUSY ({})", clean(in.deviceId()), clean(in.action()),
                clean(in.cmd().id()), clean(in.byOrDash()),
                sender ? "sender over its rate limit" : "node over its command rate limit");
        reply(in, ErrorCode.BUSY, sender
                ? "Too many commands from '" + clean(in.by() == null ? "(no by)" : in.by()) + "': at most "
                + perSenderPerSecond + " per second; send it again in a moment."
                : "This node gets more than " + perSecond + " commands per second; send it again in a moment.");
        return true;
    }

    /** A motion command older than its ttlMs (judged only while our clock is synchronised). Remembered for the id. */
    private boolean expiredBeforeRunning(Incoming in) {
        Command cmd = in.cmd();
        if (!MOTION_ACTIONS.contains(in.action()) || !clockSynced.getAsBoolean() || cmd.ts().isEmpty()) return false;
        long ageMs = Duration.between(cmd.ts().get(), clock.instant()).toMillis();
        if (ageMs <= cmd.ttlMs()) return false;
        finish(in, replies.error(cmd.id(), ErrorCode.EXPIRED, "The command was sent " + ageMs + " ms ago, longer than its"
                + " ttlMs of " + cmd.ttlMs() + "; send it again if the line should still " + in.action() + "."),
                ErrorCode.EXPIRED.name());
        return true;
    }

    /** Hands the command to its device; the answer (or a timeout) comes back on the gateway thread. */
    private void run(Incoming in) {
        Command cmd = in.cmd();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        pending.put(in.key(), new Pending(in.canonical(), reply, false, System.nanoTime()));
        CompletionStage<CommandResult> stage;
        try {
            stage = in.device().handle(cmd);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        if (stage == null) stage = CompletableFuture.failedFuture(new IllegalStateException("handle returned null"));
        CompletableFuture<CommandResult> device = stage.toCompletableFuture();
        if (device.isDone()) {
            // answered at once (ping, describe, status...): finish here on the gateway thread, no hop back to it
            CommandResult result = null;
            Throwable err = null;
            try {
                result = device.join();
            } catch (RuntimeException e) {
                err = e;
            }
            finish(in, replyFor(cmd, result, err), codeOf(result, err), isKeepAlive(result));
            return;
        }
        // a copy, so the timeout does not complete the device's own future
        device.thenApply(Function.identity())
                .orTimeout(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((result, err) -> {
                    if (isTimeout(err)) {
                        loop.hop(() -> timedOut(in, device));
                    } else {
                        byte[] bytes = replyFor(cmd, result, err);
                        boolean renewal = isKeepAlive(result);
                        loop.hop(() -> finish(in, bytes, codeOf(result, err), renewal));
                    }
                });
    }

    /** A successful renewal of a hold that was already on (maintenance mode's {@code io}/{@code jog}). */
    private static boolean isKeepAlive(CommandResult result) {
        return result != null && result.ok() && result.result() instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("keepAlive"));
    }

    private static boolean isTimeout(Throwable err) {
        return unwrap(err) instanceof TimeoutException;
    }

    private static Throwable unwrap(Throwable err) {
        return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    }

    private static String codeOf(CommandResult result, Throwable err) {
        if (err != null || result == null) return ErrorCode.INTERNAL.name();
        if (result.ok()) return "OK";
        return result.code() == null ? ErrorCode.INTERNAL.name() : result.code().name();
    }

    /**
     * The device did not answer in time. The caller gets TIMEOUT now, but the command may still
     * complete (a label may still print), so TIMEOUT is not cached as the answer for this id: the key
     * stays pending, a retry with the same id waits for the real outcome instead of running twice,
     * and the real outcome is cached when it comes. Gateway thread.
     */
    private void timedOut(Incoming in, CompletableFuture<CommandResult> device) {
        Command cmd = in.cmd();
        log.warn("Command {}/{} id={} got no answer from the device within {} s", cmd.device(), cmd.action(),
                clean(cmd.id()), COMMAND_TIMEOUT.toSeconds());
        audit(cmd.device(), cmd.action(), cmd.id(), in.by(), ErrorCode.TIMEOUT.name());
        in.answer().accept(replies.error(cmd.id(), ErrorCode.TIMEOUT, cmd.device() + " did not answer within "
                + COMMAND_TIMEOUT.toSeconds() + " s; check the device. The command may still complete: send it again with"
                + " the same id to learn how it ended."));
        Pending p = pending.get(in.key());
        if (p == null) return;
        pending.put(in.key(), new Pending(p.canonical(), p.reply(), true, p.sinceNanos()));
        device.whenComplete((result, err) -> {
            byte[] bytes = replyFor(cmd, result, err);
            loop.hop(() -> {
                log.info("Command {}/{} id={} finished after its TIMEOUT reply: {}", cmd.device(), cmd.action(),
                        clean(cmd.id()), codeOf(result, err));
                replyCache.put(in.key(), in.canonical(), bytes);
                Pending left = pending.remove(in.key());
                if (left != null) left.reply().complete(bytes);
            });
        });
    }

    private byte[] replyFor(Command cmd, CommandResult result, Throwable err) {
        Throwable cause = unwrap(err);
        if (cause != null) {
            log.error("Command {}/{} id={} failed inside the daemon: {}", cmd.device(), cmd.action(), clean(cmd.id()),
                    describe(cause), cause);
            return replies.error(cmd.id(), ErrorCode.INTERNAL, "The daemon failed while handling this command; it is logged,"
                    + " try again or report it.");
        }
        if (result == null) {
            return replies.error(cmd.id(), ErrorCode.INTERNAL, "The device gave no result; it is logged, try again or report it.");
        }
        if (!result.ok()) {
            log.info("Command {}/{} id={} refused: {} ({})", cmd.device(), cmd.action(), clean(cmd.id()), result.code(), result.message());
        }
        return replies.of(cmd.id(), result);
    }

    /** The command's outcome: remembered for its id, audited, sent, and given to any repeat that waited. */
    private void finish(Incoming in, byte[] reply, String code) {
        finish(in, reply, code, false);
    }

    private void finish(Incoming in, byte[] reply, String code, boolean keepAlive) {
        replyCache.put(in.key(), in.canonical(), reply);
        Pending p = pending.remove(in.key());
        if (keepAlive) {
            // a hold-to-run keep-alive repeats every ~200 ms while a button is held: the hold's start and
            // its end are audited at INFO, the renewals between them only at DEBUG
            auditListener.accept(in.action(), code);
            audit.debug("device={} action={} id={} by={} result={} (keep-alive)", clean(in.deviceId()),
                    clean(in.action()), clean(in.cmd().id()), clean(in.by() == null ? "-" : in.by()), code);
        } else {
            audit(in.deviceId(), in.action(), in.cmd().id(), in.by(), code);
        }
        in.answer().accept(reply);
        if (p != null) p.reply().complete(reply);
    }

    /** An error reply that is not remembered for the id (nothing ran; a retry is judged afresh). */
    private void reply(Incoming in, ErrorCode code, String message) {
        audit(in.deviceId(), in.action(), in.cmd().id(), in.by(), code.name());
        in.answer().accept(replies.error(in.cmd().id(), code, message));
    }

    /** Told each command's action and result code, as audited (for the metrics). */
    void onAudit(java.util.function.BiConsumer<String, String> listener) { this.auditListener = listener; }

    private void audit(String device, String action, String id, String by, String result) {
        auditListener.accept(action, result);
        audit.info("device={} action={} id={} by={} result={}", clean(device), clean(action), clean(id),
                clean(by == null ? "-" : by), result);
    }

    private static String conflictMessage(String id) {
        return "The id '" + clean(id) + "' was already used for a different command"
                + " to this device and action; use a new id for a new command.";
    }

    private void sendReply(String topic, byte[] reply) {
        outbox.append(topic, reply, clock.instant().plus(REPLY_TTL));
        loop.pump();
    }
}
