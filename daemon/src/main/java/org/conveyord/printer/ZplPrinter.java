package org.conveyord.printer;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.PrinterConfig;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;
import org.conveyord.device.LinkedDevice;
import org.conveyord.device.StatusDetail;
import org.conveyord.link.ByteLink;
import org.conveyord.printer.PrintQueue.Entry;
import org.conveyord.printer.PrintQueue.Outcome;
import org.conveyord.printer.PrintQueue.State;
import org.conveyord.protocol.zpl.HostQueryErrors;
import org.conveyord.protocol.zpl.HostReplyFramer;
import org.conveyord.protocol.zpl.HostStatus;
import org.conveyord.protocol.zpl.ZplLabel;
import org.conveyord.protocol.zpl.ZplTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
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

/**
 * A Zebra label printer speaking ZPL. The printer acknowledges nothing, so the daemon keeps its own
 * (durable) queue and asks: every poll writes {@code ~HQOD} (when the printer has an odometer),
 * {@code ~HS} and {@code ~HQES}; the answers drive {@code fault}/{@code fault-cleared} and job confirmation.
 * <ul>
 *   <li>Jobs are sent only while the printer is online and free of faults; a job sent before a
 *       paper-out waits in the printer and is confirmed when it comes out.</li>
 *   <li>With an odometer, up to {@value #WINDOW} jobs are in the printer at once, each expecting the
 *       odometer reading at which it is printed. A job is {@code printed} once the odometer reached it
 *       and the buffer holds no more than the jobs after it. After a connection loss (power cut), jobs
 *       the odometer did not count while the printer is idle twice running were lost: they are sent
 *       again (the odometer proves they were not printed).</li>
 *   <li>Without an odometer one job is in the printer at a time, {@code printed} when an {@code ~HS} asked
 *       after it shows nothing in the buffer, in progress or remaining, and no fault. If the
 *       connection was lost meanwhile and the printer comes back idle, nobody can know whether the
 *       label came out: the job is {@code job-uncertain} and waits for {@code reprint} or {@code discard}.</li>
 *   <li>A job still waiting in the daemon after the deadline is {@code job-failed}. A job id seen
 *       before is not printed again (QoS 1 redelivery, a retry with a new command id).</li>
 * </ul>
 * This assumes nobody else prints on the same printer (another host's labels would move the odometer).
 * <p>
 * Threading: link callbacks (link thread), commands (caller) and the poll timer (ctx scheduler)
 * change state under {@code this}; events are emitted and the status set after the lock is released.
 * Lifecycle and status: {@link LinkedDevice}; the lead fault gives the status detail.
 */
public final class ZplPrinter extends LinkedDevice {

    private static final Logger log = LoggerFactory.getLogger(ZplPrinter.class);
    static final int WINDOW = 8;
    static final long FAST_POLL_MS = 100;
    private static final int UNCOUNTED_IDLE_POLLS = 3;

    private final PrinterConfig cfg;
    private final PrintQueue queue;
    private final Duration jobDeadline;
    private final boolean odometerMode;
    private final HostReplyFramer framer;
    private final byte[] pollQuery;
    /** The config's templates; a reload swaps the whole map (a label already rendered prints as it was). */
    private volatile Map<String, String> templates;

    private final Set<String> faults = new LinkedHashSet<>();   // guarded by this
    private List<String> hsFaults = List.of();
    private List<String> hqesFaults = List.of();
    private boolean online;
    private String offlineReason = "not connected yet";
    private long odometer = -1;          // this connection's last reading; -1 before the first
    private long hsWritten;
    private long hsAnswered;
    private long hsWrittenAtSend;
    private int idleStreak;
    private boolean lossPending;         // SENT jobs survived a connection loss or restart: settle them first
    private long lastPollNanos;
    private volatile Repeating poller;

    public ZplPrinter(String id, PrinterConfig cfg, ByteLink link, DeviceContext ctx, PrintQueue queue) {
        this(id, cfg, link, ctx, queue, Duration.ofSeconds(cfg.jobDeadlineSOrDefault()));
    }

