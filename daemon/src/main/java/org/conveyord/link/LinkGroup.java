package org.conveyord.link;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * The I/O threads every device link shares (one Netty event loop group; one or two threads are
 * plenty for a handful of devices on a Pi). Each link pins itself to one loop, so all of one link's
 * callbacks run on one thread, in order. Serial links use a loop as their scheduler for reconnects.
 */
public final class LinkGroup implements AutoCloseable {

    private final EventLoopGroup group;

    public LinkGroup(int threads) {
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("link-io", true),
                NioIoHandler.newFactory());
    }

    public EventLoop next() {
        return group.next();
    }

    @Override
    public void close() {
        // bounded: a shutdown must never hang on a wedged event loop
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
