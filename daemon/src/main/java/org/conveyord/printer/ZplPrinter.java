package org.conveyord.printer;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.PrinterConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.link.ByteLink;
import org.conveyord.protocol.zpl.HostStatus;
import org.conveyord.protocol.zpl.ZplLabel;
import org.conveyord.protocol.zpl.ZplLabelReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Zebra label printer speaking ZPL. The printer acknowledges nothing, so the daemon keeps its own
 * queue: a job is sent when the printer is online and ready (no paper-out, head-open, ribbon-out,
 * paused), one at a time, and reported {@code printed} once a {@code ~HS} asked after sending shows
 * nothing in the buffer, no partial format, no labels remaining and no fault. A job not printed by
 * its deadline is reported {@code job-failed}.
 * <p>
 * Threading: link callbacks (link thread), commands (caller) and the poll timer (ctx scheduler)
 * change state under {@code this}; events are emitted after the lock is released.
 */
public final class ZplPrinter implements Device {

    private static final Logger log = LoggerFactory.getLogger(ZplPrinter.class);
    private static final byte[] HS = ZplLabelReader.Query.HS.encode();
    public static final Duration DEFAULT_JOB_DEADLINE = Duration.ofSeconds(60);

    private final String id;
    private final PrinterConfig cfg;
    private final ByteLink link;
    private final DeviceContext ctx;
    private final PrintQueue queue;
    private final Duration jobDeadline;
    private final HostStatus.Framer framer;

    private final Set<String> faults = new LinkedHashSet<>();   // guarded by this
    private boolean online;
    private String offlineReason = "not connected yet";
    private PrintJob sent;             // written to the printer, not yet confirmed
    private long hsSinceSent;          // ~HS requests written after the job
    private ScheduledFuture<?> poll;
    private boolean stopped;
    private DeviceStatus lastLogged;

    public ZplPrinter(String id, PrinterConfig cfg, ByteLink link, DeviceContext ctx) {
        this(id, cfg, link, ctx, new InMemoryPrintQueue(), DEFAULT_JOB_DEADLINE);
    }

    public ZplPrinter(String id, PrinterConfig cfg, ByteLink link, DeviceContext ctx, PrintQueue queue,
                      Duration jobDeadline) {
        this.id = id;
        this.cfg = cfg;
        this.link = link;
        this.ctx = ctx;
        this.queue = queue;
        this.jobDeadline = jobDeadline;
        this.framer = new HostStatus.Framer(this::onHostStatus);
    }

    @Override public String id() { return id; }

    @Override public String kind() { return "printer"; }

    @Override public List<String> actions() { return List.of("print", "status"); }

    @Override
    public void start() {
        synchronized (this) {
            poll = ctx.scheduler().scheduleWithFixedDelay(this::poll, cfg.pollMsOrDefault(), cfg.pollMsOrDefault(),
                    TimeUnit.MILLISECONDS);
        }
        link.start(new ByteLink.Listener() {
            @Override public void connected() { onConnected(); }

            @Override public void received(byte[] data, int offset, int length) { framer.feed(data, offset, length); }

            @Override public void disconnected(String reason) { onDisconnected(reason); }
        });
    }

