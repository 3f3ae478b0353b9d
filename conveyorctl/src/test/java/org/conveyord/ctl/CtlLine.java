package org.conveyord.ctl;

import io.moquette.broker.Server;
import org.conveyord.Daemon;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.config.ScaleConfig;
import org.conveyord.config.ScannerConfig;
import org.conveyord.node.BuildInfo;
import org.conveyord.sim.DeviceSim;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo line on loopback for conveyorctl's ITs: a real broker (Moquette in-process, or the one
 * named by {@code MQTT_TEST_URL}), device-sim playing the line and the real daemon. Each instance
 * has its own site id and free device ports, so runs never see each other's retained topics.
 */
final class CtlLine implements AutoCloseable {
    final Server broker;
    final String url;
    final ConveyordConfig cfg;
    final DeviceSim sim;
    final Daemon daemon;

    CtlLine() throws Exception {
        String external = System.getenv("MQTT_TEST_URL");
        if (external == null || external.isBlank()) {
            int port = freePort();
            broker = startBroker(port);
            url = "tcp://127.0.0.1:" + port;
        } else {
            broker = null;
            url = external;
        }
        Path repo = Path.of(System.getProperty("conveyord.repo", ".."));
        var loaded = ConfigLoader.load(repo.resolve("config/demo.yaml"));
        assertThat(loaded.ok()).as(loaded.problems().toString()).isTrue();
        String site = "ctl-" + UUID.randomUUID().toString().substring(0, 8);
        cfg = onFreePorts(loaded.config(), site).withMqttUrl(url)
                .withStateDir(Files.createTempDirectory("conveyorctl-it").toString())
                // conveyorctl speaks MQTT only; the default 127.0.0.1:8080 may be taken on a shared box
                .withHttp(new org.conveyord.config.HttpConfig("off", null));
        sim = DeviceSim.start(cfg, url);
        daemon = Daemon.start(cfg, loaded.sha256(), BuildInfo.load());
        // the daemon is up once it answers through the broker
        await().atMost(Duration.ofSeconds(30)).until(() -> ctl("--timeout", "2", "ping").code() == 0);
    }

    /** conveyorctl pointed at this line by flags (no config file). */
    CtlRun ctl(String... args) {
        return CtlRun.of(withTarget(args));
    }

    String[] withTarget(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--broker";
        all[1] = url;
        all[2] = "--site";
        all[3] = cfg.site();
        System.arraycopy(args, 0, all, 4, args.length);
        return all;
    }

    /**
     * Moquette with the settings of the daemon's embedded broker (no telemetry, no persistence). A
     * free port can be taken between the check and the bind on a busy machine: then another one.
     */
    private static Server startBroker(int firstPort) throws IOException {
        IOException last = null;
        int port = firstPort;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path data = Files.createTempDirectory("conveyorctl-broker-");
            Properties p = new Properties();
            p.setProperty("host", "127.0.0.1");
            p.setProperty("port", Integer.toString(port));
            p.setProperty("websocket_port", "disabled");
            p.setProperty("allow_anonymous", "true");
            p.setProperty("telemetry_enabled", "false");
            p.setProperty("persistence_enabled", "false");
            p.setProperty("data_path", data.toString());
            p.setProperty("immediate_buffer_flush", "true");
            Server server = new Server();
            try {
                server.startServer(p);
                int bound = port;
                await().atMost(Duration.ofSeconds(5)).until(() -> listening(bound));
                return server;
            } catch (IOException | RuntimeException e) {
                server.stopServer();
                last = e instanceof IOException io ? io : new IOException(e);
                port = freePort();
            }
        }
        throw last;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The demo config with a test site id and every simulated endpoint on a free port. */
    private static ConveyordConfig onFreePorts(ConveyordConfig c, String site) throws IOException {
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>();
        for (var e : c.devicesOrEmpty().entrySet()) {
            DeviceConfig d = switch (e.getValue()) {
                case ScaleConfig s -> s.withLink(freeTcp());
                case PrinterConfig p -> p.withLink(freeTcp());
                case ScannerConfig s -> s.withLink(freeTcp());
                default -> e.getValue();
            };
            devices.put(e.getKey(), d);
        }
        GpioConfig g = c.gpioOrDefault();
        ConveyordConfig moved = c.withDevices(devices).withGpio(new GpioConfig(g.provider(), g.chip(),
                new GpioConfig.SimBridge("127.0.0.1", freePort())));
        return new ConveyordConfig(site, moved.node(), moved.mqtt(), moved.stateDir(), moved.gpio(), moved.devices(), moved.sim());
    }

    private static LinkConfig freeTcp() throws IOException {
        return new LinkConfig("127.0.0.1:" + freePort(), null, null, null, null, null, null, null);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        daemon.close();
        sim.close();
        if (broker != null) broker.stopServer();
    }
}
