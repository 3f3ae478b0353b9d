package org.conveyord.bench.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** systemd's end of NOTIFY_SOCKET: notes when READY=1 first arrived (System.nanoTime), so start-up is timed as systemd sees it. */
final class NotifyReceiver implements AutoCloseable {
    final Path path;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final Channel channel;
    private volatile long readyNanos;
    private volatile int watchdogs;

    NotifyReceiver(Path dir) throws Exception {
        path = dir.resolve("notify.sock");
        Files.deleteIfExists(path);
        channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                        String msg = p.content().toString(StandardCharsets.UTF_8);
                        if (msg.contains("READY=1") && readyNanos == 0) readyNanos = System.nanoTime();
                        if (msg.contains("WATCHDOG=1")) watchdogs++;
                    }
                })
                .bind(new DomainSocketAddress(path.toString())).sync().channel();
    }

    void reset() { readyNanos = 0; }

    /** When READY=1 came, 0 while it has not. */
    long readyNanos() { return readyNanos; }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
