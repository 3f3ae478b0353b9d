package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** The subcommands: each one names its device and action and builds the contract's parameters. */
final class Commands {

    private Commands() {}

    /** Shared by every subcommand: the root holds the global options and the output streams. */
    abstract static class Base implements Callable<Integer> {
        @ParentCommand ConveyorCtl root;
        @Spec CommandLine.Model.CommandSpec spec;

        CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** A line action without parameters. */
    abstract static class LineAction extends Base {
        abstract String action();

        @Override
        public Integer call() {
            CtlSettings s = root.settings();
            return root.send(s, root.lineId(s), action(), root.newObject(), null);
        }
    }

    @Command(name = "ping", description = "Is the daemon there? Prints its version and uptime.")
    static final class Ping extends Base {
        @Override
        public Integer call() {
            return root.send(root.settings(), "node", "ping", root.newObject(), HumanTable::render);
        }
    }

    @Command(name = "describe", description = "Every device with its kind, status and actions.")
    static final class Describe extends Base {
        @Override
        public Integer call() {
            return root.send(root.settings(), "node", "describe", root.newObject(), result -> {
                ArrayNode rows = root.newObject().arrayNode();
                for (JsonNode d : result.path("devices")) {
                    ObjectNode row = rows.addObject();
                    row.put("device", d.path("id").asText());
                    row.put("kind", d.path("kind").asText());
                    row.put("status", d.path("status").path("state").asText());
                    row.put("reason", d.path("status").path("reason").asText(""));
                    row.set("actions", d.path("actions"));
                }
                return HumanTable.table(rows, List.of());
            });
        }
    }

    @Command(name = "state", description = "The retained state of a device (default: the line).")
    static final class State extends Base {
        @Parameters(arity = "0..1", paramLabel = "DEVICE", description = "a device id from the config, e.g. printer-1")
        String device;

        @Override
        public Integer call() {
            CtlSettings s = root.settings();
            String id = device != null ? device : root.lineId(s);
            JsonNode state;
            try (BrokerConnection broker = BrokerConnection.open(s, root.timeout())) {
                state = broker.retained("state/" + id).orElseThrow(() -> new CtlFailure(ExitCodes.NO_ANSWER,
                        "no retained state/" + id + " under " + s.base() + " on " + s.url() + " within " + broker.seconds()
                                + " (is the device id right? conveyorctl describe lists them)"));
            }
            if (root.json()) root.out.println(state.toString());
            else root.out.print(HumanTable.render(state));
            root.out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "start", description = "Start the line (the start-up warning sounds first).")
    static final class Start extends LineAction {
        @Override String action() { return "start"; }
    }

    @Command(name = "stop", description = "Stop the line (controlled stop).")
    static final class Stop extends LineAction {
        @Override String action() { return "stop"; }
    }

    @Command(name = "reset", description = "Clear latched faults (after an e-stop the reset button may be required).")
    static final class Reset extends LineAction {
        @Override String action() { return "reset"; }
    }

    @Command(name = "order", description = "Announce an order and its bags; BAG is an id or ID=GRAMS for a checkweigh.")
    static final class Order extends Base {
        @Parameters(index = "0", paramLabel = "ORDER", description = "the order id")
        String order;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "BAG", description = "bag ids, e.g. B-1 B-2=1200")
        List<String> bags;

        @Option(names = "--dest", paramLabel = "LANE", description = "the lane (default: the line picks a free one)")
        String dest;

        @Override
        public Integer call() {
            ObjectNode p = root.newObject().put("order", order);
            ArrayNode list = p.putArray("bags");
            for (String b : bags) {
                int eq = b.lastIndexOf('=');
                if (eq < 0) {
                    list.add(b);
                    continue;
                }
                double grams;
                try {
                    grams = Double.parseDouble(b.substring(eq + 1));
                } catch (NumberFormatException e) {
                    throw usage("bag " + b + ": the part after '=' must be the expected weight in grams, e.g. B-2=1200");
                }
                list.addObject().put("bag", b.substring(0, eq)).put("grams", grams);
            }
            if (dest != null) p.put("dest", dest);
            CtlSettings s = root.settings();
            return root.send(s, root.lineId(s), "order", p, null);
        }
    }

    @Command(name = "collect", description = "A rider took the bags of a lane.")
    static final class Collect extends Base {
        @Parameters(paramLabel = "LANE") String lane;

        @Option(names = "--partial", description = "staff emptied a full lane; the order keeps it")
        boolean partial;

        @Override
        public Integer call() {
            ObjectNode p = root.newObject().put("lane", lane);
            if (partial) p.put("partial", true);
            CtlSettings s = root.settings();
            return root.send(s, root.lineId(s), "collect", p, null);
        }
    }

    @Command(name = "speed", description = "Belt speed in metres per second (one of the configured speeds).")
    static final class Speed extends Base {
        @Parameters(paramLabel = "MPS") double mps;

