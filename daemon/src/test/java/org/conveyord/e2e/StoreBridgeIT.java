package org.conveyord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.Daemon;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.mqtt.MosquittoBroker;
import org.conveyord.mqtt.TestCertificates;
import org.conveyord.mqtt.TestMqttClient;
import org.conveyord.node.BuildInfo;
import org.conveyord.sim.DeviceSim;
import org.conveyord.sim.scenarios.Scenario;
import org.conveyord.sim.scenarios.ScenarioRunner;
import org.conveyord.sim.scenarios.Scorecard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The store's own broker (config/mosquitto/bridge.conf as shipped, with this test's addresses): a
 * store Mosquitto that the daemon and device-sim use, bridged over TLS to a region Mosquitto through
 * a TCP link the test cuts. During the cut the line sorts the smoke scenario, local commands get
 * their replies and nothing reaches the region; after it every event reaches the region in seq order
 * without a gap, a region command given during the cut is answered, and region commands work again.
 * The cut lasts {@code -Dbridge.outageS} seconds (default 10; the 60 s:
 * {@code mvn -B -o -pl daemon -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=StoreBridgeIT -Dfailsafe.failIfNoSpecifiedTests=false -Dbridge.outageS=60}), at least
 * as long as the scenario takes. Skipped without /usr/sbin/mosquitto or openssl.
 */
class StoreBridgeIT {

