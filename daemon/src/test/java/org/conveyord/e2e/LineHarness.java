package org.conveyord.e2e;

import org.conveyord.Daemon;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.config.ScaleConfig;
import org.conveyord.config.ScannerConfig;
import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.node.BuildInfo;
import org.conveyord.sim.DeviceSim;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole product on loopback: a real broker (embedded Moquette, or the Mosquitto named by
 * {@code MQTT_TEST_URL}), device-sim playing the demo line, and the daemon, wired exactly as in
 * production. Every harness gets its own site id, so runs never see each other's retained topics,
 * and free ports for the simulated devices.
 */
final class LineHarness implements AutoCloseable {
    final EmbeddedBroker broker;
    final String url;
    final ConveyordConfig cfg;
    final DeviceSim sim;
    final Daemon daemon;
    final TestMqttClient operator;
    final String base;
    static final String HTTP_USER = "ops-anna";
    static final String HTTP_SECRET = "line-page-secret-1";

    LineHarness() throws Exception {
        this(c -> c);
    }

    /** @param adjust changes to the demo config (before ports and site are chosen) */
    LineHarness(java.util.function.UnaryOperator<ConveyordConfig> adjust) throws Exception {
        String external = System.getenv("MQTT_TEST_URL");
        broker = external == null || external.isBlank() ? EmbeddedBroker.start("127.0.0.1", 0) : null;
        url = broker != null ? broker.url() : external;
        Path repo = Path.of(System.getProperty("conveyord.repo", ".."));
        var loaded = ConfigLoader.load(repo.resolve("config/demo.yaml"));
        assertThat(loaded.ok()).as(loaded.problems().toString()).isTrue();
        String site = "it-" + UUID.randomUUID().toString().substring(0, 8);
        Path state = Files.createTempDirectory("conveyord-it");
        // the HTTP server on a free port, commands allowed to HTTP_USER
        Path auth = Files.writeString(state.resolve("http-auth"), HTTP_USER + " " + HTTP_SECRET + "\n");
        // a port found free can be taken by another process before the simulator binds it (a busy CI
        // box): fresh ports, up to three times
        ConveyordConfig chosen = null;
        DeviceSim started = null;
        for (int attempt = 1; started == null; attempt++) {
            chosen = onFreePorts(adjust.apply(loaded.config()), site).withMqttUrl(url).withStateDir(state.toString())
                    .withHttp(new org.conveyord.config.HttpConfig("127.0.0.1:" + freePort(), auth.toString()));
            try {
                started = DeviceSim.start(chosen, url);
            } catch (java.io.UncheckedIOException e) {
                if (attempt == 3 || !(e.getCause() instanceof java.net.BindException)) throw e;
            }
        }
        cfg = chosen;
        sim = started;
        base = cfg.mqttBase();
        operator = new TestMqttClient(url, base);
        daemon = Daemon.start(cfg, loaded.sha256(), BuildInfo.load());
    }

    /** The demo config with a test site id and every simulated endpoint on a free port. */
    static ConveyordConfig onFreePorts(ConveyordConfig c, String site) throws IOException {
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>();
        for (var e : c.devicesOrEmpty().entrySet()) {
            DeviceConfig d = switch (e.getValue()) {
                case ScaleConfig s -> s.withLink(freeTcp(s.link()));
                case PrinterConfig p -> p.withLink(freeTcp(p.link()));
                case ScannerConfig s -> s.withLink(freeTcp(s.link()));
                default -> e.getValue();
            };
            devices.put(e.getKey(), d);
        }
        GpioConfig g = c.gpioOrDefault();
        GpioConfig gpio = new GpioConfig(g.provider(), g.chip(), new GpioConfig.SimBridge("127.0.0.1", freePort()));
        ConveyordConfig moved = c.withDevices(devices).withGpio(gpio);
        return new ConveyordConfig(site, moved.node(), moved.mqtt(), moved.stateDir(), moved.gpio(), moved.devices(), moved.sim());
    }

    private static LinkConfig freeTcp(LinkConfig l) throws IOException {
        return new LinkConfig("127.0.0.1:" + freePort(), null, null, null, null, null, null, null);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The logical state of an output, read where the hardware would be: in the simulator. */
    boolean simOutputOn(org.conveyord.config.PinConfig pin) {
        return sim.output(pin.pin()) == pin.activeLevel();
    }

    @Override
    public void close() throws Exception {
        daemon.close();
        sim.close();
        operator.close();
        if (broker != null) broker.stop();
    }
}
