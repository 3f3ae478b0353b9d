package org.conveyord.conveyor;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.LineConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.metrics.ShiftFigures;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The line as an MQTT device: checks each command's own fields, then hands it to the
 * {@link LineController}'s loop. Replies mean "accepted"; what happens later is reported by events
 * carrying the command id.
 */
public final class LineDevice implements Device {
    private static final List<String> ACTIONS = List.of("start", "stop", "reset", "speed", "order", "collect", "confirm",
            "maintenance", "io", "jog");

    private final LineController line;
    private final String resetAfterEstop;
    private final ShiftFigures shift;

    public LineDevice(LineController line) {
        this(line, null, null);
    }

    /**
     * @param cfg   the line's config, for what its state says about resetting after an e-stop (null: not said)
     * @param shift the figures for line state {@code shift} (null: none)
     */
    public LineDevice(LineController line, LineConfig cfg, ShiftFigures shift) {
        this.line = line;
        this.resetAfterEstop = cfg == null ? null : resetAfterEstop(cfg);
        this.shift = shift;
    }

    /**
     * {@code "button"} when only the physical reset button clears a latched e-stop (a remote
     * {@code reset} is refused with {@code FORBIDDEN}: someone must look at the line first), else
     * {@code "remote"}. In line state, so a page can show its reset disabled with the reason.
     */
    static String resetAfterEstop(LineConfig cfg) {
        boolean button = cfg.buttons() != null && cfg.buttons().reset() != null;
        return button && !cfg.remoteEstopResetOrDefault() ? "button" : "remote";
    }

    @Override public String id() { return line.id(); }

    @Override public String kind() { return "line"; }

    @Override public List<String> actions() { return ACTIONS; }

    @Override public void start() { line.start(); }

    @Override public void stop() { line.close(); }