        @Override
        public Integer call() {
            CtlSettings s = root.settings();
            return root.send(s, root.lineId(s), "speed", root.newObject().put("mps", mps), null);
        }
    }

    @Command(name = "maintenance", description = "Enter or leave maintenance mode.")
    static final class Maintenance extends Base {
        @Parameters(paramLabel = "on|off") String mode;

        @Override
        public Integer call() {
            if (!mode.equals("on") && !mode.equals("off")) throw usage("maintenance takes on or off, got '" + mode + "'");
            CtlSettings s = root.settings();
            return root.send(s, root.lineId(s), "maintenance", root.newObject().put("on", mode.equals("on")), null);
        }
    }

    @Command(name = "print", description = {"Print a label: a template with fields (default template bag-label), or raw ZPL.",
            "e.g. print -f order=O-1 -f bag=B-1 -f lane=lane-2    print --zpl '^XA^FO50,50^A0N,40^FDHello^FS^XZ'"})
    static final class Print extends Base {
        @Option(names = "--job", paramLabel = "JOB", description = "the job id (default: a fresh one); printing the same job twice prints once")
        String job;

        @Option(names = "--template", paramLabel = "NAME", description = "bag-label, order-label or one from the printer's config (default: bag-label)")
        String template;

        @Option(names = {"-f", "--field"}, paramLabel = "KEY=VALUE", description = "a template field, repeatable")
        Map<String, String> fields = new LinkedHashMap<>();

        @Option(names = "--zpl", paramLabel = "ZPL", description = "raw ZPL, ^XA...^XZ")
        String zpl;

        @Option(names = "--zpl-file", paramLabel = "FILE", description = "raw ZPL from a file")
        Path zplFile;

        @Override
        public Integer call() {
            if (zpl != null && zplFile != null) throw usage("give --zpl or --zpl-file, not both");
            boolean raw = zpl != null || zplFile != null;
            if (raw && (template != null || !fields.isEmpty())) throw usage("raw ZPL and --template/--field exclude each other");
            if (!raw && fields.isEmpty()) throw usage("print needs --field KEY=VALUE (for a template) or --zpl/--zpl-file");
            ObjectNode p = root.newObject().put("job", job != null ? job : "ctl-" + UUID.randomUUID().toString().substring(0, 8));
            if (raw) {
                p.put("zpl", zpl != null ? zpl : readZpl(zplFile));
            } else {
                p.put("template", template != null ? template : "bag-label");
                ObjectNode f = p.putObject("fields");
                fields.forEach(f::put);
            }
            CtlSettings s = root.settings();
            return root.send(s, root.printerId(s), "print", p, null);
        }

        private String readZpl(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw usage("cannot read --zpl-file " + file + " (" + e.getClass().getSimpleName() + ")");
            }
        }
    }

    @Command(name = "reprint", description = "Print a job reported job-uncertain again.")
    static final class Reprint extends Base {
        @Parameters(paramLabel = "JOB") String job;

        @Override
        public Integer call() {
            CtlSettings s = root.settings();
            return root.send(s, root.printerId(s), "reprint", root.newObject().put("job", job), null);
        }
    }

    @Command(name = "discard", description = "Drop a queued or job-uncertain job without printing it.")
    static final class Discard extends Base {
        @Parameters(paramLabel = "JOB") String job;

        @Override
        public Integer call() {
            CtlSettings s = root.settings();
            return root.send(s, root.printerId(s), "discard", root.newObject().put("job", job), null);
        }
    }

    @Command(name = "watch", description = {"Follow the events, one line each, until Ctrl-C.",
            "FILTER is a device (line-1), an event type (jam) or both (line-1/jam)."})
    static final class Watch extends Base {
        @Parameters(arity = "0..1", paramLabel = "FILTER") String filter;

        @Option(names = "--count", paramLabel = "N", description = "stop after N matching events")
        Integer count;

        @Override
        public Integer call() {
            if (count != null && count < 1) throw usage("--count must be at least 1");
            CtlSettings s = root.settings();
            EventLine lines = new EventLine(root.zone());
            AtomicInteger seen = new AtomicInteger();
            AtomicBoolean lost = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            try (BrokerConnection broker = BrokerConnection.open(s, root.timeout())) {
                broker.follow("event/#", (topic, event) -> {
                    if (!EventLine.matches(filter, topic)) return;
                    int n = seen.incrementAndGet();
                    if (count != null && n > count) return;
                    root.out.println(root.json() ? String.valueOf(event) : lines.format(topic, event));
                    if (count != null && n == count) done.countDown();
                }, () -> {
                    lost.set(true);
                    done.countDown();
                });
                // on stderr, so stdout stays one line per event; it also tells a script the subscription stands
                root.err.println("conveyorctl: watching " + s.base() + "/event/#" + (filter == null ? "" : " for " + filter)
                        + " on " + s.url() + " (Ctrl-C ends)");
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (lost.get()) throw new CtlFailure(ExitCodes.NO_ANSWER, "lost the connection to the broker at " + s.url());
            return ExitCodes.OK;
        }
    }
}
