package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Maintenance mode from the terminal: the I/O shown live, and hold-to-run of one output or one
 * zone's motor. The daemon lets a hold go {@value #HOLD_MS} ms after the last keep-alive, so a
 * conveyorctl that dies, or loses its broker, stops the motion as surely as a released button.
 */
final class MaintenanceCommands {
    static final long HOLD_MS = 500;
    static final long KEEP_ALIVE_MS = 200;

    private MaintenanceCommands() {}

    @Command(name = "io", description = {"Every input and output of the line, live, in maintenance mode (Ctrl-C ends).",
            "With OUTPUT --on: hold that output on while this runs (hold-to-run; Ctrl-C or --seconds releases it)."})
    static final class Io extends Commands.Base {
        @Parameters(arity = "0..1", paramLabel = "OUTPUT", description = "an output name as the line state lists it, e.g. horn, light.blue, p1.motor")
        String output;

        @Option(names = "--on", description = "hold OUTPUT on (repeated as keep-alive)")
        boolean on;

        @Option(names = "--once", description = "print the I/O once and end")
        boolean once;

        @Option(names = "--seconds", paramLabel = "N", description = "hold for N seconds, then release (default: until Ctrl-C)")
        Double seconds;

        @Override
        public Integer call() {
            if (output == null) {
                if (on || seconds != null) throw usage("--on and --seconds need an OUTPUT to hold");
                return show();
            }
            if (!on) throw usage("io " + output + " needs --on: the output is held on while conveyorctl runs");
            if (once) throw usage("--once only goes with io without an OUTPUT");
            return hold(root, this, "io", root.newObject().put("output", output).put("on", true), seconds);
        }

