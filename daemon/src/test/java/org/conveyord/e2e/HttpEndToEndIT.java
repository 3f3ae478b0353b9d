package org.conveyord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.conveyord.http.HttpServer;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The daemon's HTTP server against device-sim and a real broker: /metrics, /health, commands, WebSocket clients. */
class HttpEndToEndIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    /** {@code name{labels} value} or {@code name value}, as the Prometheus text format writes a sample. */
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");

    private LineHarness h;
    private HttpClient client;
    private String root;
    private AuditLog audit;

    @BeforeEach
    void up() throws Exception {
        audit = new AuditLog();
        h = new LineHarness();
        var at = h.daemon.httpAddress().orElseThrow();
        root = "http://127.0.0.1:" + at.getPort();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        h.operator.awaitMessage("status", m -> m.json().path("state").asText().matches("online|degraded"));
    }

    @AfterEach
    void down() throws Exception {
        audit.close();
        client.close();
        h.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(root + path)).timeout(PATIENCE).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(root + path)).timeout(PATIENCE)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    /** Every sample of the scrape, keyed {@code name{labels}}; fails on a line that is neither comment nor sample. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return TestMqttClient.MAPPER.readTree(r.body());
    }

    @Test
    void healthAndMetricsDescribeTheRunningLine() throws Exception {
        await().atMost(PATIENCE).until(() -> get("/health/ready").statusCode() == 200);
        assertThat(json(get("/health/live")).path("status").asText()).isEqualTo("live");

        h.sim.setEstop(true);
        h.operator.awaitMessage("event/line-1/estop", m -> m.json().path("active").asBoolean());
        await().atMost(PATIENCE).until(() -> parse(get("/metrics").body())
                .getOrDefault("conveyord_estops_total{line=\"line-1\"}", 0.0) == 1.0);

        HttpResponse<String> scrape = get("/metrics");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        Map<String, Double> samples = parse(scrape.body());
        assertThat(samples).containsKeys("conveyord_events_sent_total", "conveyord_events_dropped_total",
                "conveyord_outbox_bytes", "conveyord_device_status{device=\"line-1\",status=\"online\"}",
                "jvm_threads_current");
        assertThat(samples.get("conveyord_events_sent_total")).isPositive();
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("conveyord_control_loop_lag_seconds_count{line=\"line-1\"}"));
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"));
    }

    @Test
    void theLayoutAndTheLineStateGiveThePageWhatItDraws() throws Exception {
        HttpResponse<String> r = get("/api/layout");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode line = json(r).path("line-1");
        var cfg = h.cfg.devicesOfKind(org.conveyord.config.LineConfig.class).get("line-1");
        assertThat(line.path("zones")).hasSize(cfg.zonesOrEmpty().size());
        assertThat(line.path("zones").findValuesAsText("next")).containsExactlyElementsOf(
                cfg.zonesOrEmpty().stream().map(org.conveyord.config.LineConfig.Zone::next).toList());
        assertThat(line.path("stations").findValuesAsText("zone")).containsExactly("p1", "p2");
        assertThat(line.path("sorter").path("diverters")).hasSize(cfg.sorter().divertersOrEmpty().size());
        assertThat(line.path("sorter").path("runOutLane").asText()).isEqualTo("exception");
        assertThat(line.path("lanes").findValuesAsText("id")).containsExactlyElementsOf(
                cfg.lanesOrEmpty().stream().map(org.conveyord.config.LineConfig.Lane::id).toList());

        JsonNode state = json(get("/api/state")).path("line-1").path("state");
        // the demo line has a reset button and remoteEstopReset: false
        assertThat(state.path("resetAfterEstop").asText()).isEqualTo("button");
        assertThat(state.path("sorter").path("bags").isArray()).isTrue();
        JsonNode shift = state.path("shift");
        for (String k : List.of("bagsPerHour", "ordersCompleted", "orderTimeP50S", "orderTimeP95S", "exceptionsByReason",
                "jamsByZone", "runningS", "stoppedS")) {
            assertThat(shift.has(k)).as("shift.%s in %s", k, shift).isTrue();
        }
        assertThat(shift.path("ordersCompleted").asInt()).isZero();
    }

    @Test
    void aCommandOverHttpRunsAsTheAuthenticatedUser() throws Exception {
        // the body claims another sender: the authenticated name wins
        HttpResponse<String> r = post("/api/cmd/line-1/start", "{\"id\":\"http-s-1\",\"by\":\"someone-else\"}",
                basic(LineHarness.HTTP_USER, LineHarness.HTTP_SECRET));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("ok").asBoolean()).isTrue();
        h.operator.awaitMessage("event/line-1/started", m -> "http-s-1".equals(m.json().path("cmdId").asText()));
        assertThat(audit.lines()).anyMatch(line -> line.contains("action=start id=http-s-1 by="
                + LineHarness.HTTP_USER + " result=OK"));

        // the same id again is a repeat, answered from the reply cache, not run twice
        HttpResponse<String> again = post("/api/cmd/line-1/start", "{\"id\":\"http-s-1\"}",
                "Bearer " + LineHarness.HTTP_SECRET);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(audit.lines()).anyMatch(line -> line.contains("id=http-s-1 by=" + LineHarness.HTTP_USER
                + " result=REPEAT"));

        Map<String, Double> samples = parse(get("/metrics").body());
        assertThat(samples).containsEntry("conveyord_commands_total{action=\"start\",result=\"OK\"}", 1.0);
    }

    @Test
    void badRequestsGetAClearJsonError() throws Exception {
        String auth = basic(LineHarness.HTTP_USER, LineHarness.HTTP_SECRET);
        HttpResponse<String> noAuth = post("/api/cmd/line-1/start", "{\"id\":\"x-1\"}", null);
        assertThat(noAuth.statusCode()).isEqualTo(401);
        assertThat(json(noAuth).path("error").path("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(noAuth.headers().firstValue("WWW-Authenticate")).isPresent();

        HttpResponse<String> wrong = post("/api/cmd/line-1/start", "{\"id\":\"x-2\"}", basic(LineHarness.HTTP_USER, "nope-nope-nope"));
        assertThat(wrong.statusCode()).isEqualTo(401);

        HttpResponse<String> notJson = post("/api/cmd/line-1/start", "start the line, please", auth);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("error").path("message").asText()).contains("not JSON");

        HttpResponse<String> noId = post("/api/cmd/line-1/start", "{}", auth);
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(json(noId).path("error").path("code").asText()).isEqualTo("BAD_REQUEST");

        // announced by Content-Length, refused before the body is read
        HttpResponse<String> huge = post("/api/cmd/line-1/start", "{\"id\":\"x-4\",\"pad\":\"" + "x".repeat(70_000) + "\"}", auth);
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(json(huge).path("error").path("message").asText()).contains("over");

        HttpResponse<String> unknown = post("/api/cmd/no-such-line/start", "{\"id\":\"x-3\"}", auth);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("error").path("code").asText()).isEqualTo("UNKNOWN_DEVICE");

        HttpResponse<String> nothing = get("/../../etc/passwd");
        assertThat(nothing.statusCode()).isEqualTo(404);
        assertThat(json(nothing).path("ok").asBoolean(true)).isFalse();

        HttpResponse<String> getCmd = get("/api/cmd/line-1/start");
        assertThat(getCmd.statusCode()).isEqualTo(405);
        assertThat(getCmd.body()).doesNotContain("Exception").doesNotContain("at org.");
    }

    @Test
    void aClientThatAsksWithoutReadingHoldsOneBufferStallsNobodyAndIsClosed() throws Exception {
        HttpServer server = h.daemon.httpServer().orElseThrow();
        int oneScrape = get("/metrics").body().length();
        int before = server.connections();   // the test's own keep-alive connection included
        // far more answers than the kernel's socket buffers hold (a few MB): without a bound the server would keep them all
        int requests = (int) Math.max(2000, 64L * 1024 * 1024 / oneScrape);
        byte[] asks = "GET /metrics HTTP/1.1\r\nHost: conveyord\r\n\r\n".repeat(requests).getBytes(StandardCharsets.US_ASCII);
        try (java.net.Socket slow = new java.net.Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new java.net.InetSocketAddress("127.0.0.1", server.address().getPort()));
            // the writes block once the server stops reading: off the test thread, ended by the close below
            CompletableFuture<Void> asking = CompletableFuture.runAsync(() -> {
                try {
                    slow.getOutputStream().write(asks);
                } catch (java.io.IOException closed) {
                    // the server closed it, or the test did: either way the asking is over
                }
            });
            long bound = 256 * 1024 + 2L * oneScrape;
            java.util.concurrent.atomic.AtomicLong most = new java.util.concurrent.atomic.AtomicLong();
            // the server closes it: it asked again while the answers it had waited unread
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
                most.accumulateAndGet(server.pendingOutboundBytes(), Math::max);
                return server.connections() <= before;
            });
            assertThat(most.get()).as("bytes held for the slow client").isLessThanOrEqualTo(bound);
            // and nobody else waited on it meanwhile
            long t0 = System.nanoTime();
            assertThat(get("/health/live").statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            slow.close();
            asking.get(10, TimeUnit.SECONDS);
        }
        assertThat(server.pendingOutboundBytes()).isZero();
    }

    @Test
    void fiftyWebSocketClientsComeAndGoLeavingNothingBehind() throws Exception {
        HttpServer server = h.daemon.httpServer().orElseThrow();
        get("/health/live");
        int before = server.connections();
        HttpClient wsClient = HttpClient.newHttpClient();
        List<WebSocket> sockets = new ArrayList<>();
        List<CompletableFuture<String>> firstFrames = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            CompletableFuture<String> first = new CompletableFuture<>();
            firstFrames.add(first);
            sockets.add(wsClient.newWebSocketBuilder().buildAsync(URI.create("ws" + root.substring(4) + "/ws"),
                    new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                first.complete(text.toString());
                                text.setLength(0);
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS));
        }
        for (CompletableFuture<String> f : firstFrames) {
            JsonNode frame = TestMqttClient.MAPPER.readTree(f.get(10, TimeUnit.SECONDS));
            assertThat(frame.path("type").asText()).isIn("state", "event");
        }
        assertThat(server.webSocketClients()).isEqualTo(50);

        // half say goodbye, half just vanish
        for (int i = 0; i < sockets.size(); i++) {
            if (i % 2 == 0) sockets.get(i).sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            else sockets.get(i).abort();
        }
        wsClient.close();
        await().atMost(PATIENCE).until(() -> server.webSocketClients() == 0 && server.connections() <= before);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
    }
}
