package org.conveyord.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * sd_notify(3) without libsystemd: datagrams to {@code $NOTIFY_SOCKET} through Netty's epoll
 * transport (plain Java cannot send a Unix datagram; no JNA, no systemd-notify process). Without
 * {@code NOTIFY_SOCKET} (not under systemd, or not Type=notify) every call does nothing.
 * A failed send is logged once and never reaches the caller: supervision must not stop the line.
 */
public final class SdNotify implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SdNotify.class);

    private final String socket;
    private final Duration watchdogInterval;
    private final EventLoopGroup group;
    private final Channel channel;
    private volatile boolean sendFailureLogged;

    private SdNotify(String socket, Duration watchdogInterval, EventLoopGroup group, Channel channel) {
        this.socket = socket;
        this.watchdogInterval = watchdogInterval;
        this.group = group;
        this.channel = channel;
    }

    /** From the process environment: {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}. */
    public static SdNotify fromEnvironment() {
        return open(System.getenv(), ProcessHandle.current().pid());
    }

    /** A notifier that sends nothing (tests, --demo). */
    public static SdNotify disabled() {
        return new SdNotify(null, null, null, null);
    }

    static SdNotify open(Map<String, String> env, long ownPid) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isBlank()) return disabled();
        Duration watchdog = watchdogInterval(env, ownPid);
        if (!Epoll.isAvailable()) {
            log.warn("NOTIFY_SOCKET is set but Netty's epoll transport is unavailable ({}): systemd gets no READY/WATCHDOG",
                    Epoll.unavailabilityCause().toString());
            return new SdNotify(socket, watchdog, null, null);
        }
        // '@' is the abstract namespace: a leading NUL byte in the socket address
        String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "sd-notify");
            t.setDaemon(true);
            return t;
        }, EpollIoHandler.newFactory());
        ChannelFuture connect = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new DomainSocketAddress(path));
        connect.awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (!connect.isSuccess()) {
            log.warn("cannot reach NOTIFY_SOCKET {}: {}; systemd gets no READY/WATCHDOG{}", socket,
                    connect.cause() == null ? "timed out" : connect.cause().toString(),
                    socket.startsWith("@") ? " (abstract socket names are not addressed correctly by this Netty's epoll transport)" : "");
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
            return new SdNotify(socket, watchdog, null, null);
        }
        return new SdNotify(socket, watchdog, group, connect.channel());
    }

    /**
     * Half of {@code WATCHDOG_USEC}, as sd_watchdog_enabled(3) advises; empty without a watchdog or
     * when {@code WATCHDOG_PID} names another process.
     */
    static Duration watchdogInterval(Map<String, String> env, long ownPid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null || usec.isBlank()) return null;
        String pid = env.get("WATCHDOG_PID");
        try {
            if (pid != null && !pid.isBlank() && Long.parseLong(pid.strip()) != ownPid) return null;
            long us = Long.parseLong(usec.strip());
            return us <= 0 ? null : Duration.ofNanos(us * 1000 / 2);
        } catch (NumberFormatException e) {
            log.warn("WATCHDOG_USEC={} / WATCHDOG_PID={} is not a number: no watchdog pings", usec, pid);
            return null;
        }
    }

    public boolean enabled() { return socket != null; }

    /** How often to send WATCHDOG=1, if systemd watches this process. */
    public Optional<Duration> watchdogInterval() { return Optional.ofNullable(watchdogInterval); }

    public void ready() { send("READY=1"); }

    public void watchdog() { send("WATCHDOG=1"); }

    public void stopping() { send("STOPPING=1"); }

    /** One line: a newline would start another assignment. */
    public void status(String line) { send("STATUS=" + line.replace('\n', ' ')); }

    void send(String message) {
        Channel ch = channel;
        if (ch == null) return;
        ch.writeAndFlush(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8)).addListener(f -> {
            if (!f.isSuccess() && !sendFailureLogged) {
                sendFailureLogged = true;
                log.warn("sd_notify to {} failed: {} (logged once)", socket, f.cause().toString());
            }
        });
    }

    @Override
    public void close() {
        if (channel != null) channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        if (group != null) group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
}