    @Override
    public void stop() {
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            if (poll != null) poll.cancel(false);
        }
        link.stop();
    }

    @Override
    public synchronized DeviceStatus status() {
        if (!online) return DeviceStatus.offline(offlineReason);
        if (!faults.isEmpty()) return DeviceStatus.fault(String.join(", ", faults));
        return DeviceStatus.ONLINE;
    }

    @Override
    public synchronized Map<String, Object> state() {
        DeviceStatus s = status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("online", online);
        m.put("ready", online && faults.isEmpty());
        m.put("faults", List.copyOf(faults));
        m.put("queued", queue.size());
        m.put("status", s.state().name().toLowerCase());
        m.put("reason", s.reason());
        return m;
    }

    /** For the line controller: queue a ready-made label; {@code printed}/{@code job-failed} follow. */
    public void printLabel(String job, String zpl, String cmdId) {
        synchronized (this) {
            queue.add(new PrintJob(job, zpl, cmdId, ctx.clock().instant().plus(jobDeadline)));
            sendIfReady();
        }
        ctx.stateListener().stateChanged(id);
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        CommandResult r = switch (cmd.action()) {
            case "print" -> print(cmd);
            case "status" -> CommandResult.answer(state());
            default -> CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    id + " has no action '" + cmd.action() + "'; it takes print and status");
        };
        return CompletableFuture.completedFuture(r);
    }

    private CommandResult print(Command cmd) {
        String job = cmd.text("job");
        if (job == null || job.isEmpty() || job.length() > 64) {
            return bad("print needs a job id of 1 to 64 characters");
        }
        JsonNode zplNode = cmd.params().get("zpl");
        String zpl;
        if (zplNode != null && !zplNode.isNull()) {
            if (!zplNode.isTextual()) return bad("zpl must be a string");
            zpl = zplNode.asText().strip();
            if (!zpl.startsWith("^XA") || !zpl.endsWith("^XZ")) {
                return bad("zpl must start with ^XA and end with ^XZ");
            }
            int bytes = zpl.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > cfg.maxZplBytesOrDefault()) {
                return bad("zpl is " + bytes + " bytes, more than the " + cfg.maxZplBytesOrDefault() + " allowed");
            }
        } else {
            String template = cmd.text("template");
            if (!ZplLabel.TEMPLATE_BAG_LABEL.equals(template)) {
                return bad("print needs zpl or template \"bag-label\", got template " + template);
            }
            JsonNode fields = cmd.params().get("fields");
            if (fields == null || !fields.isObject()) {
                return bad("template bag-label needs fields with order, bag and lane");
            }
            Map<String, String> extra = new LinkedHashMap<>();
            fields.properties().forEach(e -> {
                if (!Set.of("order", "bag", "lane").contains(e.getKey())) extra.put(e.getKey(), e.getValue().asText());
            });
            try {
                zpl = ZplLabel.bagLabel(text(fields, "order"), text(fields, "bag"), text(fields, "lane"), extra);
            } catch (IllegalArgumentException e) {
                return bad(e.getMessage());
            }
        }
        printLabel(job, zpl, cmd.id());
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("job", job);
        a.put("queued", state().get("queued"));
        return CommandResult.answer(a);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private CommandResult bad(String why) {
        return CommandResult.error(ErrorCode.BAD_REQUEST, id + ": " + why + ".");
    }

    // ---- printer conversation ----

    /** Under this: sends the head job when ready and nothing is waiting for confirmation. */
    private void sendIfReady() {
        if (sent != null || !online || !faults.isEmpty()) return;
        var head = queue.head();
        if (head.isEmpty()) return;
        if (link.write(head.get().zpl().getBytes(StandardCharsets.UTF_8))) {
            sent = head.get();
            hsSinceSent = 0;
            log.info("{}: sent job {} ({} queued)", id, sent.job(), queue.size());
        }
    }

    private void poll() {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            if (stopped) return;
            expire(after);
            if (online && link.write(HS)) {
                if (sent != null) hsSinceSent++;
            }
        }
        after.forEach(Runnable::run);
    }

    /** Under this: jobs past their deadline fail. */
    private void expire(List<Runnable> after) {
        Instant now = ctx.clock().instant();
        for (PrintJob j : queue.jobs()) {
            if (now.isAfter(j.deadline())) {
                queue.remove(j.job());
                if (sent == j) sent = null;
                String why = "not printed within " + jobDeadline.toSeconds() + " s"
                        + (online ? faults.isEmpty() ? "" : " (" + String.join(", ", faults) + ")" : " (offline)");
                log.warn("{}: job {} failed: {}", id, j.job(), why);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("job", j.job());
                f.put("reason", why);
                after.add(() -> ctx.events().emit(id, "job-failed", f, j.cmdId()));
                after.add(() -> ctx.stateListener().stateChanged(id));
            }
        }
    }

    /** Link thread. */
    private void onHostStatus(HostStatus hs) {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            if (stopped) return;
            Set<String> now = new LinkedHashSet<>(hs.faults());
            updateFaults(now, after);
            // only an answer to a ~HS written after the job can confirm it (tilde commands jump the queue)
            if (sent != null && hsSinceSent > 0 && hs.idle()) {
                PrintJob done = sent;
                sent = null;
                queue.remove(done.job());
                log.info("{}: job {} printed", id, done.job());
                after.add(() -> ctx.events().emit(id, "printed", new LinkedHashMap<>(Map.of("job", done.job())),
                        done.cmdId()));
                after.add(() -> ctx.stateListener().stateChanged(id));
            }
            sendIfReady();
        }
        after.forEach(Runnable::run);
        logStatusChange();
    }

    /** Under this: events for faults that appeared or went, among the printer's own (not offline). */
    private void updateFaults(Set<String> now, List<Runnable> after) {
        for (String f : now) {
            if (!faults.contains(f)) {
                after.add(() -> ctx.events().emit(id, "fault", new LinkedHashMap<>(Map.of("reason", f)), null));
            }
        }
        for (String f : faults) {
            if (!f.equals("offline") && !now.contains(f)) {
                after.add(() -> ctx.events().emit(id, "fault-cleared", new LinkedHashMap<>(Map.of("reason", f)), null));
            }
        }
        boolean changed = !faults.equals(now);
        faults.removeIf(f -> !f.equals("offline"));
        faults.addAll(now);
        if (changed) after.add(() -> ctx.stateListener().stateChanged(id));
    }

    private void onConnected() {
        framer.reset();
        boolean wasOffline;
        synchronized (this) {
            online = true;
            wasOffline = faults.remove("offline");
            link.write(HS);
            if (sent != null) hsSinceSent++;
        }
        if (wasOffline) {
            ctx.events().emit(id, "fault-cleared", new LinkedHashMap<>(Map.of("reason", "offline")), null);
        }
        ctx.stateListener().stateChanged(id);
        logStatusChange();
    }

    private void onDisconnected(String reason) {
        boolean newFault;
        synchronized (this) {
            if (stopped) return;
            online = false;
            offlineReason = reason;
            newFault = faults.add("offline");
        }
        if (newFault) {
            ctx.events().emit(id, "fault", new LinkedHashMap<>(Map.of("reason", "offline")), null);
        }
        ctx.stateListener().stateChanged(id);
        logStatusChange();
    }

    private void logStatusChange() {
        DeviceStatus s = status();
        synchronized (this) {
            if (lastLogged != null && lastLogged.state() == s.state() && lastLogged.reason().equals(s.reason())) return;
            if (lastLogged != null && lastLogged.state() == DeviceStatus.State.OFFLINE
                    && s.state() == DeviceStatus.State.OFFLINE) {
                lastLogged = s;
                return;
            }
            lastLogged = s;
        }
        if (s.isOnline()) log.info("{} online and ready via {}", id, link.describe());
        else log.warn("{} {}: {}", id, s.state().name().toLowerCase(), s.reason());
    }
}