    @Override public DeviceStatus status() { return line.status(); }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> m = line.snapshot();
        if (resetAfterEstop != null) m.put("resetAfterEstop", resetAfterEstop);
        if (shift != null) m.put("shift", shift.summary());
        return m;
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        String by = cmd.by().orElse("operator");
        return switch (cmd.action()) {
            case "start" -> line.call(() -> line.requestStart(cmd.id(), by));
            case "stop" -> line.call(() -> line.requestStop(cmd.id()));
            case "reset" -> line.call(() -> line.requestReset(cmd.id(), false));
            case "speed" -> {
                JsonNode mps = cmd.params().get("mps");
                if (mps == null || !mps.isNumber()) yield bad("speed needs \"mps\": a number of metres per second, e.g. {\"mps\":0.8}");
                yield line.call(() -> line.requestSpeed(mps.asDouble(), cmd.id()));
            }
            case "order" -> order(cmd);
            case "collect" -> {
                JsonNode lane = cmd.params().get("lane");
                if (lane == null || !lane.isTextual()) yield bad("collect needs \"lane\": the lane the rider emptied, e.g. {\"lane\":\"lane-2\"}");
                JsonNode partial = cmd.params().path("partial");
                if (!partial.isMissingNode() && !partial.isBoolean()) yield bad("collect: \"partial\" must be true or false");
                yield line.call(() -> line.collect(lane.asText(), partial.asBoolean(false), cmd.id()));
            }
            case "confirm" -> {
                JsonNode lane = cmd.params().get("lane");
                if (lane == null || !lane.isTextual()) yield bad("confirm needs \"lane\": the lane staff checked, e.g. {\"lane\":\"lane-2\"}");
                yield line.call(() -> line.confirm(lane.asText(), cmd.id()));
            }
            case "maintenance" -> {
                JsonNode on = cmd.params().get("on");
                if (on == null || !on.isBoolean()) yield bad("maintenance needs \"on\": true to enter maintenance mode, false to leave it");
                yield line.call(() -> line.maintenance().setMode(on.asBoolean(), by, cmd.id()));
            }
            case "io", "jog" -> hold(cmd, by);
            default -> CompletableFuture.completedFuture(
                    CommandResult.error(ErrorCode.UNKNOWN_ACTION, id() + " has no action '" + cmd.action() + "'; expected one of " + ACTIONS));
        };
    }

    /**
     * The page's live connection {@code session} closed: whatever it held in maintenance mode ends.
     * Any thread.
     */
    public void sessionClosed(String session) {
        line.call(() -> {
            MaintenanceMode maintenance = line.maintenance();
            if (maintenance != null) maintenance.sessionClosed(session);   // null: the line never started
            return CommandResult.answer(Map.of());
        });
    }

    /**
     * {@code io {"output","on","holdMs"}} and {@code jog {"zone","holdMs"}}: hold-to-run, repeated as
     * keep-alive. {@code "on":false} releases at once; {@code "session"} (the page's live connection)
     * ties the hold to that connection.
     */
    private CompletionStage<CommandResult> hold(Command cmd, String by) {
        boolean jog = cmd.action().equals("jog");
        String what = jog ? "zone" : "output";
        JsonNode target = cmd.params().get(what);
        if (target == null || !target.isTextual()) {
            return bad(jog ? "jog needs \"zone\": the zone to run, e.g. {\"zone\":\"z1\",\"holdMs\":500}"
                    : "io needs \"output\": the output to hold on, e.g. {\"output\":\"horn\",\"on\":true,\"holdMs\":500}");
        }
        JsonNode on = cmd.params().path("on");
        if (!on.isMissingNode() && !on.isBoolean()) return bad(cmd.action() + ": \"on\" must be true or false");
        if (!jog && on.isMissingNode()) return bad("io needs \"on\": true to hold the output on (repeat as keep-alive), false to release it");
        JsonNode holdMs = cmd.params().path("holdMs");
        if (!holdMs.isMissingNode() && !holdMs.canConvertToLong()) return bad(cmd.action() + ": \"holdMs\" must be a whole number of milliseconds, e.g. 500");
        long ms = holdMs.isMissingNode() ? MaintenanceMode.DEFAULT_HOLD_MS : holdMs.asLong();
        JsonNode session = cmd.params().path("session");
        String s = session.isTextual() ? session.asText() : null;
        boolean hold = on.asBoolean(true);
        String name = target.asText();
        return line.call(() -> jog ? line.maintenance().jog(name, hold, ms, by, s) : line.maintenance().io(name, hold, ms, by, s));
    }

    private CompletionStage<CommandResult> order(Command cmd) {
        JsonNode order = cmd.params().get("order");
        if (order == null || !order.isTextual() || order.asText().isEmpty() || order.asText().length() > 64) {
            return bad("order needs \"order\": the order id, 1-64 characters");
        }
        JsonNode bags = cmd.params().get("bags");
        if (bags == null || !bags.isArray() || bags.isEmpty()) {
            return bad("order needs \"bags\": a non-empty list of bag ids or {\"bag\":…,\"grams\":…}");
        }
        List<OrderBook.OrderBag> list = new ArrayList<>();
        for (JsonNode b : bags) {
            if (b.isTextual() && !b.asText().isEmpty() && b.asText().length() <= 64) {
                list.add(new OrderBook.OrderBag(b.asText(), null));
            } else if (b.isObject() && b.path("bag").isTextual() && !b.path("bag").asText().isEmpty()
                    && (b.get("grams") == null || b.get("grams").isNumber())) {
                list.add(new OrderBook.OrderBag(b.get("bag").asText(), b.get("grams") == null ? null : b.get("grams").asDouble()));
            } else {
                return bad("order bag entries must be bag ids (strings) or {\"bag\":\"B-1\",\"grams\":1200}");
            }
        }
        if (list.stream().map(OrderBook.OrderBag::bag).distinct().count() != list.size()) {
            return bad("order " + order.asText() + " lists a bag twice");
        }
        JsonNode dest = cmd.params().get("dest");
        if (dest != null && !dest.isNull() && !dest.isTextual()) return bad("\"dest\" must be a lane id, e.g. \"lane-2\"");
        String d = dest == null || dest.isNull() ? null : dest.asText();
        // "accepted" only once the order is on disk: a crash right after the reply must not lose it
        return line.call(() -> line.placeOrder(order.asText(), list, d, cmd.id()))
                .thenCompose(r -> !r.ok() ? CompletableFuture.completedFuture(r) : line.flushed().handle((v, e) -> e == null ? r
                        : CommandResult.error(ErrorCode.INTERNAL, id() + " could not save order " + order.asText()
                        + " to disk; it is known until a restart only: check the state directory")));
    }

    private static CompletionStage<CommandResult> bad(String message) {
        return CompletableFuture.completedFuture(CommandResult.error(ErrorCode.BAD_REQUEST, message));
    }
}