    private static final int OUTAGE_S = Integer.getInteger("bridge.outageS", 10);
    /** Back online: the bridge retries with a jittered back-off capped at 30 s (restart_timeout 2 30). */
    private static final Duration RECOVERY = Duration.ofSeconds(60);
    private static final Path REPO = Path.of(System.getProperty("conveyord.repo", ".."));

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void down() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        for (String b : List.of("store", "region")) {
            Path log = dir.resolve(b).resolve("mosquitto.log");
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                System.out.println("---- " + b + " mosquitto.log (last 40 lines)");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
            }
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    @Test
    void theLineSortsThroughAWanOutageAndTheRegionGetsEveryEventAfterwards() throws Exception {
        MosquittoBroker.assumeInstalled();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        TestCertificates certs = new TestCertificates(dir);
        certs.ca("ca");
        certs.signed("region", "ca", "subjectAltName=IP:127.0.0.1");

        // the region: a plain listener for the region's systems, TLS for the stores' bridges
        int regionTls = MosquittoBroker.freePort();
        MosquittoBroker region = keep(new MosquittoBroker(dir.resolve("region"), "listener ${port} 127.0.0.1\n"
                + "listener " + regionTls + " 127.0.0.1\n"
                + "cafile " + dir.resolve("ca.pem") + "\n"
                + "certfile " + dir.resolve("region.pem") + "\n"
                + "keyfile " + dir.resolve("region.key") + "\n"
                + "tls_version tlsv1.2\n"
                + "allow_anonymous true\n")).start();
        CuttableLink wan = keep(new CuttableLink(regionTls));

        String site = "it-" + UUID.randomUUID().toString().substring(0, 8);
        MosquittoBroker store = keep(new MosquittoBroker(dir.resolve("store"), "listener ${port} 127.0.0.1\n"
                + "allow_anonymous true\n" + queueLimits() + bridgeConf(site, wan.port()))).start();

        var loaded = ConfigLoader.load(REPO.resolve("config/demo.yaml"));
        assertThat(loaded.ok()).as(loaded.problems().toString()).isTrue();
        ConveyordConfig cfg = LineHarness.onFreePorts(loaded.config(), site).withMqttUrl(store.url())
                .withStateDir(Files.createDirectories(dir.resolve("state")).toString());
        String base = cfg.mqttBase();
        TestMqttClient inStore = keep(new TestMqttClient(store.url(), base));
        TestMqttClient inRegion = keep(new TestMqttClient(region.url(), base));
        // the bridge is up once something published in the store shows up in the region
        await().atMost(RECOVERY).pollInterval(Duration.ofMillis(500)).until(() -> {
            inStore.send("reply/probe/up", "{\"id\":\"probe\"}");
            return !inRegion.on("reply/probe/up").isEmpty();
        });

        DeviceSim sim = keep(DeviceSim.start(cfg, store.url()));
        keep(Daemon.start(cfg, loaded.sha256(), BuildInfo.load()));
        inRegion.awaitMessage("status", m -> m.json().path("state").asText().matches("online|degraded"));
        assertThat(command(inRegion, "node", "ping", "r-before").path("ok").asBoolean()).isTrue();

        // ---- the WAN link goes down
        wan.cut();
        long cutAt = System.nanoTime();
        long regionSawBefore = fromTheStore(inRegion);
        int eventsBefore = eventSeqs(inStore).size();
        int storeSawBefore = inStore.messages.size();
        inRegion.send("cmd/node/ping", "{\"id\":\"r-during\"}"); // waits in the region for the bridge

        Scorecard card = ScenarioRunner.run(Scenario.load(REPO.resolve("device-sim/scenarios/smoke.yaml")), sim, store.url(),
                System.out);
        assertThat(card.mismatches()).isEmpty();
        assertThat(card.delivered()).isEqualTo(4);
        assertThat(card.lost()).isZero();
        assertThat(card.collisions()).isZero();
        int[] pings = {0};
        await().atMost(Duration.ofSeconds(OUTAGE_S + 30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            String id = "s-" + (++pings[0]);
            assertThat(command(inStore, "node", "ping", id).path("ok").asBoolean()).as("local ping %s", id).isTrue();
            return System.nanoTime() - cutAt >= TimeUnit.SECONDS.toNanos(OUTAGE_S);
        });
        double cutS = (System.nanoTime() - cutAt) / 1e9;
        List<Long> duringCut = eventSeqs(inStore);
        long queued = inStore.messages.subList(storeSawBefore, inStore.messages.size()).stream()
                .filter(m -> !m.topic().contains("/cmd/") && !m.topic().endsWith("/telemetry")).count();
        assertThat(fromTheStore(inRegion)).as("messages that reached the region from the store during the cut")
                .isEqualTo(regionSawBefore);
        assertThat(inRegion.on("reply/node/ping")).noneMatch(m -> m.payload().contains("r-during"));

        // ---- the link is back
        wan.restore();
        long backAt = System.nanoTime();
        JsonNode during = await().atMost(RECOVERY).until(() -> inRegion.on("reply/node/ping").stream()
                .map(TestMqttClient.Msg::json).filter(j -> j.path("id").asText().equals("r-during")).findFirst().orElse(null),
                j -> j != null);
        await().atMost(RECOVERY).untilAsserted(() -> assertThat(eventSeqs(inRegion)).containsAll(duringCut));
        double caughtUpS = (System.nanoTime() - backAt) / 1e9;
        assertThat(during.path("ok").asBoolean()).isTrue();
        assertThat(command(inRegion, "node", "ping", "r-after").path("ok").asBoolean()).isTrue();

        List<Long> local = eventSeqs(inStore);
        await().atMost(RECOVERY).untilAsserted(() -> assertThat(eventSeqs(inRegion)).containsAll(local));
        List<Long> inOrder = eventSeqs(inRegion);
        assertThat(local).as("the daemon's events: no gap").containsExactlyElementsOf(
                LongStream.rangeClosed(local.getFirst(), local.getLast()).boxed().toList());
        // The daemon's order is checked above, where it publishes. Across the bridge the contract promises
        // every event (no gap in seq), not arrival order: Mosquitto 2.0.11 swapped two adjacent events
        // after a reconnect in about 1 of 25 runs (CI at 1cfe974: 27 before 26), and a region consumer
        // orders by seq. How often it happens is printed, so a change shows in the logs.
        assertThat(inOrder).as("every event of the store reached the region").containsAll(local);
        int outOfOrder = 0;
        for (int i = 1; i < local.size(); i++) if (inOrder.get(i) < inOrder.get(i - 1)) outOfOrder++;
        System.out.printf("StoreBridgeIT: link cut %.1f s; %d events during the cut (%.1f QoS 1 messages/s from the store);"
                        + " %d local pings answered; region caught up %.1f s after the link came back;"
                        + " %d of %d events reached the region after a higher seq%n", cutS,
                duringCut.size() - eventsBefore, queued / cutS, pings[0], caughtUpS, outOfOrder, local.size());
    }

