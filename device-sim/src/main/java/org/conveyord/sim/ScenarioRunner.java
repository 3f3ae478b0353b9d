package org.conveyord.sim;

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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays a {@link Scenario} against a running {@link DeviceSim} and the daemon: waits for the daemon's
 * retained {@code status} (online or degraded), runs the steps on their timeline (sim actions in
 * process, {@code daemon}/{@code order} steps as commands on the daemon's MQTT topics), waits until
 * the line has settled or the timeout, and judges the result.
 *
 * <p>Blocks the calling thread for the whole run.
 */
public final class ScenarioRunner {

    private static final Logger log = LoggerFactory.getLogger(ScenarioRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScenarioRunner() {}

    /**
     * @param mqttUrl the broker the daemon uses (null: the config's)
     * @param out     where the scorecard table is printed (null: not printed)
     * @throws IllegalArgumentException the scenario names a line the config does not have
     * @throws TimeoutException         the daemon did not come online in time
     */
    public static Scorecard run(Scenario s, DeviceSim sim, String mqttUrl, PrintStream out)
            throws TimeoutException, InterruptedException {
        ConveyordConfig cfg = sim.config();
        if (!(cfg.devicesOrEmpty().get(s.line()) instanceof LineConfig line)) {
            throw new IllegalArgumentException(s.file() + ": line '" + s.line() + "' is not a line in the config; lines: "
                    + cfg.devicesOfKind(LineConfig.class).keySet());
        }
        String daemonBase = cfg.mqttBase();
        String url = mqttUrl != null ? mqttUrl : cfg.mqttOrDefault().url();
        AtomicReference<String> daemonState = new AtomicReference<>("");
        try (MqttLink link = new MqttLink(url, "device-sim-scenario-" + cfg.site() + "-" + cfg.node(),
                List.of(daemonBase + "/status"), (topic, payload) -> daemonState.set(state(payload)), () -> {})) {
            link.start();
            log.info("scenario {}: waiting up to {} s for the daemon on {}/status", s.name(), s.waitForDaemonS(), daemonBase);
            long deadline = System.nanoTime() + (long) (s.waitForDaemonS() * 1e9);
            while (!daemonState.get().equals("online") && !daemonState.get().equals("degraded")) {
                if (System.nanoTime() - deadline > 0) {
                    throw new TimeoutException("the daemon did not report online on " + daemonBase + "/status within "
                            + s.waitForDaemonS() + " s (is it running against " + url + "?)");
                }
                sleepMs(50);
            }
            log.info("scenario {}: daemon is {}, running {} steps", s.name(), daemonState.get(), s.steps().size());
            long t0 = System.nanoTime();
            int n = 0;
            for (Scenario.Step step : s.steps()) {
                sleepUntil(t0 + (long) (step.at() * 1e9));
                n++;
                try {
                    execute(step, n, s, sim, link, daemonBase);
                } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                    log.warn("scenario {} line {}: step {} failed: {}", s.name(), step.fileLine(), step.kind(), e.getMessage());
                }
            }
            long end = t0 + (long) (s.timeoutS() * 1e9);
            boolean settled = sim.settled();
            while (System.nanoTime() - end < 0 && !(s.untilSettled() && settled)) {
                sleepMs(100);
                settled = sim.settled();
            }
            if (!settled) log.warn("scenario {}: not settled after {} s", s.name(), s.timeoutS());
            Scorecard card = Scorecard.judge(s.name(), s.orders(), s.bags(), sim.report(),
                    line.sorter() == null ? "exception" : line.sorter().runOutLaneOrDefault(), settled, s.expect());
            if (out != null) out.print(card.table(s.expect()));
            return card;
        }
    }

    private static void execute(Scenario.Step step, int n, Scenario s, DeviceSim sim, MqttLink link, String daemonBase)
            throws InterruptedException {
        ObjectNode p = step.params();
        log.info("scenario {} line {}: at {} s {} {}", s.name(), step.fileLine(), step.at(), step.kind(), p);
        switch (step.kind()) {
            case "daemon" -> {
                ObjectNode cmd = p.deepCopy();
                String action = cmd.remove("action").asText();
                sendToDaemon(link, daemonBase + "/cmd/" + s.line() + "/" + action, withId(cmd, n));
            }
            case "order" -> sendToDaemon(link, daemonBase + "/cmd/" + s.line() + "/order", withId(p.deepCopy(), n));
            case "bag" -> {
                double grams = p.path("grams").asDouble(Double.NaN);
                double length = p.path("lengthM").asDouble(Double.NaN);
                SimSettings d = SimSettings.from(sim.config().sim());
                sim.hangBag(p.path("bag").asText(), p.path("station").asText(), Double.isNaN(grams) ? d.bagGrams() : grams,
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
            default -> throw new IllegalArgumentException("unknown step kind " + step.kind());
        }
    }

    private static ObjectNode withId(ObjectNode cmd, int n) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "scn-" + n);
        o.put("by", "device-sim scenario");
        o.setAll(cmd);
        return o;
    }

    /** Publishes a command; waits up to 5 s for the broker connection if it is down right now. */
    private static void sendToDaemon(MqttLink link, String topic, ObjectNode payload) throws InterruptedException {
        byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!link.publish(topic, bytes, 1, false)) {
            if (System.nanoTime() - deadline > 0) {
                log.warn("scenario: could not send {} to {}: not connected to the broker", payload, topic);
                return;
            }
            sleepMs(50);
        }
    }

    private static String state(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            return n == null ? "" : n.path("state").asText("");
        } catch (IOException e) {
            log.warn("scenario: daemon status is not JSON: {}", new String(payload, StandardCharsets.UTF_8));
            return "";
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }

    private static void sleepMs(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }
}
