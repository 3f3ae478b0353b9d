package org.conveyord.sim.scenarios;

import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.MqttLink;
import org.conveyord.sim.daemon.DaemonControl;
import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.SimReport;
import org.conveyord.sim.physics.SimSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.LineConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays a {@link Scenario} against a running {@link DeviceSim} and the daemon: waits for the daemon's
 * retained {@code status} (online or degraded), runs the steps on their timeline (sim actions in
 * process, {@code daemon}/{@code order} steps as commands on the daemon's MQTT topics, {@code restart}
 * through a {@link DaemonControl}), plays the scenario's {@link Scenario.Rider riders}, waits until
 * every step ran and the line has settled or the timeout, and judges the result.
 *
 * <p>Like a careful store system it resends a command (same id, so the daemon's idempotency makes it
 * harmless) every {@value #RESEND_AFTER_S} s until the daemon replies, up to {@value #MAX_SENDS}
 * times: commands published while the daemon is down are otherwise lost (it uses a clean session).
 *
 * <p>Threading: blocks the calling thread for the whole run; the daemon's events and replies arrive
 * on the MQTT handler thread and are recorded in a synchronized {@code Observations}; every action
 * (steps, riders, resends) runs on the calling thread.
 */
public final class ScenarioRunner {

    private static final Logger log = LoggerFactory.getLogger(ScenarioRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final double RESEND_AFTER_S = 5;
    static final int MAX_SENDS = 8;
    private static final long IDLE_PARK_NANOS = 50_000_000L;
    private static final long INCOMPLETE_CHECK_NANOS = 500_000_000L;
    /** How long the operator takes to react to a latched jam whose bag is free again. */
    private static final long OPERATOR_RESET_AFTER_NANOS = 2_000_000_000L;
    private static final long OPERATOR_START_AFTER_NANOS = 1_000_000_000L;

    private ScenarioRunner() {}

    /** As {@link #run(Scenario, DeviceSim, String, PrintStream, DaemonControl)} without a way to restart the daemon. */
    public static Scorecard run(Scenario s, DeviceSim sim, String mqttUrl, PrintStream out)
            throws TimeoutException, InterruptedException {
        return run(s, sim, mqttUrl, out, null);
    }

    /**
     * @param mqttUrl the broker the daemon uses (null: the config's)
     * @param out     where the scorecard table is printed (null: not printed)
     * @param daemon  what a {@code restart} step uses; null: such steps are skipped with a note
     * @throws IllegalArgumentException the scenario names a line the config does not have
     * @throws TimeoutException         the daemon did not come online in time
     */
    public static Scorecard run(Scenario s, DeviceSim sim, String mqttUrl, PrintStream out, DaemonControl daemon)
            throws TimeoutException, InterruptedException {
        ConveyordConfig cfg = sim.config();
        if (!(cfg.devicesOrEmpty().get(s.line()) instanceof LineConfig line)) {
            throw new IllegalArgumentException(s.file() + ": line '" + s.line() + "' is not a line in the config; lines: "
                    + cfg.devicesOfKind(LineConfig.class).keySet());
        }
        String exceptionLane = line.sorter() == null ? "exception" : line.sorter().runOutLaneOrDefault();
        String daemonBase = cfg.mqttBase();
        String url = mqttUrl != null ? mqttUrl : cfg.mqttOrDefault().url();
        Observations obs = new Observations(daemonBase, s.line(), exceptionLane);
        try (MqttLink link = new MqttLink(url, "device-sim-scenario-" + cfg.site() + "-" + cfg.node(),
                List.of(daemonBase + "/status", daemonBase + "/event/" + s.line() + "/#", daemonBase + "/reply/" + s.line() + "/#"),
                obs::onMessage, () -> {})) {
            link.start();
            awaitDaemon(s, obs, daemonBase, url);
            log.info("scenario {}: daemon is {}, running {} steps", s.name(), obs.daemonState(), s.steps().size());
            Play play = new Play(s, sim, link, daemonBase, daemon, obs, line, exceptionLane);
            boolean settled = play.run();
            if (!settled) log.warn("scenario {}: not settled after {} s", s.name(), s.timeoutS());
            Scorecard card = Scorecard.judge(s.name(), play.orders, play.bags, sim.report(), exceptionLane, settled,
                    s.expect(), obs.exceptionReasons(), play.notes());
            if (play.feed != null) card = card.withThroughput(play.feed.throughput(System.nanoTime()));
            if (out != null) out.print(card.table(s.expect()));
            return card;
        }
    }

    private static void awaitDaemon(Scenario s, Observations obs, String daemonBase, String url)
            throws TimeoutException, InterruptedException {
        log.info("scenario {}: waiting up to {} s for the daemon on {}/status", s.name(), s.waitForDaemonS(), daemonBase);
        long deadline = System.nanoTime() + (long) (s.waitForDaemonS() * 1e9);
        while (!obs.daemonOnline()) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("the daemon did not report online on " + daemonBase + "/status within "
                        + s.waitForDaemonS() + " s (is it running against " + url + "?)");
            }
            Thread.sleep(50);
        }
    }

    /** One run of a scenario: the timeline, the riders and the resends. Used by the calling thread only. */
    private static final class Play {
        private final Scenario s;
        private final DeviceSim sim;
        private final MqttLink link;
        private final String daemonBase;
        private final DaemonControl daemon;
        private final Observations obs;
        private final Set<String> normalLanes = new HashSet<>();
        private final LineConfig line;
        private final String exceptionLane;
        /** What the scenario placed and hung on: its steps' plus the saturation feed's. */
        final Map<String, List<String>> orders = new LinkedHashMap<>();
        final Map<String, Boolean> bags = new LinkedHashMap<>();
        SaturationFeed feed;
        private final PriorityQueue<Collect> collects = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos, b.atNanos));
        private final Map<String, Sent> unanswered = new LinkedHashMap<>();
        private final Set<String> ordersCollected = new HashSet<>();
        private final Map<String, Long> orderAtRestSince = new HashMap<>();
        private final Set<String> hungSoFar = new HashSet<>();
        private final List<String> notes = new ArrayList<>();
        private final Map<String, String> stepOfCommand = new HashMap<>();
        private long t0;
        private long nextIncompleteCheck;
        private int riderCollections;
        private int restarts;
        private long operatorResetAt;     // 0: nothing to do
        private long operatorStartAt;
        private int operatorActions;

        Play(Scenario s, DeviceSim sim, MqttLink link, String daemonBase, DaemonControl daemon, Observations obs,
             LineConfig line, String exceptionLane) {
            this.s = s;
            this.sim = sim;
            this.link = link;
            this.daemonBase = daemonBase;
            this.daemon = daemon;
            this.obs = obs;
            this.line = line;
            this.exceptionLane = exceptionLane;
            orders.putAll(s.orders());
            bags.putAll(s.bags());
            line.lanesOrEmpty().forEach(l -> { if (!l.id().equals(exceptionLane)) normalLanes.add(l.id()); });
        }

        private record Collect(long atNanos, String lane, String why) {}

        private record Sent(String topic, byte[] payload, long lastNanos, int sends) {}

        /** @return whether the line settled before the timeout */
        boolean run() throws InterruptedException {
            t0 = System.nanoTime();
            long end = t0 + (long) (s.timeoutS() * 1e9);
            if (s.saturation() != null) {
                feed = new SaturationFeed(s.saturation(), sim, line, normalLanes, exceptionLane, t0, (order, ids) -> {
                    send("order", withId(JSON.createObjectNode().put("order", order).set("bags", JSON.valueToTree(ids)),
                            "sat-" + order), "saturation: order " + order);
                    orders.put(order, ids);
                    ids.forEach(b -> bags.put(b, false));
                });
            }
            List<Scenario.Step> steps = s.steps();
            int next = 0;
            boolean settled = false;
            while (true) {
                long now = System.nanoTime();
                while (next < steps.size() && now - stepNanos(steps.get(next)) >= 0) {
                    Scenario.Step step = steps.get(next++);
                    try {
                        execute(step, next);
                    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                        log.warn("scenario {} line {}: step {} failed: {}", s.name(), step.fileLine(), step.kind(), e.getMessage());
                        notes.add("line " + step.fileLine() + " at " + step.at() + " s: " + step.kind() + " failed: " + e.getMessage());
                    }
                    now = System.nanoTime();
                }
                if (feed != null) feed.tick(now);
                riders(now);
                operator(now);
                resend(now);
                if (next == steps.size() && (feed == null || feed.done(now)) && sim.settled()) {
                    settled = true;
                    break;
                }
                if (now - end >= 0) break;
                long wake = now + IDLE_PARK_NANOS;
                if (next < steps.size()) wake = Math.min(wake, stepNanos(steps.get(next)));
                LockSupport.parkNanos(Math.max(0, wake - System.nanoTime()));
                if (Thread.interrupted()) throw new InterruptedException();
            }
            return settled;
        }

        private long stepNanos(Scenario.Step step) {
            return t0 + (long) (step.at() * 1e9);
        }

        private void execute(Scenario.Step step, int n) throws InterruptedException {
            ObjectNode p = step.params();
            if (log.isInfoEnabled()) log.info("scenario {} line {}: at {} s {} {}", s.name(), step.fileLine(), step.at(), step.kind(), p);
            String where = "line " + step.fileLine() + " at " + step.at() + " s";
            switch (step.kind()) {
                case "daemon" -> {
                    ObjectNode cmd = p.deepCopy();
                    String action = cmd.remove("action").asText();
                    send(action, withId(cmd, "scn-" + n), where + ": " + action);
                }
                case "order" -> send("order", withId(p.deepCopy(), "scn-" + n), where + ": order " + p.path("order").asText());
                case "bag" -> {
                    double grams = p.path("grams").asDouble(Double.NaN);
                    double length = p.path("lengthM").asDouble(Double.NaN);
                    SimSettings d = SimSettings.from(sim.config().sim());
                    String bag = p.path("bag").asText();
                    hungSoFar.add(bag);
                    sim.hangBag(bag, p.path("station").asText(), Double.isNaN(grams) ? d.bagGrams() : grams,
                            Double.isNaN(length) ? d.bagLengthM() : length, p.path("noread").asBoolean(false));
                }
                case "estop" -> sim.setEstop(p.path("active").asBoolean());
                case "jam" -> sim.setJam(p.path("zone").asText(), p.path("active").asBoolean(true));
                case "printer" -> sim.printerFault(p.path("printer").asText(), p.path("fault").isNull() ? null : p.path("fault").asText());
                case "scale" -> {
                    if (p.has("offline")) sim.scaleOffline(p.path("scale").asText(), p.path("offline").asBoolean());
                    if (p.has("noise")) sim.scaleNoise(p.path("scale").asText(), p.path("noise").asDouble());
                }
                case "button" -> sim.pressButton(p.path("button").asText());
                case "collect" -> sim.collect(p.path("lane").asText());
                case "reset" -> sim.reset();
                case "restart" -> restart(where);
                default -> throw new IllegalArgumentException("unknown step kind " + step.kind());
            }
        }

        /** Kills and restarts the daemon, then waits for it to be online again before the timeline goes on. */
        private void restart(String where) throws InterruptedException {
            if (daemon == null) {
                notes.add(where + ": restart skipped: the daemon does not run as a process this runner controls");
                log.warn("scenario {}: {}: restart skipped, no daemon process to kill", s.name(), where);
                return;
            }
            long began = System.nanoTime();
            obs.forgetStatus();
            try {
                daemon.killAndRestart();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            restarts++;
            long deadline = began + (long) (s.waitForDaemonS() * 1e9);
            while (!obs.daemonOnline() && System.nanoTime() - deadline < 0) Thread.sleep(20);
            double took = (System.nanoTime() - began) / 1e9;
            notes.add(String.format(java.util.Locale.ROOT, "%s: daemon killed (SIGKILL) and restarted; %s after %.1f s",
                    where, obs.daemonOnline() ? "online again" : "NOT online", took));
        }

        private void send(String action, ObjectNode payload, String what) throws InterruptedException {
            String id = payload.path("id").asText();
            String topic = daemonBase + "/cmd/" + s.line() + "/" + action;
            byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
            stepOfCommand.put(id, what);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!link.publish(topic, bytes, 1, false)) {
                if (System.nanoTime() - deadline > 0) {
                    log.warn("scenario: could not send {} to {} yet: not connected to the broker; will retry", payload, topic);
                    break;
                }
                Thread.sleep(50);
            }
            unanswered.put(id, new Sent(topic, bytes, System.nanoTime(), 1));
        }

        private void resend(long now) {
            unanswered.keySet().removeIf(obs::replied);
            for (var e : unanswered.entrySet()) {
                Sent sent = e.getValue();
                if (sent.sends() >= MAX_SENDS || now - sent.lastNanos() < RESEND_AFTER_S * 1e9 || !obs.daemonOnline()) continue;
                log.info("scenario {}: no reply to {} yet; sending it again", s.name(), e.getKey());
                link.publish(sent.topic(), sent.payload(), 1, false);
                e.setValue(new Sent(sent.topic(), sent.payload(), now, sent.sends() + 1));
            }
        }

        /**
         * The operator on the floor: when the daemon latches a jam (automatic retry spent) and the bag
         * is free again, someone resets and starts the line, as the scenario's own jam steps do. The
         * daemon latches on its own timers, which may be after the scenario's scripted reset.
         */
        private void operator(long now) throws InterruptedException {
            if (operatorStartAt != 0 && now - operatorStartAt >= 0) {
                operatorStartAt = 0;
                send("start", withId(JSON.createObjectNode(), "operator-" + (++operatorActions)), "operator: start after a latched jam");
            }
            if (!obs.jamLatched() || !sim.report().jammed().isEmpty()) {
                operatorResetAt = 0;
                return;
            }
            if (operatorResetAt == 0) {
                operatorResetAt = now + OPERATOR_RESET_AFTER_NANOS;
            } else if (now - operatorResetAt >= 0) {
                operatorResetAt = 0;
                obs.jamLatched(false);
                log.info("scenario {}: operator resets a latched jam", s.name());
                notes.add("operator reset a latched jam");
                send("reset", withId(JSON.createObjectNode(), "operator-" + (++operatorActions)), "operator: reset a latched jam");
                operatorStartAt = now + OPERATOR_START_AFTER_NANOS;
            }
        }

        private void riders(long now) {
            Scenario.Rider rider = s.rider();
            if (rider == null) return;
            for (Observations.Completed c : obs.takeCompleted()) {
                if (ordersCollected.add(c.order()) && normalLanes.contains(c.lane())) {
                    collects.add(new Collect(now + (long) (rider.collectCompleteAfterS() * 1e9), c.lane(), "order " + c.order() + " complete"));
                }
            }
            if (rider.collectIncompleteAfterS() > 0 && now - nextIncompleteCheck >= 0) {
                nextIncompleteCheck = now + INCOMPLETE_CHECK_NANOS;
                incompleteOrders(now, rider.collectIncompleteAfterS());
            }
            while (!collects.isEmpty() && now - collects.peek().atNanos() >= 0) {
                Collect c = collects.poll();
                riderCollections++;
                String id = "rider-" + riderCollections;
                try {
                    int n = sim.collect(c.lane());
                    log.info("scenario {}: rider takes {} bag(s) from {} ({})", s.name(), n, c.lane(), c.why());
                    send("collect", withId(JSON.createObjectNode().put("lane", c.lane()), id), "rider: collect " + c.lane() + " (" + c.why() + ")");
                } catch (IllegalArgumentException e) {
                    notes.add("rider could not collect " + c.lane() + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        /** Orders that will never complete: every hung-on bag rests in some lane, at least one in a normal lane. */
        private void incompleteOrders(long now, double afterS) {
            SimReport r = sim.report();
            for (var e : orders.entrySet()) {
                String order = e.getKey();
                if (ordersCollected.contains(order)) continue;
                List<String> bags = e.getValue().stream().filter(this.bags::containsKey).toList();
                boolean allHung = !bags.isEmpty() && bags.stream()
                        .allMatch(b -> hungSoFar.contains(b) || feed != null && feed.hung().containsKey(b));
                String lane = null;
                boolean atRest = allHung;
                for (String b : bags) {
                    BagPlace p = r.bags().get(b);
                    if (p == null || p.lane() == null) {
                        atRest = false;
                        break;
                    }
                    if (normalLanes.contains(p.at())) lane = p.at();
                }
                if (!atRest || lane == null) {
                    orderAtRestSince.remove(order);
                    continue;
                }
                long since = orderAtRestSince.computeIfAbsent(order, k -> now);
                if (now - since >= afterS * 1e9 && ordersCollected.add(order)) {
                    collects.add(new Collect(now, lane, "order " + order + " will not complete"));
                }
            }
        }

        List<String> notes() {
            List<String> out = new ArrayList<>(notes);
            obs.refusals().forEach((id, error) -> out.add(stepOfCommand.getOrDefault(id, id) + " refused: " + error));
            unanswered.keySet().removeIf(obs::replied);
            if (!unanswered.isEmpty()) {
                out.add("no reply from the daemon to " + unanswered.size() + " command(s): "
                        + unanswered.keySet().stream().limit(10).map(id -> stepOfCommand.getOrDefault(id, id)).toList());
            }
            out.add("daemon events: " + obs.eventCounts());
            if (s.rider() != null) out.add("rider collections: " + riderCollections);
            if (restarts > 0) out.add("daemon restarts: " + restarts);
            return out;
        }
    }

    /**
     * What the daemon published during the run. Written on the MQTT handler thread, read on the
     * runner's thread: every method is synchronized.
     */
    static final class Observations {
        private final String base;
        private final String line;
        private final String exceptionLane;
        private String daemonState = "";
        private final Map<String, String> exceptionReasons = new LinkedHashMap<>();
        private final List<String> exceptionEventBags = new ArrayList<>();
        private final Set<String> replied = new HashSet<>();
        private final Map<String, String> refusals = new LinkedHashMap<>();
        private final Map<String, Integer> eventCounts = new TreeMap<>();
        private boolean jamLatched;      // a jam the daemon will not retry by itself, not yet cleared
        private final List<Completed> completed = new ArrayList<>();

        record Completed(String order, String lane) {}

        Observations(String base, String line, String exceptionLane) {
            this.base = base;
            this.line = line;
            this.exceptionLane = exceptionLane;
        }

        synchronized void onMessage(String topic, byte[] payload) {
            JsonNode n;
            try {
                n = JSON.readTree(payload);
            } catch (IOException e) {
                log.warn("scenario: {} is not JSON: {}", topic, new String(payload, StandardCharsets.UTF_8));
                return;
            }
            if (n == null) return;
            if (topic.equals(base + "/status")) {
                daemonState = n.path("state").asText("");
            } else if (topic.startsWith(base + "/reply/" + line + "/")) {
                String id = n.path("id").asText(null);
                if (id == null) return;
                replied.add(id);
                if (!n.path("ok").asBoolean(false)) {
                    refusals.put(id, n.path("error").path("code").asText("?") + " " + n.path("error").path("message").asText(""));
                }
            } else if (topic.startsWith(base + "/event/" + line + "/")) {
                String type = topic.substring(topic.lastIndexOf('/') + 1);
                if (type.equals("jam") && n.path("cleared").asBoolean(false)) type = "jam-cleared";
                if (type.equals("jam") && !n.path("autoRetry").asBoolean(false)) jamLatched = true;
                if (type.equals("jam-cleared")) jamLatched = false;
                eventCounts.merge(type, 1, Integer::sum);
                switch (type) {
                    case "bag-diverted" -> {
                        String reason = n.path("reason").asText("");
                        if (exceptionLane.equals(n.path("dest").asText()) && !reason.isBlank()) {
                            exceptionReasons.put(n.path("bag").asText(), reason);
                            exceptionEventBags.add(n.path("bag").asText());
                        }
                    }
                    case "order-complete" -> completed.add(new Completed(n.path("order").asText(), n.path("dest").asText()));
                    default -> { }
                }
            }
        }

        synchronized boolean daemonOnline() {
            return daemonState.equals("online") || daemonState.equals("degraded");
        }

        synchronized String daemonState() { return daemonState; }

        /** A restart is under way: wait for a fresh status, not the one from before the kill. */
        synchronized void forgetStatus() { daemonState = ""; }

        synchronized boolean replied(String id) { return replied.contains(id); }

        synchronized boolean jamLatched() { return jamLatched; }

        synchronized void jamLatched(boolean latched) { jamLatched = latched; }

        synchronized Map<String, String> refusals() { return new LinkedHashMap<>(refusals); }

        synchronized Scorecard.ExceptionReasons exceptionReasons() {
            return new Scorecard.ExceptionReasons(exceptionReasons, exceptionEventBags);
        }

        synchronized Map<String, Integer> eventCounts() { return new TreeMap<>(eventCounts); }

        synchronized List<Completed> takeCompleted() {
            List<Completed> out = List.copyOf(completed);
            completed.clear();
            return out;
        }
    }

    private static ObjectNode withId(ObjectNode cmd, String id) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("by", "device-sim scenario");
        o.setAll(cmd);
        return o;
    }
}