        private Integer show() {
            CtlSettings s = root.settings();
            String line = root.lineId(s);
            CountDownLatch done = new CountDownLatch(1);
            AtomicBoolean lost = new AtomicBoolean();
            AtomicBoolean toldNotInMaintenance = new AtomicBoolean();
            try (BrokerConnection broker = BrokerConnection.open(s, root.timeout())) {
                if (once) {
                    JsonNode state = broker.retained("state/" + line).orElseThrow(() -> new CtlFailure(ExitCodes.NO_ANSWER,
                            "no retained state/" + line + " under " + s.base() + " on " + s.url() + " within " + broker.seconds()));
                    return print(line, state, toldNotInMaintenance) ? ExitCodes.OK : ExitCodes.REFUSED;
                }
                // the retained state first, then every change
                broker.follow("state/" + line, (topic, state) -> {
                    if (state != null) print(line, state, toldNotInMaintenance);
                }, () -> {
                    lost.set(true);
                    done.countDown();
                });
                root.err.println("conveyorctl: showing the I/O of " + line + " (Ctrl-C ends)");
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (lost.get()) throw new CtlFailure(ExitCodes.NO_ANSWER, "lost the connection to the broker at " + s.url());
            return ExitCodes.OK;
        }

        /** False when the line is not in maintenance mode (said once on stderr). */
        private boolean print(String line, JsonNode state, AtomicBoolean told) {
            if (!state.path("maintenance").asBoolean(false)) {
                if (!told.getAndSet(true)) {
                    root.err.println("conveyorctl: " + line + " is not in maintenance mode; its I/O shows there only"
                            + " (conveyorctl maintenance on)");
                }
                return false;
            }
            told.set(false);
            if (root.json()) {
                ObjectNode io = root.newObject();
                io.set("inputs", state.path("inputs"));
                io.set("outputs", state.path("outputs"));
                io.set("holds", state.path("holds"));
                root.out.println(io.toString());
            } else {
                StringBuilder b = new StringBuilder();
                b.append("inputs:  ").append(levels(state.path("inputs"))).append('\n');
                b.append("outputs: ").append(levels(state.path("outputs"))).append('\n');
                for (JsonNode h : state.path("holds")) {
                    b.append("held:    ").append(h.path("output").asText()).append(" (").append(h.path("phase").asText())
                            .append(", by ").append(h.path("by").asText()).append(")\n");
                }
                root.out.print(b);
            }
            root.out.flush();
            return true;
        }

        private static String levels(JsonNode pins) {
            StringBuilder b = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = pins.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!b.isEmpty()) b.append("  ");
                b.append(e.getKey()).append('=').append(e.getValue().asBoolean() ? "on" : "off");
            }
            return b.toString();
        }
    }

    @Command(name = "jog", description = "Run one zone's motor in maintenance mode while this runs (hold-to-run;"
            + " the horn sounds first; Ctrl-C or --seconds stops it).")
    static final class Jog extends Commands.Base {
        @Parameters(paramLabel = "ZONE", description = "the zone, e.g. p1")
        String zone;

        @Option(names = "--seconds", paramLabel = "N", description = "jog for N seconds, then stop (default: until Ctrl-C)")
        Double seconds;

        @Override
        public Integer call() {
            return hold(root, this, "jog", root.newObject().put("zone", zone), seconds);
        }
    }

    /**
     * Sends {@code action} every {@link #KEEP_ALIVE_MS} until Ctrl-C or {@code seconds}, then a
     * release. A refusal (not in maintenance mode, an e-stop) ends it with exit 1 and the code.
     */
    static int hold(ConveyorCtl root, Commands.Base cmd, String action, ObjectNode params, Double seconds) {
        if (seconds != null && !(seconds > 0 && seconds <= 3600)) throw cmd.usage("--seconds must be between 0 and 3600, got " + seconds);
        CtlSettings s = root.settings();
        String line = root.lineId(s);
        Duration timeout = root.timeout();
        params.put("holdMs", HOLD_MS);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch released = new CountDownLatch(1);
        // Ctrl-C: the loop sends the release, the hook waits a little for it (the daemon lets go by itself anyway)
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                released.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "conveyorctl-release");
        Runtime.getRuntime().addShutdownHook(hook);
        long end = seconds == null ? Long.MAX_VALUE : System.nanoTime() + (long) (seconds * 1e9);
        try (BrokerConnection broker = BrokerConnection.open(s, timeout)) {
            root.err.println("conveyorctl: holding " + action + " " + params.path(action.equals("jog") ? "zone" : "output").asText()
                    + " on " + line + (seconds == null ? " until Ctrl-C" : " for " + seconds + " s"));
            boolean first = true;
            while (!stop.get() && System.nanoTime() < end) {
                ObjectNode c = root.command();
                c.setAll(params);
                JsonNode reply = broker.request(line, action, c);
                if (!reply.path("ok").asBoolean(false)) {
                    JsonNode e = reply.path("error");
                    root.err.println(line + " " + action + " refused: " + e.path("code").asText("?") + ": " + e.path("message").asText(""));
                    return ExitCodes.REFUSED;
                }
                if (first) {
                    first = false;
                    long hornMs = reply.path("result").path("hornMs").asLong(0);
                    root.out.println(line + " " + action + ": held" + (hornMs > 0 ? " (the horn sounds " + hornMs + " ms first)" : ""));
                    root.out.flush();
                }
                sleepUntilNextKeepAlive(stop, end);
            }
            ObjectNode release = root.command();
            release.setAll(params);
            release.put("on", false);
            broker.request(line, action, release);
            root.out.println(line + " " + action + ": released");
            root.out.flush();
            return ExitCodes.OK;
        } finally {
            released.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and has what it waited for
            }
        }
    }

    private static void sleepUntilNextKeepAlive(AtomicBoolean stop, long end) {
        long until = Math.min(end, System.nanoTime() + KEEP_ALIVE_MS * 1_000_000L);
        while (!stop.get()) {
            long left = until - System.nanoTime();
            if (left <= 0) return;
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, 20_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.set(true);
            }
        }
    }
}
