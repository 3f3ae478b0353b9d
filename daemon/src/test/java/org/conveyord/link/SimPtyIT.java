package org.conveyord.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.LinkConfig;
import org.conveyord.config.ScaleConfig;
import org.conveyord.config.ScannerConfig;
import org.conveyord.device.Command;
import org.conveyord.device.DeviceContext;
import org.conveyord.scale.MtSicsScale;
import org.conveyord.scale.Weight;
import org.conveyord.scanner.LineScanner;
import org.conveyord.sim.DeviceSim;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * device-sim offers serial-configured devices on socat ptys; the daemon's devices reach them through
 * jssc, exactly as on a box with USB adapters.
 */
class SimPtyIT {

    /** The simulator's GPIO bridge on a free port: the default 7070 may be taken by another simulator on the box. */
    private static final GpioConfig FREE_PORT_GPIO = new GpioConfig("sim", null, new GpioConfig.SimBridge("127.0.0.1", 0));

    @TempDir
    Path dir;
    private final LinkGroup group = new LinkGroup(1);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final RecordingEventSink sink = new RecordingEventSink();
    private DeviceSim sim;
    private MtSicsScale scale;
    private LineScanner scanner;

    @AfterEach
    void tearDown() {
        if (scale != null) scale.stop();
        if (scanner != null) scanner.stop();
        if (sim != null) sim.close();
        scheduler.shutdownNow();
        group.close();
    }

    @Test
    void aSerialScaleAndScannerInTheSimulatorAreReachedOverJssc() throws Exception {
        Assumptions.assumeTrue(onPath("socat"), "socat not installed: the simulator cannot offer serial devices on ptys");
        LinkConfig scaleLink = new LinkConfig(null, dir.resolve("ttyScale").toString(), 9600, 8, "none", 1, "none", null);
        LinkConfig scannerLink = new LinkConfig(null, dir.resolve("ttyScanner").toString(), null, null, null, null, null, null);
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>();
        devices.put("scale-1", new ScaleConfig("mt-sics", scaleLink, 1000, 0, 5.0));
        ScannerConfig scannerCfg = new ScannerConfig(scannerLink, null, "\r\n", "NOREAD", 64, "keyence", null);
        devices.put("scanner-1", scannerCfg);
        sim = DeviceSim.start(new ConveyordConfig("test", "edge-1", null, null, FREE_PORT_GPIO, devices, null), "tcp://127.0.0.1:1");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("ttyScale")) && Files.exists(dir.resolve("ttyScanner")));

        DeviceContext ctx = new DeviceContext(sink, sink, scheduler, Clock.systemUTC());
        scale = new MtSicsScale("scale-1", (ScaleConfig) devices.get("scale-1"), ByteLinks.create(scaleLink, group), ctx);
        scale.start();
        await().atMost(Duration.ofSeconds(3)).until(() -> scale.status().isOnline());
        Weight w = scale.readWeight(false).toCompletableFuture().get();
        assertThat(w.grams()).isEqualTo(0, within(0.5));

        scanner = new LineScanner("scanner-1", scannerCfg, ByteLinks.create(scannerLink, group), ctx);
        scanner.start();
        await().atMost(Duration.ofSeconds(3)).until(() -> scanner.status().isOnline());
        // Keyence LON over the pty; the simulator answers a no-read (nothing in front of it)
        var r = scanner.handle(new Command("t-1", "scanner-1", "trigger", new ObjectMapper().createObjectNode(),
                Optional.empty(), Optional.empty(), 5000)).toCompletableFuture().get();
        assertThat(r.ok()).isTrue();
        await().atMost(Duration.ofSeconds(3)).until(() -> sink.ofType("noread").size() == 1);
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) return true;
        }
        return false;
    }
}
