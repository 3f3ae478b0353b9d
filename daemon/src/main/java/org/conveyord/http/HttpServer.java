package org.conveyord.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.conveyord.config.HttpConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's HTTP server on Netty's HTTP and WebSocket codecs: one I/O thread, requests up to
 * {@link #MAX_REQUEST_BYTES}, a connection that sends nothing for {@link #IDLE_S} closed (a slow
 * or vanished client holds nothing), and WebSocket clients pinged so a dead one is noticed. What
 * waits to be written to one client is bounded by the write-buffer watermarks (see {@link Lifecycle}
 * and {@link LiveFeed}).
 * Nothing here touches the line: reads are snapshots, commands go through the gateway's path.
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    static final int MAX_REQUEST_BYTES = 64 * 1024;
    static final int IDLE_S = 30;
    private static final int WS_PING_S = 10;

    private final EventLoopGroup group;
    private final Channel server;
    /** Every open client connection (a closed one leaves by itself): closed on shutdown, counted by tests. */
    private final ChannelGroup connections;
    private final LiveFeed feed;

    private HttpServer(EventLoopGroup group, Channel server, ChannelGroup connections, LiveFeed feed) {
        this.group = group;
        this.server = server;
        this.connections = connections;
        this.feed = feed;
    }

    /**
     * Binds {@code cfg}'s address.
     *
     * @throws IllegalStateException when the address cannot be bound (in use, not on this machine)
     */
    public static HttpServer start(HttpConfig cfg, HttpBackend backend, LiveFeed feed) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("http", true),
                NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("http-connections", GlobalEventExecutor.INSTANCE);
        RequestHandler handler = new RequestHandler(backend);
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder().websocketPath("/ws")
                .checkStartsWith(false).handleCloseFrames(true).dropPongFrames(true).build();
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(IDLE_S, 0, 0))
                                .addLast("codec", new HttpServerCodec(4096, 8192, 8192))
                                .addLast("aggregate", new JsonRefusingAggregator())
                                .addLast("ws", new WebSocketServerProtocolHandler(ws))
                                .addLast("lifecycle", new Lifecycle(feed))
                                .addLast("requests", handler);
                    }
                });
        InetSocketAddress at = new InetSocketAddress(cfg.host(), cfg.port());
        Channel server;
        try {
            server = b.bind(at).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("http.listen " + cfg.listenOrDefault() + " cannot be bound: " + e.getMessage(), e);
        }
        feed.flushOn(group.next());
        HttpServer s = new HttpServer(group, server, connections, feed);
        log.info("HTTP server on http://{}/ (commands {})", hostPort((InetSocketAddress) server.localAddress()),
                backend.credentials().configured() ? "need http.auth credentials" : "refused: no http.auth configured");
        return s;
    }

    static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    public InetSocketAddress address() { return (InetSocketAddress) server.localAddress(); }

    /** Open client connections (HTTP and WebSocket). */
    public int connections() { return connections.size(); }

    /** Connected WebSocket clients. */
    public int webSocketClients() { return feed.clients(); }

    /** Bytes written to client connections and not yet taken by their sockets: what slow readers cost. */
    public long pendingOutboundBytes() {
        long sum = 0;
        for (Channel ch : connections) {
            var out = ch.unsafe().outboundBuffer();
            if (out != null) sum += out.totalPendingWriteBytes();
        }
        return sum;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    /** Netty's aggregator, but a request over the limit gets a JSON 413 like every other refusal. */
    private static final class JsonRefusingAggregator extends HttpObjectAggregator {
        private static final long LINGER_MS = 2_000;

        JsonRefusingAggregator() { super(MAX_REQUEST_BYTES); }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            byte[] body = ("{\"ok\":false,\"error\":{\"code\":\"BAD_REQUEST\",\"message\":\"The request body is over "
                    + MAX_REQUEST_BYTES + " bytes.\"}}").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // A lingering close: the client may still be sending the body it announced. Closing now
            // would answer its next segment with a reset, which can destroy the 413 before the client
            // has read it. So only our side is shut; the rest of the body is read and discarded (the
            // aggregator drops it) until the client closes, or at most LINGER_MS.
            ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
                if (f.channel() instanceof DuplexChannel duplex && f.isSuccess()) {
                    duplex.shutdownOutput();
                    f.channel().eventLoop().schedule(() -> f.channel().close(), LINGER_MS, TimeUnit.MILLISECONDS);
                } else {
                    f.channel().close();
                }
            });
        }
    }

    /**
     * Idle connections closed, WebSocket clients joined to the feed and pinged, and a client that
     * does not read what it asked for not read from either: past the write-buffer high watermark
     * the server stops reading its requests until the buffer drains below the low one, so one that
     * sends requests without reading the answers holds one buffer's worth, not one per request.
     */
    private static final class Lifecycle extends ChannelInboundHandlerAdapter {
        private final LiveFeed feed;

        Lifecycle(LiveFeed feed) { this.feed = feed; }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                // a page reads without speaking: ping it, and only silence longer than that (no pong) closes it
                ctx.pipeline().replace("idle", "idle", new IdleStateHandler(WS_PING_S * 3, WS_PING_S, 0));
                feed.join(ctx.channel());
            } else if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(new PingWebSocketFrame());
                } else {
                    ctx.close();
                }
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }
}