    private static JsonNode command(TestMqttClient c, String device, String action, String id) throws Exception {
        c.send("cmd/" + device + "/" + action, "{\"id\":\"" + id + "\",\"by\":\"store-bridge-it\"}");
        return c.awaitReply("reply/" + device + "/" + action, id);
    }

    /** Messages the store sent (the region client also hears its own commands). */
    private static long fromTheStore(TestMqttClient c) {
        return c.messages.stream().filter(m -> !m.topic().contains("/cmd/")).count();
    }

    /** Event seqs in order of first arrival. */
    private static List<Long> eventSeqs(TestMqttClient c) {
        Set<Long> seqs = new LinkedHashSet<>();
        for (TestMqttClient.Msg m : c.messages) {
            if (m.topic().contains("/event/")) seqs.add(m.json().path("seq").asLong());
        }
        return List.copyOf(seqs);
    }

    /** The queue limits of the shipped mosquitto.conf (the test broker's own defaults are unlimited). */
    private static String queueLimits() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : Files.readAllLines(REPO.resolve("config/mosquitto/mosquitto.conf"))) {
            if (l.startsWith("max_queued_") || l.startsWith("queue_qos0_messages")) sb.append(l).append('\n');
        }
        assertThat(sb.toString()).contains("max_queued_messages");
        return sb.toString();
    }

    /** The shipped bridge.conf, pointed at this test's region (through the cuttable link) and site. */
    private String bridgeConf(String site, int port) throws IOException {
        String conf = Files.readString(REPO.resolve("config/mosquitto/bridge.conf"));
        conf = replaceLine(conf, "address", "127.0.0.1:" + port);
        conf = replaceLine(conf, "bridge_cafile", dir.resolve("ca.pem").toString());
        assertThat(conf).contains("sz-0421").doesNotContain("\nlistener ");
        return conf.replace("sz-0421", site);
    }

    private static String replaceLine(String conf, String key, String value) {
        Matcher m = Pattern.compile("(?m)^" + key + " .*$").matcher(conf);
        assertThat(m.find()).as("bridge.conf has a %s line", key).isTrue();
        return m.replaceFirst(Matcher.quoteReplacement(key + " " + value));
    }

    /**
     * A TCP link the test can cut: forwards loopback connections to {@code target}; {@link #cut()}
     * closes every open connection and stops listening (new connections are refused) until
     * {@link #restore()} listens on the same port again.
     */
    static final class CuttableLink implements AutoCloseable {
        private final int target;
        private final int port;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private volatile ServerSocket server;

        CuttableLink(int target) throws IOException {
            this.target = target;
            this.server = listen(0);
            this.port = server.getLocalPort();
        }

        int port() { return port; }

        void cut() throws IOException {
            server.close();
            sockets.forEach(StoreBridgeIT.CuttableLink::closeQuietly);
            sockets.clear();
        }

        void restore() throws IOException {
            server = listen(port);
        }

        private ServerSocket listen(int at) throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), at));
            Thread.ofPlatform().daemon().name("wan-accept").start(() -> accept(s));
            return s;
        }

        private void accept(ServerSocket s) {
            while (!s.isClosed()) {
                try {
                    Socket in = s.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.add(in);
                    sockets.add(out);
                    Thread.ofPlatform().daemon().name("wan-up").start(() -> pump(in, out));
                    Thread.ofPlatform().daemon().name("wan-down").start(() -> pump(out, in));
                } catch (IOException e) {
                    // cut, or the region refused: the bridge retries
                }
            }
        }

        private void pump(Socket from, Socket to) {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // cut, or one side left
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }

        @Override
        public void close() throws IOException {
            cut();
        }
    }
}