    public ZplPrinter(String id, PrinterConfig cfg, ByteLink link, DeviceContext ctx, PrintQueue queue,
                      Duration jobDeadline) {
        super(id, link, ctx);
        this.cfg = cfg;
        this.queue = queue;
        this.jobDeadline = jobDeadline;
        this.odometerMode = cfg.odometerOrDefault();
        this.templates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(cfg.templatesOrEmpty()));
        this.framer = new HostReplyFramer(this::onHostStatus, this::onErrors, this::onOdometer);
        this.pollQuery = ((odometerMode ? "~HQOD" : "") + "~HS~HQES").getBytes(StandardCharsets.US_ASCII);
        this.lossPending = queue.entries().stream().anyMatch(e -> e.state() == State.SENT);
    }

    @Override public String kind() { return "printer"; }

    @Override public List<String> actions() { return List.of("print", "status", "reprint", "discard"); }

    @Override
    protected void onStart() {
        poller = repeat(Math.min(cfg.pollMsOrDefault(), FAST_POLL_MS), this::poll, this::nextPollMs);
    }

    /**
     * Every {@link #FAST_POLL_MS} while jobs wait, sit in the printer or may have been lost (deadlines
     * and completions are watched); otherwise at {@code pollMs}, which is all a status check needs.
     */
    private long nextPollMs() {
        synchronized (this) {
            if (lossPending) return FAST_POLL_MS;
            for (Entry e : queue.entries()) {
                if (e.state() == State.QUEUED || e.state() == State.SENT) return FAST_POLL_MS;
            }
        }
        return cfg.pollMsOrDefault();
    }

    @Override
    protected void onStop() {
        if (queue instanceof FilePrintQueue f) f.close();
    }

    @Override
    protected void onBytes(byte[] data, int offset, int length) {
        framer.feed(data, offset, length);
    }

    /** Under this: what the link and the printer's own answers say; the lead fault gives the detail. */
    private DeviceStatus currentStatus() {
        if (!online) return DeviceStatus.linkDown(offlineReason);
        if (!faults.isEmpty()) return DeviceStatus.fault(detailOf(faults.iterator().next()), String.join(", ", faults));
        return DeviceStatus.ONLINE;
    }

    /** The fault names of {@link HostStatus#faults()} and {@link HostQueryErrors#faults()}. */
    static StatusDetail detailOf(String fault) {
        return switch (fault) {
            case "paper-out" -> StatusDetail.PAPER_OUT;
            case "head-open" -> StatusDetail.HEAD_OPEN;
            case "ribbon-out" -> StatusDetail.RIBBON_OUT;
            case "paused" -> StatusDetail.PAUSED;
            case "paper-jam" -> StatusDetail.JAM;
            case "offline" -> StatusDetail.LINK_DOWN;
            default -> StatusDetail.HARDWARE_ERROR;
        };
    }

    @Override
    protected DeviceStatus linkUpStatus() {
        synchronized (this) {
            return currentStatus();
        }
    }

    /** After a change of the printer's answers or the link; outside this (listeners run here). */
    private void refreshStatus() {
        DeviceStatus s;
        synchronized (this) {
            s = currentStatus();
        }
        updateStatus(s);
    }

    @Override
    public synchronized Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("online", online);
        m.put("ready", online && faults.isEmpty());
        m.put("faults", List.copyOf(faults));
        m.put("queued", queue.size());
        m.put("inPrinter", count(State.SENT));
        m.put("uncertain", queue.entries().stream().filter(e -> e.state() == State.UNCERTAIN).map(e -> e.job().job()).toList());
        m.put("odometer", odometer < 0 ? null : odometer);
        putStatus(m);
        return m;
    }

    /**
     * For the line controller: queue a ready-made label; {@code printed}/{@code job-failed} follow.
     * A job id already queued or finished is not printed again.
     *
     * @return false when the job id was seen before
     */
    public boolean printLabel(String job, String zpl, String cmdId) {
        synchronized (this) {
            if (queue.entry(job).isPresent() || queue.outcome(job).isPresent()) {
                log.info("{}: job {} was seen before; not printing it again", id, job);
                return false;
            }
            queue.add(new PrintJob(job, zpl, cmdId, ctx.clock().instant().plus(jobDeadline)));
            sendIfReady();
        }
        pollSoon();
        ctx.stateListener().stateChanged(id);
        return true;
    }

    /**
     * For the line: the label of a bag that reached its order's lane, rendered with this printer's
     * {@code bag-label} template (a configured one first, else the built-in), as job {@code label-<bag>}.
     *
     * @return false when that bag's label was queued or printed before
     * @throws IllegalArgumentException when a value cannot go on a label (ZPL command characters) or a
     *                                  configured template needs a field the line does not have
     */
    public boolean printBagLabel(String order, String bag, String lane, String cmdId) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("order", order);
        values.put("bag", bag);
        values.put("lane", lane);
        return printLabel("label-" + bag, render(ZplLabel.TEMPLATE_BAG_LABEL, values), cmdId);
    }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        CommandResult r;
        try {
            r = switch (cmd.action()) {
                case "print" -> print(cmd);
                case "status" -> CommandResult.answer(state());
                case "reprint" -> reprint(cmd);
                case "discard" -> discard(cmd);
                default -> CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                        id + " has no action '" + cmd.action() + "'; it takes print, status, reprint and discard");
            };
        } catch (UncheckedIOException e) {
            log.error("{}: the print queue cannot be written: {}", id, e.getMessage());
            r = CommandResult.error(ErrorCode.INTERNAL, id + " cannot store the job (" + e.getMessage()
                    + "); check the disk under the state directory");
        }
        return CompletableFuture.completedFuture(r);
    }

    private CommandResult print(Command cmd) {
        String job = cmd.text("job");
        if (job == null || job.isEmpty() || job.length() > 64) {
            return bad("print needs a job id of 1 to 64 characters");
        }
        synchronized (this) {
            var known = queue.entry(job);
            var outcome = queue.outcome(job);
            if (known.isPresent() || outcome.isPresent()) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("job", job);
                a.put("duplicate", true);
                a.put("state", known.map(e -> e.state().name().toLowerCase()).orElse(outcome.map(o -> o.name().toLowerCase()).orElse("")));
                return CommandResult.answer(a);
            }
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
            JsonNode fields = cmd.params().get("fields");
            if (fields == null || !fields.isObject()) {
                return bad("print needs zpl, or a template with fields");
            }
            Map<String, String> values = new LinkedHashMap<>();
            fields.properties().forEach(e -> values.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
            try {
                zpl = render(template, values);
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

    /** A reloaded config's templates, for every label rendered from now on (the queue keeps what was rendered). */
    public void applyTemplates(Map<String, String> next) {
        templates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(next));
    }

    /** Config templates first; then the built-in bag-label and order-label. */
    private String render(String template, Map<String, String> values) {
        Map<String, String> templates = this.templates;
        String configured = templates.get(template);
        if (configured != null) return new ZplTemplate(template, configured).render(values);
        if (ZplLabel.TEMPLATE_BAG_LABEL.equals(template)) {
            Map<String, String> extra = new LinkedHashMap<>(values);
            extra.keySet().removeAll(Set.of("order", "bag", "lane"));
            return ZplLabel.bagLabel(values.get("order"), values.get("bag"), values.get("lane"), extra);
        }
        if (ZplTemplate.ORDER_LABEL.name().equals(template)) return ZplTemplate.ORDER_LABEL.render(values);
        Set<String> known = new LinkedHashSet<>(List.of(ZplLabel.TEMPLATE_BAG_LABEL, ZplTemplate.ORDER_LABEL.name()));
        known.addAll(templates.keySet());
        throw new IllegalArgumentException("there is no template '" + template + "'; expected one of " + String.join(", ", known));
    }

    private CommandResult reprint(Command cmd) {
        String job = cmd.text("job");
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            var e = queue.entry(job == null ? "" : job);
            if (e.isEmpty() || e.get().state() != State.UNCERTAIN) {
                return CommandResult.error(ErrorCode.INVALID_STATE, id + ": job " + job
                        + " is not waiting for a decision; only job-uncertain jobs can be reprinted");
            }
            PrintJob old = e.get().job();
            queue.add(new PrintJob(old.job(), old.zpl(), cmd.id(), ctx.clock().instant().plus(jobDeadline)));
            log.info("{}: job {} reprinted on operator request{}", id, job, cmd.by().map(b -> " by " + b).orElse(""));
            sendIfReady();
            after.add(this::pollSoon);
            after.add(() -> ctx.stateListener().stateChanged(id));
        }
        after.forEach(Runnable::run);
        return CommandResult.answer(Map.of("job", job));
    }

    private CommandResult discard(Command cmd) {
        String job = cmd.text("job");
        synchronized (this) {
            var e = queue.entry(job == null ? "" : job);
            if (e.isEmpty() || e.get().state() == State.SENT) {
                return CommandResult.error(ErrorCode.INVALID_STATE, id + ": job " + job
                        + (e.isEmpty() ? " is not queued" : " is in the printer already; wait for printed or job-uncertain"));
            }
            queue.finish(job, Outcome.DISCARDED);
            log.info("{}: job {} discarded on operator request{}", id, job, cmd.by().map(b -> " by " + b).orElse(""));
        }
        ctx.events().emit(id, "job-discarded", new LinkedHashMap<>(Map.of("job", job)), cmd.id());
        ctx.stateListener().stateChanged(id);
        return CommandResult.answer(Map.of("job", job));
    }

    private CommandResult bad(String why) {
        return CommandResult.error(ErrorCode.BAD_REQUEST, id + ": " + why + ".");
    }

    // ---- printer conversation ----

    private int count(State s) {
        int n = 0;
        for (Entry e : queue.entries()) if (e.state() == s) n++;
        return n;
    }

    /** Under this: sends queued jobs while the printer is ready and the window allows. */
    private void sendIfReady() {
        if (!online || !faults.isEmpty() || lossPending) return;
        if (odometerMode && odometer < 0) return;   // the first reading of this connection comes first
        int window = odometerMode ? WINDOW : 1;
        List<Entry> entries = queue.entries();
        long nextExpect = odometer;
        int inPrinter = 0;
        for (Entry e : entries) {
            if (e.state() == State.SENT) {
                inPrinter++;
                nextExpect = Math.max(nextExpect, e.expectOdometer());
            }
        }
        for (Entry e : entries) {
            if (inPrinter >= window) return;
            if (e.state() != State.QUEUED) continue;
            if (!link.write(e.job().zpl().getBytes(StandardCharsets.UTF_8))) return;
            long expect = odometerMode ? ++nextExpect : -1;
            queue.update(e.job().job(), State.SENT, expect);
            inPrinter++;
            hsWrittenAtSend = hsWritten;
            idleStreak = 0;
            log.info("{}: sent job {}{} ({} queued)", id, e.job().job(), odometerMode ? " expecting odometer " + expect : "",
                    queue.size());
        }
    }

    /** A job came: the slow idle poll becomes the fast one now. Not under this (the timer's lock comes first). */
    private void pollSoon() {
        Repeating p = poller;
        if (p != null) p.soon();
    }

    private void poll() {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            expire(after);
            long now = System.nanoTime();
            boolean busy = lossPending || count(State.SENT) > 0;
            // half a fast period of slack: the idle timer is due at pollMs and may run a hair early
            if (online && (busy || now - lastPollNanos >= (cfg.pollMsOrDefault() - FAST_POLL_MS / 2) * 1_000_000L)) {
                writePoll(now);
            }
        }
        after.forEach(Runnable::run);
    }

    /** Under this. */
    private void writePoll(long now) {
        if (link.write(pollQuery)) {
            hsWritten++;
            lastPollNanos = now;
        }
    }

    /** Under this: jobs still waiting in the daemon past their deadline fail. */
    private void expire(List<Runnable> after) {
        Instant now = ctx.clock().instant();
        for (Entry e : queue.entries()) {
            PrintJob j = e.job();
            if (e.state() == State.QUEUED && now.isAfter(j.deadline())) {
                queue.finish(j.job(), Outcome.FAILED);
                String why = "not printed within " + jobDeadline.toSeconds() + " s"
                        + (online ? faults.isEmpty() ? "" : " (" + String.join(", ", faults) + ")" : " (offline: " + offlineReason + ")");
                log.warn("{}: job {} failed: {}", id, j.job(), why);
                after.add(() -> emitJob("job-failed", j, why));
                after.add(() -> ctx.stateListener().stateChanged(id));
            }
        }
    }

    private void emitJob(String type, PrintJob j, String reason) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("job", j.job());
        if (reason != null) f.put("reason", reason);
        ctx.events().emit(id, type, f, j.cmdId());
    }

    /** Link thread. */
    private synchronized void onOdometer(long value) {
        if (value < odometer) log.warn("{}: odometer went back from {} to {} (printer replaced?)", id, odometer, value);
        odometer = value;
    }

    /** Link thread. */
    private void onErrors(HostQueryErrors e) {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            hqesFaults = e.faults();
            updateFaults(after);
            sendIfReady();
        }
        after.forEach(Runnable::run);
        refreshStatus();
    }

    /** Link thread. */
    private void onHostStatus(HostStatus hs) {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            hsAnswered++;
            hsFaults = hs.faults();
            updateFaults(after);
            // only an answer to a ~HS written after the last send can speak for it (tilde commands jump the queue)
            if (hsAnswered > hsWrittenAtSend) {
                idleStreak = hs.idle() ? idleStreak + 1 : 0;
                if (odometerMode) confirmByOdometer(hs, after);
                else confirmByBuffer(hs, after);
            }
            if (count(State.SENT) == 0) lossPending = false;
            sendIfReady();
        }
        after.forEach(Runnable::run);
        refreshStatus();
    }

    /** Under this. */
    private void confirmByOdometer(HostStatus hs, List<Runnable> after) {
        if (odometer < 0) return;
        List<Entry> sent = queue.entries().stream().filter(e -> e.state() == State.SENT).toList();
        List<Entry> counted = sent.stream().filter(e -> e.expectOdometer() <= odometer).toList();
        int remaining = sent.size() - counted.size();
        if (!counted.isEmpty() && hs.formatsInBuffer() <= remaining) {
            for (Entry e : counted) printed(e.job(), after);
        }
        if (remaining > 0 && idleStreak >= (lossPending ? 2 : UNCOUNTED_IDLE_POLLS)) {
            // idle on consecutive answers and the odometer (asked in between) did not count them
            for (Entry e : sent) {
                if (e.expectOdometer() <= odometer) continue;
                if (lossPending) {
                    log.warn("{}: job {} was lost in the printer (odometer {} < {}); sending it again", id, e.job().job(),
                            odometer, e.expectOdometer());
                    queue.update(e.job().job(), State.QUEUED, -1);
                } else {
                    queue.finish(e.job().job(), Outcome.FAILED);
                    String why = "the printer took the label but did not print it (odometer unchanged); check the label's ZPL";
                    log.warn("{}: job {} failed: {}", id, e.job().job(), why);
                    after.add(() -> emitJob("job-failed", e.job(), why));
                }
            }
            after.add(() -> ctx.stateListener().stateChanged(id));
        }
    }

    /** Under this: one job in the printer, no odometer. */
    private void confirmByBuffer(HostStatus hs, List<Runnable> after) {
        for (Entry e : queue.entries()) {
            if (e.state() != State.SENT) continue;
            if (!hs.idle()) {
                // still in the buffer after a connection loss: it will print, carry on as usual
                if (hs.formatsInBuffer() > 0) lossPending = false;
                return;
            }
            if (lossPending) {
                queue.update(e.job().job(), State.UNCERTAIN, -1);
                String why = "the connection to the printer was lost while the label was in its buffer and the printer has "
                        + "no odometer; check whether it came out, then reprint or discard";
                log.warn("{}: job {} uncertain: {}", id, e.job().job(), why);
                after.add(() -> emitJob("job-uncertain", e.job(), why));
                after.add(() -> ctx.stateListener().stateChanged(id));
            } else {
                printed(e.job(), after);
            }
            return;
        }
    }

    /** Under this. */
    private void printed(PrintJob j, List<Runnable> after) {
        queue.finish(j.job(), Outcome.PRINTED);
        log.info("{}: job {} printed", id, j.job());
        after.add(() -> emitJob("printed", j, null));
        after.add(() -> ctx.stateListener().stateChanged(id));
    }

    /** Under this: events for faults that appeared or went, among the printer's own (not offline). */
    private void updateFaults(List<Runnable> after) {
        Set<String> now = new LinkedHashSet<>(hsFaults);
        now.addAll(hqesFaults);
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
        Set<String> before = new LinkedHashSet<>(faults);
        faults.removeIf(f -> !f.equals("offline"));
        faults.addAll(now);
        if (!faults.equals(before)) after.add(() -> ctx.stateListener().stateChanged(id));
    }

    @Override
    protected void onLinkUp() {
        framer.reset();
        boolean wasOffline;
        synchronized (this) {
            online = true;
            odometer = -1;
            hsWritten = 0;
            hsAnswered = 0;
            hsWrittenAtSend = 0;
            idleStreak = 0;
            hsFaults = List.of();
            hqesFaults = List.of();
            wasOffline = faults.remove("offline");
            writePoll(System.nanoTime());
        }
        if (wasOffline) {
            ctx.events().emit(id, "fault-cleared", new LinkedHashMap<>(Map.of("reason", "offline")), null);
        }
        ctx.stateListener().stateChanged(id);
    }

    @Override
    protected void onLinkDown(String reason) {
        boolean newFault;
        synchronized (this) {
            online = false;
            offlineReason = reason;
            odometer = -1;
            if (count(State.SENT) > 0) lossPending = true;
            newFault = faults.add("offline");
        }
        if (newFault) {
            ctx.events().emit(id, "fault", new LinkedHashMap<>(Map.of("reason", "offline")), null);
        }
        ctx.stateListener().stateChanged(id);
    }
}
