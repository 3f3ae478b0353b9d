package org.conveyord.sim;

import org.conveyord.sim.endpoints.SimLabel;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.protocol.zpl.HostStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The simulator over its real transports: an in-process Moquette broker, the GPIO bridge on TCP with a
 * test-side client playing the daemon, and the device ports.
 */
class DeviceSimIT {

    static TestBroker broker;
    DeviceSim sim;
    TestMqttClient mqtt;
    ConveyordConfig cfg;
    String base;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = new TestBroker();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void startSim(@TempDir Path dir) throws Exception {
        cfg = loadItConfig(dir, broker.port());
        sim = DeviceSim.start(cfg, broker.url());
        base = sim.mqttBase();
        mqtt = new TestMqttClient(broker.url(), "it-" + System.nanoTime());
        await().atMost(Duration.ofSeconds(10)).until(sim::mqttConnected);
    }

    @AfterEach
    void stop() throws Exception {
        mqtt.close();
        sim.close();
    }

    static ConveyordConfig loadItConfig(Path dir, int mqttPort) throws IOException {
        String yaml;
        try (InputStream in = DeviceSimIT.class.getResourceAsStream("/sim-it.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        yaml = yaml.replace("@MQTT@", Integer.toString(mqttPort));
        for (String key : List.of("@GPIO@", "@SCALE@", "@PRINTER@", "@SCANNER@")) {
            yaml = yaml.replace(key, Integer.toString(TestBroker.freePort()));
        }
        Path file = dir.resolve("sim-it.yaml");
        Files.writeString(file, yaml);
        ConfigLoader.Result r = ConfigLoader.load(file);
        assertThat(r.problems().stream().filter(p -> p.isError()).toList()).isEmpty();
        return r.config();
    }

    @Test
    void gpioBridgeGreetsWithHelloAndEveryInputLevel() throws IOException {
        try (LineClient daemon = new LineClient(sim.gpioPort())) {
            // the daemon restores its output levels right after HELLO, before it has read anything
            daemon.send("HELLO conveyord 1\nOUT 110 1\n");
            await().atMost(Duration.ofSeconds(2)).until(() -> sim.output(110));
            // 3 zone eyes, entry eye, 2 lane eyes, 1 full eye, e-stop, 3 buttons
            await().atMost(Duration.ofSeconds(5)).until(() -> daemon.lines.size() >= 12);
            assertThat(daemon.lines.get(0)).isEqualTo("HELLO device-sim 1");
            assertThat(daemon.lines.subList(1, 12)).allMatch(l -> l.matches("IN \\d+ [01] \\d+"));
            assertThat(daemon.lines).anyMatch(l -> l.startsWith("IN 4 1 "));   // NC e-stop released = high
            assertThat(daemon.lines).anyMatch(l -> l.startsWith("IN 101 0 ")); // eye clear

            sim.setEstop(true);
            await().atMost(Duration.ofSeconds(2)).until(() -> daemon.lines.stream().anyMatch(l -> l.startsWith("IN 4 0 ")));

            daemon.send("OUT 17 1\n");
            await().atMost(Duration.ofSeconds(2)).until(() -> sim.output(17));
        }
        // the daemon went away: the output keeps its level, as a GPIO line does
        assertThat(sim.output(17)).isTrue();
    }

    @Test
    void bagCommandMakesTheStationScannerReadTheBagWhenItPasses() throws Exception {
        try (LineClient daemon = new LineClient(sim.gpioPort()); LineClient scanner = new LineClient(sim.port("scanner-1"))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> daemon.lines.size() >= 12);
            mqtt.publish(base + "/cmd/bag", "this is not json");
            mqtt.publish(base + "/cmd/bag", "{\"bag\":\"B-1\"}"); // no station: ignored with a warning
            mqtt.publish(base + "/cmd/bag", "{\"bag\":\"B-1\",\"station\":\"pick-1\",\"grams\":1200,\"lengthM\":0.35}");
            await().atMost(Duration.ofSeconds(5)).until(() -> "p1".equals(sim.report().at("B-1")));
            assertThat(scanner.lines).isEmpty(); // the bag has not moved yet

            daemon.send("OUT 100 1\n"); // motor of zone p1
            await().atMost(Duration.ofSeconds(5)).until(() -> scanner.lines.contains("B-1"));
            assertThat(scanner.raw()).isEqualTo("B-1\r\n");
            // ... and on to the zone's eye, which the daemon sees go active
            await().atMost(Duration.ofSeconds(5)).until(() -> daemon.lines.stream().anyMatch(l -> l.startsWith("IN 101 1 ")));
        }
    }

    @Test
    void reportIsPublishedRetainedAndOnChange() throws Exception {
        sim.hangBag("B-7", "pick-2", 800, 0.3, false);
        // a client that subscribes later still gets the current report: it is retained
        await().atMost(Duration.ofSeconds(5)).until(() -> "p2".equals(sim.report().at("B-7")));
        try (TestMqttClient late = new TestMqttClient(broker.url(), "late-" + System.nanoTime())) {
            late.subscribe(base + "/report");
            await().atMost(Duration.ofSeconds(5)).until(() -> late.on(base + "/report").stream()
                    .anyMatch(r -> r.contains("\"B-7\":{\"at\":\"p2\"")));
            sim.setJam("p2", true);
            await().atMost(Duration.ofSeconds(5)).until(() -> late.on(base + "/report").stream()
                    .anyMatch(r -> r.contains("\"jammed\":[\"p2\"]")));
        }
    }

    @Test
    void scaleAnswersSiInGramsWithOneDecimal() throws Exception {
        sim.hangBag("B-1", "pick-1", 1200, 0.35, false); // p1 is scale-1's weigh zone
        try (LineClient scale = new LineClient(sim.port("scale-1"))) {
            scale.send("SI\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> scale.lines.size() == 1);
            assertThat(scale.raw()).isEqualTo("S S     1200.0 g\r\n");
            scale.send("T\r\nSI\r\nTAC\r\nXYZ\r\nI4\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> scale.lines.size() == 6);
            assertThat(scale.lines.subList(1, 6)).containsExactly(
                    "T S     1200.0 g", "S S        0.0 g", "TAC A", "ES", "I4 A \"" + "SIM" + Math.abs("scale-1".hashCode() % 10_000_000) + "\"");
        }
        mqtt.publish(base + "/cmd/scale", "{\"scale\":\"scale-1\",\"noise\":5}");
        try (LineClient scale = new LineClient(sim.port("scale-1"))) {
            // noise makes readings dynamic: SI answers D at once, S gives up with I after the stability wait
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                scale.lines.clear();
                scale.send("SI\r\n");
                await().atMost(Duration.ofSeconds(2)).until(() -> !scale.lines.isEmpty());
                assertThat(scale.lines.get(0)).startsWith("S D ");
            });
            scale.lines.clear();
            scale.send("S\r\n");
            await().atMost(Duration.ofSeconds(3)).until(() -> !scale.lines.isEmpty());
            assertThat(scale.lines).containsExactly("S I");
        }
    }

    @Test
    void offlineScaleRefusesConnectionsUntilBackOnline() throws Exception {
        mqtt.publish(base + "/cmd/scale", "{\"scale\":\"scale-1\",\"offline\":true}");
        int port = sim.port("scale-1");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class));
        mqtt.publish(base + "/cmd/scale", "{\"scale\":\"scale-1\",\"offline\":false}");
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            new Socket("127.0.0.1", port).close();
            return true;
        });
    }

    @Test
    void printerAnswersHostStatusAndPublishesEveryPrintedLabel() throws Exception {
        mqtt.subscribe(base + "/label");
        try (Socket s = new Socket("127.0.0.1", sim.port("printer-1"))) {
            List<HostStatus> statuses = new CopyOnWriteArrayList<>();
            HostStatus.Framer framer = new HostStatus.Framer(statuses::add);
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[1024];
                try (InputStream in = s.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) framer.feed(buf, 0, n);
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            var out = s.getOutputStream();
            mqtt.publish(base + "/cmd/printer", "{\"printer\":\"printer-1\",\"fault\":\"paused\"}");
            await().atMost(Duration.ofSeconds(5)).until(() -> "paused".equals(printerFault()));
            out.write(("^XA^FO20,20^A0N,40,40^FDO-1^FS^FO20,80^BCN,80,Y,N,N^FDB-1^FS"
                    + "^FO20,200^BQN,2,5^FDQA,order=O-1;bag=B-1;lane=lane-1^FS^XZ~HS").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> statuses.size() == 1);
            assertThat(statuses.get(0).paused()).isTrue();
            assertThat(statuses.get(0).formatsInBuffer()).isEqualTo(1);

            mqtt.publish(base + "/cmd/printer", "{\"printer\":\"printer-1\",\"fault\":null}");
            await().atMost(Duration.ofSeconds(5)).until(() -> sim.labels().size() == 1);
            out.write("~HS".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> statuses.size() == 2);
            assertThat(statuses.get(1).idle()).isTrue();
        }
        SimLabel l = sim.labels().get(0);
        assertThat(l.texts()).contains("O-1");
        assertThat(l.code128()).containsExactly("B-1");
        assertThat(l.qrFields()).containsEntry("bag", "B-1").containsEntry("lane", "lane-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> !mqtt.on(base + "/label").isEmpty());
        String published = mqtt.on(base + "/label").get(0);
        assertThat(published).contains("\"printer\":\"printer-1\"", "\"code128\":[\"B-1\"]", "\"bag\":\"B-1\"", "^XA");
        assertThat(sim.report().labels()).isEqualTo(1);
    }

    @Test
    void printerPowerCycleLosesItsBufferDropsClientsAndComesBackAfterASecond() throws Exception {
        int port = sim.port("printer-1");
        sim.printerFault("printer-1", "paper-out"); // labels wait in the buffer
        try (LineClient printer = new LineClient(port)) {
            printer.send("^XA^FDlost^FS^XZ");
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                HostStatus st = hostStatus(port);
                return st != null && st.paperOut() && st.formatsInBuffer() == 1;
            });
            sim.printerFault("printer-1", "power-cycle");
            await().atMost(Duration.ofSeconds(2)).until(() -> printer.closedByPeer);
        }
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            new Socket("127.0.0.1", port).close();
            return true;
        });
        // back with an empty buffer and no fault: the label sent before the power cycle never prints
        HostStatus after = hostStatus(port);
        assertThat(after.faults()).isEmpty();
        assertThat(after.formatsInBuffer()).isZero();
        assertThat(sim.labels()).isEmpty();
    }

    /** The printer's answer to ~HS on a new connection; null when it does not answer. */
    private HostStatus hostStatus(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("~HS".getBytes(StandardCharsets.US_ASCII));
            List<HostStatus> st = new CopyOnWriteArrayList<>();
            HostStatus.Framer f = new HostStatus.Framer(st::add);
            byte[] buf = new byte[512];
            s.setSoTimeout(2000);
            while (st.isEmpty()) {
                int n = s.getInputStream().read(buf);
                if (n < 0) return null;
                f.feed(buf, 0, n);
            }
            return st.get(0);
        } catch (IOException e) {
            return null;
        }
    }

    /** Asks the printer for its status over ~HS on a second connection, as the daemon polls it. */
    private String printerFault() {
        try (Socket s = new Socket("127.0.0.1", sim.port("printer-1"))) {
            s.getOutputStream().write("~HS".getBytes(StandardCharsets.US_ASCII));
            List<HostStatus> st = new CopyOnWriteArrayList<>();
            HostStatus.Framer f = new HostStatus.Framer(st::add);
            byte[] buf = new byte[512];
            s.setSoTimeout(2000);
            while (st.isEmpty()) {
                int n = s.getInputStream().read(buf);
                if (n < 0) return null;
                f.feed(buf, 0, n);
            }
            return st.get(0).paused() ? "paused" : null;
        } catch (IOException e) {
            return null;
        }
    }
}
