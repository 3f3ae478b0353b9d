package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code conveyorctl}: sends one command to conveyord over MQTT and prints the answer, or follows
 * its events. It speaks the public contract only (spec/mqtt-api.md), exactly as any other client
 * would, so the daemon applies the same validation, idempotency, audit and refusals.
 */
@Command(name = "conveyorctl", mixinStandardHelpOptions = true, versionProvider = ConveyorCtl.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Drive and watch a conveyord line over MQTT.",
                "Broker, site and node come from /etc/conveyord/conveyord.yaml when it exists (TLS and credentials included)."},
        footer = {"", "Exit codes: 0 ok, 1 refused by the daemon, 2 usage or unusable settings, 3 no broker or no answer in time."},
        subcommands = {Commands.Ping.class, Commands.Describe.class, Commands.State.class,
                Commands.Start.class, Commands.Stop.class, Commands.Reset.class, Commands.Order.class,
                Commands.Collect.class, Commands.Speed.class, Commands.Maintenance.class,
                MaintenanceCommands.Io.class, MaintenanceCommands.Jog.class,
                Commands.Print.class, Commands.Reprint.class, Commands.Discard.class, Commands.Watch.class})
public final class ConveyorCtl implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Option(names = "--broker", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "tcp://host:port or ssl://host:port (default: mqtt.url from the config, else tcp://127.0.0.1:1883)")
    String broker;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "the daemon's config file (default: /etc/conveyord/conveyord.yaml when it exists)")
    Path config;

    @Option(names = "--credentials", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "broker username (line 1) and password (line 2) (default: mqtt.credentialsFile from the config)")
    Path credentials;

    @Option(names = "--site", scope = ScopeType.INHERIT, description = "site id (default: from the config, else demo)")
    String site;

    @Option(names = "--node", scope = ScopeType.INHERIT, description = "node id (default: from the config, else edge-1)")
    String node;

    @Option(names = "--prefix", scope = ScopeType.INHERIT, description = "topic prefix (default: from the config, else conveyord)")
    String prefix;

    @Option(names = "--line", paramLabel = "ID", scope = ScopeType.INHERIT,
            description = "the line device (default: the first line in the config, else line-1)")
    String line;

    @Option(names = {"--device", "--printer"}, paramLabel = "ID", scope = ScopeType.INHERIT,
            description = "the printer for print, reprint and discard (default: the first printer in the config, else printer-1)")
    String printer;

    @Option(names = "--timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, defaultValue = "5",
            description = "how long to wait for the broker and the reply (default: ${DEFAULT-VALUE})")
    double timeoutS;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "print the raw reply (or state, or events) as JSON")
    boolean json;

    @Option(names = "--by", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "who is asking, for the daemon's audit log (default: the OS user)")
    String by;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    private final Path systemConfig;
    private final ZoneId zone;
    PrintWriter out;
    PrintWriter err;

    ConveyorCtl(Path systemConfig, ZoneId zone) {
        this.systemConfig = systemConfig;
        this.zone = zone;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, SettingsResolver.SYSTEM_CONFIG, ZoneId.systemDefault());
        System.exit(code);
    }

    /** The whole program with its streams and system config passed in, so that tests run it in-process. */
    static int run(String[] args, PrintStream stdout, PrintStream stderr, Path systemConfig, ZoneId zone) {
        ConveyorCtl root = new ConveyorCtl(systemConfig, zone);
        CommandLine cl = new CommandLine(root);
        root.out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
        root.err = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
        cl.setOut(root.out);
        cl.setErr(root.err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CtlFailure f) {
                root.err.println("conveyorctl: " + f.getMessage());
                return f.exitCode;
            }
            if (e instanceof SettingsException s) {
                root.err.println("conveyorctl: " + s.getMessage());
                return ExitCodes.USAGE;
            }
            throw e;
        });
        int code = cl.execute(args);
        root.out.flush();
        root.err.flush();
        return code;
    }

    @Override
    public Integer call() {
        err.println("conveyorctl: which command? (conveyorctl --help lists them)");
        spec.commandLine().usage(err);
        return ExitCodes.USAGE;
    }

    CtlSettings settings() {
        return SettingsResolver.resolve(new SettingsResolver.Flags(broker, config, credentials, site, node, prefix), systemConfig);
    }

    Duration timeout() {
        if (!(timeoutS > 0) || timeoutS > 3600) throw new CommandLine.ParameterException(spec.commandLine(),
                "--timeout must be between 0 and 3600 seconds, got " + timeoutS);
        return Duration.ofMillis((long) (timeoutS * 1000));
    }

    ZoneId zone() { return zone; }

    /** The audit name: --by, else the user who ran sudo, else the OS user. */
    String by() {
        if (by != null && !by.isBlank()) return by;
        String user = System.getProperty("user.name", "operator");
        String sudoUser = System.getenv("SUDO_USER");
        return "root".equals(user) && sudoUser != null && !sudoUser.isBlank() ? sudoUser : user;
    }

    /** A command envelope with a fresh id, the send time (motion commands check it) and {@code by}. */
    ObjectNode command() {
        return JSON.createObjectNode()
                .put("id", "ctl-" + UUID.randomUUID())
                .put("ts", TS.format(Instant.now().truncatedTo(ChronoUnit.MILLIS)))
                .put("by", by());
    }

    ObjectNode newObject() { return JSON.createObjectNode(); }

    /**
     * Sends and prints: the raw reply with --json, else {@code human} of the result (or an "accepted" line).
     * A refusal prints its code and message on stderr and exits 1.
     */
    int send(CtlSettings s, String device, String action, ObjectNode params, Function<JsonNode, String> human) {
        ObjectNode cmd = command();
        cmd.setAll(params);
        Duration timeout = timeout();
        JsonNode reply;
        try (BrokerConnection broker = BrokerConnection.open(s, timeout)) {
            reply = broker.request(device, action, cmd);
        }
        if (json) out.println(reply.toString());
        if (!reply.path("ok").asBoolean(false)) {
            JsonNode e = reply.path("error");
            err.println(device + " " + action + " refused: " + e.path("code").asText("?") + ": " + e.path("message").asText("")
                    + (e.path("retryable").asBoolean(false) ? " (retryable)" : ""));
            return ExitCodes.REFUSED;
        }
        if (!json) {
            String text = human == null ? null : human.apply(reply.path("result"));
            if (text == null) {
                out.println(device + " " + action + ": accepted");
                text = HumanTable.render(reply.path("result"));
            }
            out.print(text);
            out.flush();
        }
        return ExitCodes.OK;
    }

    String lineId(CtlSettings s) { return line != null ? line : s.defaultLine(); }

    String printerId(CtlSettings s) { return printer != null ? printer : s.defaultPrinter(); }

    boolean json() { return json; }

    /** The jar's Implementation-Version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ConveyorCtl.class.getPackage().getImplementationVersion();
            return new String[] {"conveyorctl " + (v == null ? "dev" : v)};
        }
    }
}
