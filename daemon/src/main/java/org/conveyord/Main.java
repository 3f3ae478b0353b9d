package org.conveyord;

import org.conveyord.cli.SafeOutputsCommand;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConfigProblem;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.hal.provider.GpioFactory;
import org.conveyord.logging.LogSetup;
import org.conveyord.reload.ConfigReload;
import org.conveyord.reload.HangupSignal;
import org.conveyord.node.BuildInfo;
import org.conveyord.state.NewerStateVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code conveyord} command line. Exit codes: 0 fine, 1 failed at run time, 2 bad config or usage, or state
 * written by a newer conveyord (after a downgrade: refusing to start is safer than misreading seqs and the outbox),
 * 70 a fatal error on a control thread (systemd restarts the daemon, which always comes up stopped).
 */
@Command(name = "conveyord", mixinStandardHelpOptions = false, sortOptions = false,
        description = "Store-edge conveyor controller: drives the line, talks to scales, printers and scanners, speaks MQTT.")
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    /** EX_SOFTWARE: an Error on a control thread; its outputs are off, and systemd restarts conveyord. */
    static final int EXIT_FATAL = 70;

    @Option(names = "--config", paramLabel = "FILE", description = "config file (default ${DEFAULT-VALUE})")
    Path config = Path.of("/etc/conveyord/conveyord.yaml");

    @Option(names = "--mqtt-url", paramLabel = "tcp://HOST:PORT", description = "broker URL, overrides mqtt.url in the config")
    String mqttUrl;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "durable state directory, overrides stateDir in the config")
    Path stateDir;

    @Option(names = "--check-config", description = "validate the config, print every problem as FILE:LINE: key: message, exit 0 or 2")
    boolean checkConfig;

    @Option(names = "--safe-outputs", description = "drive every configured output to its inactive level and exit (systemd ExecStopPost)")
    boolean safeOutputs;

    @Option(names = "--version", description = "print the version and exit")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    public static void main(String[] args) {
        // Netty 4.2 reports buffer events to JFR when the JVM has it: at start that loads and registers
        // about 110 JFR classes, and every buffer checks whether its event is on. A -D on the command
        // line still wins (issue 12: start-up and memory).
        if (System.getProperty("io.netty.jfr.enabled") == null) System.setProperty("io.netty.jfr.enabled", "false");
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // one clear line for the operator; the stack trace only at debug level
            System.err.println("conveyord: " + ex.getMessage());
            log.debug("failure", ex);
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args2) -> {
            System.err.println("conveyord: " + ex.getMessage());
            System.err.println("Try 'conveyord --help'.");
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        BuildInfo build = BuildInfo.load();
        if (version) {
            System.out.println("conveyord " + build.version() + " (commit " + build.commit() + ")");
            return 0;
        }
        ConfigLoader.Result r = ConfigLoader.load(config);
        if (checkConfig) {
            r.problems().forEach(p -> System.out.println(p.format()));
            if (r.ok()) {
                System.out.println(config + ": OK (" + r.config().devicesOrEmpty().size() + " devices"
                        + (r.warnings().isEmpty() ? "" : ", " + r.warnings().size() + " warnings") + ")");
                return 0;
            }
            return 2;
        }
        if (safeOutputs) {
            // the crash path: semantic errors must not keep a motor running, so only the GPIO part counts
            r.problems().stream().filter(ConfigProblem::isError).forEach(p -> System.err.println(p.format()));
            Path dir = stateDir != null ? stateDir : r.config() != null ? r.config().stateDirOrDefault() : null;
            return SafeOutputsCommand.run(r, dir, GpioFactory::open);
        }
        if (!r.ok()) {
            r.problems().forEach(p -> System.err.println(p.format()));
            System.err.println("conveyord: " + config + " has errors; nothing was started (see above; --check-config lists them too)");
            return 2;
        }
        LogSetup.apply(r.config().loggingOrDefault(), System.getenv());
        r.warnings().forEach(p -> log.warn("{}", p.format()));
        return runDaemon(withCommandLine(r.config()), r.sha256(), build);
    }

    /** The command line's overrides, applied to the loaded config and to every reloaded one. */
    private ConveyordConfig withCommandLine(ConveyordConfig cfg) {
        if (mqttUrl != null) cfg = cfg.withMqttUrl(mqttUrl);
        if (stateDir != null) cfg = cfg.withStateDir(stateDir.toString());
        return cfg;
    }

    private int runDaemon(ConveyordConfig cfg, String sha, BuildInfo build) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<Daemon> running = new AtomicReference<>();
        // installed before anything starts: a SIGTERM during start-up still closes what was built
        // (a daemon not yet returned from start closes itself when start fails or the JVM exits)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("SIGTERM: stopping");
            Daemon d = running.get();
            if (d != null) d.close();
            stopped.countDown();
        }, "shutdown"));
        Daemon d;
        try {
            d = Daemon.start(cfg, sha, build);
            running.set(d);
        } catch (NewerStateVersionException e) {
            System.err.println("conveyord: " + e.getMessage());
            return 2;
        }
        ConfigReload reload = new ConfigReload(config, cfg, sha, this::withCommandLine, d::applyLive, d.gateway().events());
        HangupSignal.onHangup(reload::reload);
        d.fatal().thenRun(stopped::countDown);
        stopped.await();
        Throwable fatal = d.fatal().getNow(null);
        if (fatal != null) {
            // main returns the code and System.exit runs the shutdown hook: the usual safe teardown
            log.error("fatal {} on a control thread: motion off, heartbeat stopped; exiting {} for systemd to restart conveyord, stopped",
                    fatal.toString(), EXIT_FATAL);
            return EXIT_FATAL;
        }
        return 0;
    }
}
