package org.conveyord.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ObservedEventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The WebSocket {@code /ws}: every connected client gets each device's state on connect, then every
 * state change (coalesced, at most one per device per {@link #FLUSH_MS}) and every event, as JSON
 * text frames:
 * {@code {"type":"state","device":..,"status":..,"state":{..}}} and
 * {@code {"type":"event","device":..,"event":..,"cmdId":..,"fields":{..}}}.
 * After the first state frames each client gets {@code {"type":"hello","session":..}}: a secret
 * naming this connection. A command sent with that {@code session} (maintenance mode's hold-to-run)
 * ends when this connection closes, so a page that goes away holds nothing on.
 *
 * <p>A client that reads too slowly (its channel not writable: past the server's write-buffer high
 * watermark) misses frames rather than growing a buffer. One that stays so for
 * {@link #SLOW_CLIENT_NANOS} is closed: the page reconnects and gets the whole picture again,
 * which a client that missed frames needs anyway. A closed channel leaves the group by itself.
 */
public final class LiveFeed implements ObservedEventSink.Observer, Device.StateListener {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    static final long FLUSH_MS = 100;
    static final long SLOW_CLIENT_NANOS = 5_000_000_000L;
    /** When a client's channel was first found not writable (absent: writable when last looked at). */
    private static final AttributeKey<Long> UNWRITABLE_SINCE = AttributeKey.valueOf("conveyord.ws.unwritableSince");

    private final ObjectMapper mapper = new ObjectMapper();
    private final Supplier<Map<String, Device>> devices;
    private final ChannelGroup clients;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Consumer<String> sessionClosed;
    private final SecureRandom random = new SecureRandom();

    private final LongSupplier nanos;
    /** Where a flush runs; null until the server starts. A flush is scheduled only when a state changed. */
    private volatile ScheduledExecutorService flusher;
    private final AtomicBoolean flushPending = new AtomicBoolean();

    /** Sends nothing until a client joins (a server that is off never has one). */
    public LiveFeed(Supplier<Map<String, Device>> devices) {
        this(devices, session -> { }, System::nanoTime);
    }

    /** @param sessionClosed told (on the I/O thread) when a client's connection closed, with its session */
    public LiveFeed(Supplier<Map<String, Device>> devices, Consumer<String> sessionClosed) {
        this(devices, sessionClosed, System::nanoTime);
    }

    LiveFeed(Supplier<Map<String, Device>> devices, Consumer<String> sessionClosed, LongSupplier nanos) {
        this.devices = devices;
        this.sessionClosed = sessionClosed;
        this.nanos = nanos;
        this.clients = new DefaultChannelGroup("ws-clients", GlobalEventExecutor.INSTANCE);
    }

    int clients() { return clients.size(); }

    /** A client finished its handshake: it gets the whole picture at once. */
    void join(Channel ch) {
        clients.add(ch);
        devices.get().keySet().forEach(id -> stateFrame(id).ifPresent(text -> ch.writeAndFlush(new TextWebSocketFrame(text))));
        byte[] secret = new byte[16];
        random.nextBytes(secret);
        String session = "ws-" + HexFormat.of().formatHex(secret);
        ch.closeFuture().addListener(f -> {
            try {
                sessionClosed.accept(session);
            } catch (RuntimeException e) {
                log.warn("closing live feed session could not be handed on: {}", e.toString());
            }
        });
        ObjectNode hello = mapper.createObjectNode();
        hello.put("type", "hello");
        hello.put("session", session);
        write(hello).ifPresent(text -> ch.writeAndFlush(new TextWebSocketFrame(text)));
    }

    @Override
    public void stateChanged(String deviceId) {
        if (clients.isEmpty()) return;
        dirty.add(deviceId);
        ScheduledExecutorService ex = flusher;
        // one flush per FLUSH_MS at most, and no timer at all while nothing changes (idle CPU)
        if (ex != null && flushPending.compareAndSet(false, true)) {
            ex.schedule(() -> {
                flushPending.set(false);
                flush();
            }, FLUSH_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** The server's I/O loop, where coalesced state frames are flushed {@link #FLUSH_MS} after a change. */
    void flushOn(ScheduledExecutorService executor) {
        this.flusher = executor;
    }

    /** What changed since the last flush. */
    void flush() {
        if (dirty.isEmpty()) return;
        for (String id : Set.copyOf(dirty)) {
            dirty.remove(id);
            stateFrame(id).ifPresent(this::broadcast);
        }
    }

    @Override
    public void onEvent(String device, String type, Map<String, Object> fields, String cmdId) {
        if (clients.isEmpty()) return;
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "event");
        n.put("device", device);
        n.put("event", type);
        n.put("cmdId", cmdId);
        n.set("fields", mapper.valueToTree(fields));
        write(n).ifPresent(this::broadcast);
    }

    private java.util.Optional<String> stateFrame(String id) {
        Device d = devices.get().get(id);
        if (d == null) return java.util.Optional.empty();
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "state");
        n.put("device", id);
        n.put("kind", d.kind());
        try {
            DeviceStatus s = d.status();
            n.put("status", s.state().name().toLowerCase(java.util.Locale.ROOT));
            n.put("reason", s.reason());
            n.set("state", mapper.valueToTree(d.state()));
        } catch (RuntimeException e) {
            log.warn("state of {} could not be read for the live feed: {}", id, e.toString());
            return java.util.Optional.empty();
        }
        return write(n);
    }

    private java.util.Optional<String> write(ObjectNode n) {
        try {
            return java.util.Optional.of(mapper.writeValueAsString(n));
        } catch (JsonProcessingException e) {
            log.warn("live feed frame could not be encoded: {}", e.getOriginalMessage());
            return java.util.Optional.empty();
        }
    }

    private void broadcast(String text) {
        for (Channel ch : clients) {
            if (ch.isWritable()) {
                ch.attr(UNWRITABLE_SINCE).set(null);
                ch.writeAndFlush(new TextWebSocketFrame(text));
                continue;
            }
            long now = nanos.getAsLong();
            Long since = ch.attr(UNWRITABLE_SINCE).setIfAbsent(now);
            if (since != null && now - since >= SLOW_CLIENT_NANOS) {
                log.info("live feed client {} read nothing for {} s; closed (it reconnects with the whole picture)",
                        ch.remoteAddress(), SLOW_CLIENT_NANOS / 1_000_000_000L);
                ch.attr(UNWRITABLE_SINCE).set(null);
                ch.close();
            }
        }
    }
}
