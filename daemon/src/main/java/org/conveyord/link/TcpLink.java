package org.conveyord.link;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A device reached over raw TCP (a printer on 9100, a serial device server, device-sim), on Netty.
 * TCP_NODELAY is set: requests are small and a reply waits on each. Every callback to the listener
 * runs on this link's one event loop thread, in order; the listener must not block it.
 * After a close or a failed connect the listener hears {@code disconnected(reason)} and the link
 * reconnects after {@link ReconnectPolicy#nextDelayMs()}, until {@link #stop()}.
 */
public final class TcpLink implements ByteLink {

    private static final Logger log = LoggerFactory.getLogger(TcpLink.class);

    private final String host;
    private final int port;
    private final int connectTimeoutMs;
    private final EventLoop loop;
    private final ReconnectPolicy policy;
    private volatile Listener listener;
    private volatile Channel channel;
    private volatile boolean stopped;
    private volatile boolean started;
    private ScheduledFuture<?> pendingConnect;   // event loop only

    public TcpLink(String host, int port, int connectTimeoutMs, LinkGroup group, ReconnectPolicy policy) {
        this.host = Objects.requireNonNull(host);
        this.port = port;
        this.connectTimeoutMs = connectTimeoutMs;
        this.loop = group.next();
        this.policy = policy;
    }

    @Override
    public void start(Listener l) {
        if (started) {
            throw new IllegalStateException(describe() + " was already started");
        }
        started = true;
        this.listener = Objects.requireNonNull(l);
        loop.execute(this::connect);
    }

    private void connect() {
        pendingConnect = null;
        if (stopped) {
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
                .handler(new Handler());
        ChannelFuture f = b.connect(host, port);
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                lost("connect to " + host + ":" + port + " failed: " + describe(cf.cause()));
            } else if (stopped) {
                cf.channel().close();
            }
        });
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private String cause;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            policy.reset();
            listener.connected();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] data = new byte[buf.readableBytes()];
                buf.readBytes(data);
                listener.received(data, 0, data.length);
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
            cause = describe(t);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            channel = null;
            lost(cause != null ? cause : "connection closed by " + host + ":" + port);
        }
    }

    /** On the event loop: report and schedule the next attempt. */
    private void lost(String reason) {
        if (stopped) {
            return;
        }
        policy.recordDisconnect(reason);
        long delay = policy.nextDelayMs();
        log.debug("{}: {}; retrying in {} ms", describe(), reason, delay);
        listener.disconnected(reason);
        if (pendingConnect == null && !stopped) {
            pendingConnect = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    @Override
    public boolean write(byte[] data) {
        Channel c = channel;
        if (c == null || !c.isActive()) {
            return false;
        }
        c.writeAndFlush(Unpooled.wrappedBuffer(data));
        return true;
    }

    @Override
    public boolean isConnected() {
        Channel c = channel;
        return c != null && c.isActive();
    }

    @Override
    public String describe() {
        return "tcp " + host + ":" + port;
    }

    /** The cause of the last disconnect, for status texts; empty before the first. */
    public String lastDisconnectCause() {
        return policy.lastCause();
    }

    @Override
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (!loop.isShuttingDown()) {
            loop.execute(() -> {
                if (pendingConnect != null) {
                    pendingConnect.cancel(false);
                    pendingConnect = null;
                }
                Channel c = channel;
                if (c != null) {
                    c.close();
                }
            });
        }
    }
}
