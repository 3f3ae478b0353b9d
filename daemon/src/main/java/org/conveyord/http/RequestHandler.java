package org.conveyord.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import org.conveyord.device.Device;
import org.conveyord.device.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The routes: {@code GET /health/live}, {@code /health/ready}, {@code /metrics}, {@code /api/state},
 * {@code /api/layout}, {@code POST /api/cmd/<device>/<action>}, and the page's files from the classpath's {@code /web/}.
 * Every refusal is a 4xx with a JSON body {@code {"ok":false,"error":{"code","message"}}}, never a
 * stack trace. Runs on the server's I/O thread: nothing here blocks (a command's reply completes later).
 */
@ChannelHandler.Sharable
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
    /** A little more than the dispatcher's own 10 s device timeout, which answers TIMEOUT itself. */
    private static final long COMMAND_REPLY_S = 15;
    private static final Pattern ASSET = Pattern.compile("/[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\\.[a-z0-9]{1,5}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png", "ico", "image/x-icon", "json", "application/json");

    private static final AttributeKey<Boolean> ASKS_WITHOUT_READING = AttributeKey.valueOf("conveyord.http.asksWithoutReading");

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpBackend backend;

    RequestHandler(HttpBackend backend) { this.backend = backend; }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!ctx.channel().isWritable() || ctx.channel().hasAttr(ASKS_WITHOUT_READING)) {
            // a request while the answers to earlier ones wait unread: this client asks without
            // reading (one read can hold a thousand pipelined requests); answering would buffer them all.
            // The rest of what it sent in the same read is dropped as it is decoded.
            if (ctx.channel().attr(ASKS_WITHOUT_READING).setIfAbsent(Boolean.TRUE) == null) {
                log.info("HTTP client {} sends requests without reading the answers; closed", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        if (!req.decoderResult().isSuccess()) {
            Throwable cause = req.decoderResult().cause();
            boolean tooLong = cause instanceof TooLongFrameException;
            send(ctx, req, error(tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                    "BAD_REQUEST", tooLong ? "The request line or headers are too long." : "The request is not valid HTTP."), false);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        HttpMethod m = req.method();
        if (path.startsWith("/api/cmd/")) {
            if (!m.equals(HttpMethod.POST)) {
                send(ctx, req, methodNotAllowed("POST"), true);
                return;
            }
            command(ctx, req, path);
            return;
        }
        if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD)) {
            send(ctx, req, methodNotAllowed("GET"), true);
            return;
        }
        FullHttpResponse res = switch (path) {
            case "/health/live" -> health(true);
            case "/health/ready" -> health(false);
            case "/metrics" -> metrics();
            case "/api/state" -> state();
            case "/api/layout" -> layout();
            case "/" -> asset("/index.html");
            default -> asset(path);
        };
        send(ctx, req, res, true);
    }

    // ------------------------------------------------------------------ reads

    private FullHttpResponse health(boolean live) {
        Health h = backend.health().get();
        boolean ok = live ? h.live() : h.ready();
        ObjectNode n = mapper.createObjectNode();
        n.put("status", ok ? (live ? "live" : "ready") : (live ? "stalled" : "not-ready"));
        n.set("problems", mapper.valueToTree(h.problems()));
        return json(ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, n);
    }

    private FullHttpResponse metrics() {
        ByteBuf buf = Unpooled.buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            backend.metrics().write(out);
        } catch (IOException | RuntimeException e) {
            buf.release();
            log.error("/metrics could not be written: {}", e.toString());
            return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "The metrics could not be collected; it is logged.");
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, buf);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, backend.metrics().contentType());
        return res;
    }

    private FullHttpResponse state() {
        ObjectNode all = mapper.createObjectNode();
        for (Map.Entry<String, Device> e : backend.devices().get().entrySet()) {
            ObjectNode d = all.putObject(e.getKey());
            d.put("kind", e.getValue().kind());
            d.put("status", e.getValue().status().state().name().toLowerCase(java.util.Locale.ROOT));
            d.put("reason", e.getValue().status().reason());
            d.set("state", mapper.valueToTree(e.getValue().state()));
        }
        return json(HttpResponseStatus.OK, all);
    }

    private FullHttpResponse layout() {
        ObjectNode all = mapper.createObjectNode();
        backend.lines().get().forEach((id, cfg) -> all.set(id, mapper.valueToTree(LineLayout.of(cfg))));
        return json(HttpResponseStatus.OK, all);
    }

    private FullHttpResponse asset(String path) {
        if (!ASSET.matcher(path).matches()) return notFound(path);
        try (InputStream in = RequestHandler.class.getResourceAsStream("/web" + path)) {
            if (in == null) return notFound(path);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(in.readAllBytes()));
            String ext = path.substring(path.lastIndexOf('.') + 1);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, TYPES.getOrDefault(ext, "application/octet-stream"));
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            return res;
        } catch (IOException e) {
            return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "The file could not be read; it is logged.");
        }
    }

    // ------------------------------------------------------------------ commands

    private void command(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        String[] parts = path.substring("/api/cmd/".length()).split("/", -1);
        if (parts.length != 2 || !NAME.matcher(parts[0]).matches() || !NAME.matcher(parts[1]).matches()) {
            send(ctx, req, error(HttpResponseStatus.NOT_FOUND, "BAD_REQUEST",
                    "Commands go to /api/cmd/<device>/<action>, e.g. /api/cmd/line-1/start."), true);
            return;
        }
        if (!backend.credentials().configured()) {
            send(ctx, req, error(HttpResponseStatus.FORBIDDEN, "FORBIDDEN",
                    "Commands over HTTP need http.auth (a credentials file) in the daemon's config; none is set."), true);
            return;
        }
        Optional<String> who = backend.credentials().authenticate(req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (who.isEmpty()) {
            FullHttpResponse res = error(HttpResponseStatus.UNAUTHORIZED, "UNAUTHORIZED",
                    "A command needs 'Authorization: Bearer <secret>' or Basic credentials from http.auth.");
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"conveyord\", charset=\"UTF-8\"");
            send(ctx, req, res, true);
            return;
        }
        byte[] payload;
        try {
            JsonNode body = mapper.readTree(req.content().toString(StandardCharsets.UTF_8));
            if (!(body instanceof ObjectNode obj)) {
                send(ctx, req, error(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST",
                        "The body must be the command's JSON object, as on MQTT: {\"id\":\"...\", ...}."), true);
                return;
            }
            // the authenticated name, whatever the body claims: it is what the audit line records
            obj.put("by", who.get());
            payload = mapper.writeValueAsBytes(obj);
        } catch (IOException e) {
            send(ctx, req, error(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST",
                    "The body is not JSON; expected the command's JSON object, as on MQTT."), true);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = req.method().equals(HttpMethod.HEAD);
        backend.commands().submit(parts[0], parts[1], payload)
                .orTimeout(COMMAND_REPLY_S, TimeUnit.SECONDS)
                .whenComplete((reply, err) -> {
                    FullHttpResponse res = err != null
                            ? error(HttpResponseStatus.GATEWAY_TIMEOUT, "TIMEOUT", "The daemon did not answer within "
                            + COMMAND_REPLY_S + " s; send the command again with the same id to learn how it ended.")
                            : commandReply(reply);
                    if (ctx.channel().isActive()) write(ctx, res, keepAlive, head);
                });
    }

    private FullHttpResponse commandReply(byte[] reply) {
        HttpResponseStatus status = HttpResponseStatus.OK;
        try {
            JsonNode n = mapper.readTree(reply);
            if (!n.path("ok").asBoolean(false)) status = statusFor(n.path("error").path("code").asText(""));
        } catch (IOException e) {
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(reply));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return res;
    }

    static HttpResponseStatus statusFor(String code) {
        ErrorCode c;
        try {
            c = ErrorCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            return HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        return switch (c) {
            case BAD_REQUEST -> HttpResponseStatus.BAD_REQUEST;
            case UNKNOWN_DEVICE, UNKNOWN_ACTION -> HttpResponseStatus.NOT_FOUND;
            case FORBIDDEN -> HttpResponseStatus.FORBIDDEN;
            case INVALID_STATE, CONFLICT -> HttpResponseStatus.CONFLICT;
            case EXPIRED -> HttpResponseStatus.GONE;
            case BUSY -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case DEVICE_FAULT, DEVICE_OFFLINE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    // ------------------------------------------------------------------ responses

    private FullHttpResponse methodNotAllowed(String allowed) {
        FullHttpResponse res = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "BAD_REQUEST", "Use " + allowed + " here.");
        res.headers().set(HttpHeaderNames.ALLOW, allowed.equals("GET") ? "GET, HEAD" : allowed);
        return res;
    }

    private FullHttpResponse notFound(String path) {
        return error(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "Nothing at " + (path.length() > 100 ? path.substring(0, 100) + "..." : path)
                + "; try /, /api/state, /metrics, /health/ready or POST /api/cmd/<device>/<action>.");
    }

    private FullHttpResponse error(HttpResponseStatus status, String code, String message) {
        ObjectNode n = mapper.createObjectNode();
        n.put("ok", false);
        ObjectNode e = n.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return json(status, n);
    }

    private FullHttpResponse json(HttpResponseStatus status, JsonNode n) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(n);
        } catch (IOException e) {
            bytes = "{\"ok\":false}".getBytes(StandardCharsets.UTF_8);
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return res;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse res, boolean keepAliveAllowed) {
        write(ctx, res, keepAliveAllowed && HttpUtil.isKeepAlive(req), req.method().equals(HttpMethod.HEAD));
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive, boolean head) {
        HttpUtil.setContentLength(res, res.content().readableBytes());
        if (head) res.content().clear();
        res.headers().set("X-Content-Type-Options", "nosniff");
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res);
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset by the client, or a codec error: the connection is over, nothing else is affected
        log.debug("HTTP connection {} closed after: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
