package org.conveyord.sim.cli;

import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.daemon.DaemonProcess;
import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.conveyord.sim.scenarios.Scorecard;
import org.conveyord.config.ConfigException;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConfigProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * {@code device-sim --config FILE [--mqtt-url URL] [--scenario FILE [--daemon-jar JAR]]}. Without a
 * scenario it plays the line until SIGTERM/Ctrl-C; with one it prints the scorecard and exits 0 when
 * {@code expect} holds, 1 when not (or the daemon never came online), 2 on a bad config or scenario
 * file. With {@code --daemon-jar} it runs the daemon itself as a child process on the same config and
 * broker (so a scenario's {@code restart} step can kill it with SIGKILL and start it again).
 */
@Command(name = "device-sim", mixinStandardHelpOptions = true, versionProvider = DeviceSimMain.Version.class,
        description = "Plays a conveyor line (GPIO, scales, printers, scanners, physics) for conveyord.")
public final class DeviceSimMain implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(DeviceSimMain.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the same config file the daemon reads")
    Path config;

    @Option(names = "--mqtt-url", paramLabel = "URL", description = "broker, e.g. tcp://127.0.0.1:1883 (default: the config's)")
    String mqttUrl;

    @Option(names = "--scenario", paramLabel = "FILE", description = "a scenario YAML to play and judge")
    Path scenario;

    @Option(names = "--daemon-jar", paramLabel = "JAR",
            description = "run the daemon (conveyord.jar) as a child process for the scenario; restart steps kill and restart it")
    Path daemonJar;

    @Option(names = "--daemon-state-dir", paramLabel = "DIR",
            description = "the child daemon's --state-dir (default: a new temporary directory)")
    Path daemonStateDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DeviceSimMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        log.info("device-sim {} starting with {}", Version.text(), config);
        ConfigLoader.Result loaded = ConfigLoader.load(config);
        loaded.warnings().forEach(w -> System.err.println(w.format()));
        if (!loaded.ok()) {
            loaded.problems().stream().filter(ConfigProblem::isError).forEach(p -> System.err.println(p.format()));
            return 2;
        }
        Scenario scn = null;
        if (scenario != null) {
            try {
                scn = Scenario.load(scenario);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return 2;
            }
        }
        DeviceSim sim;
        try {
            sim = DeviceSim.start(loaded.config(), mqttUrl);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            System.err.println("device-sim cannot start: " + e.getMessage());
            return 1;
        }
        if (scn == null) {
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                sim.close();
                stopped.countDown();
            }, "device-sim-shutdown"));
            stopped.await();
            return 0;
        }
        DaemonProcess daemon = null;
        try (sim) {
            if (daemonJar != null) daemon = startDaemon(loaded.config().mqttOrDefault().url());
            Scorecard card = ScenarioRunner.run(scn, sim, mqttUrl, System.out, daemon);
            // one machine-readable line for bench/run-all.sh
            if (card.throughput() != null) {
                System.out.println("RESULT {\"bench\":\"saturation\",\"scenario\":\"" + scn.name() + "\",\"passed\":" + card.passed()
                        + ",\"misSorted\":" + card.misSorted() + ",\"collisions\":" + card.collisions()
                        + ",\"delivered\":" + card.delivered() + ",\"exception\":" + card.exception()
                        + ",\"throughput\":" + card.throughput().json() + "}");
            }
            return card.passed() ? 0 : 1;
        } catch (java.io.IOException e) {
            System.err.println("device-sim: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (TimeoutException e) {
            System.err.println("scenario " + scn.name() + " not run: " + e.getMessage());
            return 1;
        } finally {
            if (daemon != null) daemon.close();
        }
    }

    /** The daemon as a child process: this JVM's java, the same config and broker, its own state dir. */
    private DaemonProcess startDaemon(String configUrl) throws java.io.IOException {
        if (!java.nio.file.Files.isRegularFile(daemonJar)) throw new java.io.IOException("no daemon jar at " + daemonJar + " (build it: mvn package)");
        Path state = daemonStateDir != null ? daemonStateDir : java.nio.file.Files.createTempDirectory("conveyord-scenario-state");
        Path logFile = state.resolve("daemon.log");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, "--enable-native-access=ALL-UNNAMED",
                "-jar", daemonJar.toString(), "--config", config.toString(), "--state-dir", state.toString(),
                "--mqtt-url", mqttUrl != null ? mqttUrl : configUrl));
        System.err.println("device-sim: daemon output in " + logFile);
        return DaemonProcess.start(cmd, logFile);
    }

    /** Version from the jar manifest (the shade plugin writes the project version), else "dev". */
    static final class Version implements CommandLine.IVersionProvider {
        static String text() {
            String v = DeviceSimMain.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }

        @Override
        public String[] getVersion() {
            return new String[]{"device-sim " + text() + " (GPIO bridge protocol 1, MQTT control sim/<site>/<node>)"};
        }
    }
}
