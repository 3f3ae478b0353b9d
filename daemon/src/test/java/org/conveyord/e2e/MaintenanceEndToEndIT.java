package org.conveyord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.mqtt.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Maintenance mode through the daemon, device-sim and a real broker: a lost connection in the
 * middle of a jog stops it, whether the jog came from the line page (its WebSocket closes) or over
 * MQTT (the client's keep-alives stop).
 */
class MaintenanceEndToEndIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private LineHarness h;
    private HttpClient client;
    private String root;
    private ScheduledExecutorService keepAlives;
    private AuditLog audit;
    private final AtomicInteger ids = new AtomicInteger();

    @BeforeEach
    void up() throws Exception {
        audit = new AuditLog();
        h = new LineHarness();
        root = "http://127.0.0.1:" + h.daemon.httpAddress().orElseThrow().getPort();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        keepAlives = Executors.newSingleThreadScheduledExecutor();
        h.operator.awaitMessage("status", m -> m.json().path("state").asText().matches("online|degraded"));
    }

    @AfterEach
    void down() throws Exception {
        audit.close();
        keepAlives.shutdownNow();
        client.close();
        h.close();
    }

    private boolean motorOn(String zone) {
        LineConfig line = (LineConfig) h.cfg.devicesOrEmpty().get("line-1");
        PinConfig motor = line.zonesOrEmpty().stream().filter(z -> z.id().equals(zone)).findFirst().orElseThrow().motor();
        return h.sim.output(motor.pin()) == motor.activeLevel();
    }

    private HttpResponse<String> post(String action, String params) throws Exception {
        String body = "{\"id\":\"it-" + ids.incrementAndGet() + "\"" + (params.isEmpty() ? "" : "," + params) + "}";
        String auth = "Basic " + Base64.getEncoder().encodeToString((LineHarness.HTTP_USER + ":" + LineHarness.HTTP_SECRET)
                .getBytes(StandardCharsets.UTF_8));
        return client.send(HttpRequest.newBuilder(URI.create(root + "/api/cmd/line-1/" + action)).timeout(PATIENCE)
                .header("Content-Type", "application/json").header("Authorization", auth)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> releases(String reason) {
        return audit.lines().stream().filter(line -> line.contains("result=RELEASED") && line.contains(reason)).toList();
    }

    @Test
    void aPageThatGoesAwayInTheMiddleOfAJogStopsItAtOnce() throws Exception {
        CompletableFuture<String> session = new CompletableFuture<>();
        HttpClient wsClient = HttpClient.newHttpClient();
        WebSocket ws = wsClient.newWebSocketBuilder().buildAsync(URI.create("ws" + root.substring(4) + "/ws"),
                new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                JsonNode frame = TestMqttClient.MAPPER.readTree(text.toString());
                                if (frame.path("type").asText().equals("hello")) session.complete(frame.path("session").asText());
                            } catch (java.io.IOException e) {
                                session.completeExceptionally(e);
                            }
                            text.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        String s = session.get(10, TimeUnit.SECONDS);
        assertThat(s).startsWith("ws-");

        HttpResponse<String> outside = post("jog", "\"zone\":\"p1\",\"holdMs\":1000,\"session\":\"" + s + "\"");
        assertThat(outside.statusCode()).as(outside.body()).isEqualTo(409);
        assertThat(outside.body()).contains("INVALID_STATE").contains("outside maintenance mode");
        assertThat(post("maintenance", "\"on\":true").statusCode()).isEqualTo(200);

        // the page's keep-alives go on after its WebSocket is gone: only the closed connection can stop the jog
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        keepAlives.scheduleWithFixedDelay(() -> {
            try {
                statuses.add(post("jog", "\"zone\":\"p1\",\"holdMs\":1000,\"session\":\"" + s + "\"").statusCode());
            } catch (Exception e) {
                statuses.add(-1);
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        await().atMost(PATIENCE).until(() -> motorOn("p1"));
        assertThat(statuses).containsOnly(200);

        ws.abort();
        wsClient.close();
        await().atMost(PATIENCE).until(() -> !motorOn("p1"));
        await().atMost(PATIENCE).until(() -> statuses.getLast() == 409);
        assertThat(motorOn("p1")).as("the late keep-alives start nothing").isFalse();
        assertThat(releases("the page connection closed")).hasSize(1);
        assertThat(releases("no keep-alive")).as("not by the timeout").isEmpty();
        assertThat(h.sim.report().unexpectedMotion()).isZero();
    }

    @Test
    void anMqttClientThatDropsInTheMiddleOfAJogStopsItWithinHoldMs() throws Exception {
        TestMqttClient tech = new TestMqttClient(h.url, h.base);
        tech.send("cmd/line-1/maintenance", "{\"id\":\"m-on\",\"on\":true,\"by\":\"tech-tom\"}");
        assertThat(tech.awaitReply("reply/line-1/maintenance", "m-on").path("ok").asBoolean()).isTrue();
        keepAlives.scheduleWithFixedDelay(() -> {
            try {
                tech.send("cmd/line-1/jog", "{\"id\":\"j-" + ids.incrementAndGet() + "\",\"zone\":\"p2\",\"holdMs\":500,\"by\":\"tech-tom\"}");
            } catch (Exception e) {
                // the connection is gone: exactly what this test makes happen
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        await().atMost(PATIENCE).until(() -> motorOn("p2"));
        Object holds = h.daemon.devices().get("line-1").state().get("holds");
        assertThat(holds).asString().contains("p2").contains("tech-tom");

        tech.close();   // the connection drops: no more keep-alives
        long dropped = System.nanoTime();
        await().atMost(PATIENCE).until(() -> !motorOn("p2"));
        long offAfterMs = (System.nanoTime() - dropped) / 1_000_000;
        assertThat(releases("no keep-alive for 500 ms")).hasSize(1);
        assertThat(offAfterMs).as("off within holdMs of the last keep-alive (plus a loaded machine's slack)").isLessThan(3000);
        assertThat(h.daemon.devices().get("line-1").state()).containsEntry("maintenance", true);
        assertThat(h.sim.report().unexpectedMotion()).isZero();
    }
}
