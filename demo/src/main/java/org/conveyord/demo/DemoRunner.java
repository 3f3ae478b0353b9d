package org.conveyord.demo;

import org.conveyord.Daemon;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.node.BuildInfo;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The demo ({@code ./demo.sh}): an embedded broker on 127.0.0.1, device-sim in-process and the daemon,
 * all on config/demo.yaml, plus the smoke scenario so that bags visibly move. Ctrl-C stops it.
 */
public final class DemoRunner {
    private static final Logger log = LoggerFactory.getLogger(DemoRunner.class);

    private DemoRunner() {}

    public static int run(BuildInfo build, String mqttUrlOrNull) throws Exception {
        Path work = Files.createTempDirectory("conveyord-demo");
        Path configFile = Path.of("config", "demo.yaml");
        if (!Files.isRegularFile(configFile)) configFile = copyResource("/demo/demo.yaml", work.resolve("demo.yaml"));
        ConfigLoader.Result r = ConfigLoader.load(configFile);
        if (!r.ok()) {
            r.problems().forEach(p -> System.err.println(p.format()));
            return 2;
        }
        EmbeddedBroker broker = mqttUrlOrNull == null ? EmbeddedBroker.start("127.0.0.1", 1883) : null;
        String url = broker != null ? broker.url() : mqttUrlOrNull;
        // commands from the page need a user: a fresh one for this run, never a fixed password
        String secret = java.util.UUID.randomUUID().toString();
        Path users = Files.writeString(work.resolve("http-users"), "demo " + secret + "\n");
        ConveyordConfig loaded = r.config().withMqttUrl(url).withStateDir(work.resolve("state").toString());
        ConveyordConfig cfg = loaded.withHttp(new org.conveyord.config.HttpConfig(loaded.httpOrDefault().listen(), users.toString()));
        DeviceSim sim = DeviceSim.start(cfg, url);
        Daemon daemon = Daemon.start(cfg, r.sha256(), build);
        String base = cfg.mqttBase();
        String hostPort = url.substring(url.indexOf("://") + 3);
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        String port = hostPort.substring(hostPort.lastIndexOf(':') + 1);
        System.out.println();
        System.out.println("conveyord " + build.version() + " demo is running.");
        System.out.println("  broker:     " + url + (broker != null ? " (embedded)" : ""));
        System.out.println("  config:     " + configFile.toAbsolutePath());
        daemon.httpAddress().ifPresentOrElse(
                a -> System.out.println("  line page:  http://" + a.getHostString() + ":" + a.getPort() + "/   (commands: user demo,"
                        + " password " + secret + "; also /metrics, /health/ready)"),
                () -> System.out.println("  line page:  not running (http.listen is off or its port is in use; see the log)"));
        System.out.println("  watch:      mosquitto_sub -h " + host + " -p " + port + " -v -t '" + base + "/#' -t 'sim/#'");
        System.out.println("  ping:       mosquitto_pub -h " + host + " -p " + port + " -t " + base + "/cmd/node/ping -m '{\"id\":\"p-1\"}'");
        System.out.println("  start line: mosquitto_pub -h " + host + " -p " + port + " -t " + base + "/cmd/line-1/start -m '{\"id\":\"s-1\",\"by\":\"me\"}'");
        System.out.println("  an order:   mosquitto_pub -h " + host + " -p " + port + " -t " + base
                + "/cmd/line-1/order -m '{\"id\":\"o-9\",\"order\":\"O-9\",\"bags\":[\"B-90\",\"B-91\"]}'");
        System.out.println("  a bag:      mosquitto_pub -h " + host + " -p " + port + " -t " + sim.mqttBase()
                + "/cmd/bag -m '{\"bag\":\"B-90\",\"station\":\"pick-1\",\"grams\":1200}'");
        System.out.println("  e-stop:     mosquitto_pub -h " + host + " -p " + port + " -t " + sim.mqttBase() + "/cmd/estop -m '{\"active\":true}'");
        System.out.println("Running the smoke scenario now; Ctrl-C stops everything.");
        System.out.println();

        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            sim.close();
            if (broker != null) broker.stop();
            stop.countDown();
        }, "demo-shutdown"));
        Thread flow = new Thread(() -> {
            try {
                Path scenarioFile = Path.of("device-sim", "scenarios", "smoke.yaml");
                if (!Files.isRegularFile(scenarioFile)) scenarioFile = copyResource("/demo/smoke.yaml", work.resolve("smoke.yaml"));
                ScenarioRunner.run(Scenario.load(scenarioFile), sim, url, System.out);
                System.out.println("Smoke scenario done; the demo keeps running (Ctrl-C stops it).");
            } catch (Exception e) {
                log.warn("demo flow stopped: {}", e.getMessage());
            }
        }, "demo-flow");
        flow.setDaemon(true);
        flow.start();
        stop.await();
        return 0;
    }

    private static Path copyResource(String resource, Path to) throws IOException {
        try (InputStream in = DemoRunner.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("the jar lacks " + resource + "; rebuild with mvn package");
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
        return to;
    }
}
