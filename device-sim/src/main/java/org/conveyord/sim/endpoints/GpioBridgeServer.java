package org.conveyord.sim.endpoints;

import org.conveyord.sim.physics.SimClock;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.gpiobridge.GpioBridgeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The simulated I/O board, served over TCP with the {@link GpioBridgeMessage} line protocol. One
 * daemon at a time: a new connection replaces the old one. When the daemon goes away the outputs
 * keep their last level, as a real GPIO line does.
 *
 * <p>Threading: {@link #inputChanged} is called by the physics with its lock held, so it only queues
 * the IN line on a single writer thread; OUT lines are applied on the connection's reader thread.
 */
public final class GpioBridgeServer extends TcpEndpoint {

    private static final Logger log = LoggerFactory.getLogger(GpioBridgeServer.class);

    /** Routes an OUT line to the world that owns the pin. */
    public interface Outputs {
        boolean setOutput(int pin, boolean high);
    }

    private final Outputs outputs;
    private final Supplier<Map<Integer, Boolean>> inputs;
    private final SimClock clock;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("gpio-bridge-writer").unstarted(r));
    private volatile Connection current;
    /** The connection that has had HELLO and the input snapshot; written on the writer thread only. */
    private Connection greeted;

    public GpioBridgeServer(String host, int port, Outputs outputs, Supplier<Map<Integer, Boolean>> inputs, SimClock clock) {
        super("gpio-bridge", host, port);
        this.outputs = outputs;
        this.inputs = inputs;
        this.clock = clock;
    }

    @Override
    protected void onConnect(Connection c) {
        // Set at once, before the reader starts: the daemon sends its OUT levels right after connecting.
        Connection old = current;
        current = c;
        if (old != null) {
            log.info("gpio-bridge: new daemon connection {} replaces {}", c.remote(), old.remote());
            old.close();
        }
        // On the writer thread, whose tasks run in order: HELLO, the snapshot's IN lines and SNAPSHOT-END
        // go out before any other IN; IN tasks queued before it are skipped (their level is in the
        // snapshot, taken when this task runs).
        writer.execute(() -> {
            c.send(new GpioBridgeMessage.Hello("device-sim").encode());
            long now = clock.nanos();
            Map<Integer, Boolean> snapshot = inputs.get();
            snapshot.forEach((pin, level) -> c.send(new GpioBridgeMessage.In(pin, level, now).encode()));
            // the daemon counts its inputs real only from here: until then an unsent pin would read low
            c.send(new GpioBridgeMessage.SnapshotEnd(snapshot.size()).encode());
            greeted = c;
        });
    }

    private final Map<Connection, LineFramer> framers = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    protected void onBytes(Connection c, byte[] buf, int len) {
        framers.computeIfAbsent(c, k -> new LineFramer("\n", GpioBridgeMessage.MAX_LINE, line -> onLine(c, line),
                () -> log.warn("gpio-bridge: line from {} longer than {} bytes dropped", c.remote(), GpioBridgeMessage.MAX_LINE)))
                .feed(buf, 0, len);
    }

    private void onLine(Connection c, String line) {
        if (line.isBlank()) return;
        var msg = GpioBridgeMessage.parse(line);
        if (msg.isEmpty()) {
            log.warn("gpio-bridge: ignoring malformed line from {}: '{}'", c.remote(), line.strip());
            return;
        }
        switch (msg.get()) {
            case GpioBridgeMessage.Hello h -> log.info("gpio-bridge: daemon says hello as '{}'", h.who());
            case GpioBridgeMessage.Out o -> {
                if (c != current) return;
                if (!outputs.setOutput(o.pin(), o.high())) {
                    log.warn("gpio-bridge: OUT for pin {} which is no output in the config; ignored", o.pin());
                }
            }
            case GpioBridgeMessage.In i -> log.warn("gpio-bridge: daemon sent IN for pin {}; only the sim drives inputs", i.pin());
            case GpioBridgeMessage.SnapshotEnd e -> log.warn("gpio-bridge: daemon sent SNAPSHOT-END; only the sim sends snapshots");
        }
    }

    @Override
    protected void onDisconnect(Connection c) {
        framers.remove(c);
        if (c == current) {
            current = null;
            log.info("gpio-bridge: daemon disconnected; outputs keep their last levels");
        }
    }

    /** Called by the physics (lock held): queue the IN line for the daemon. */
    public void inputChanged(int pin, boolean high, long nanos) {
        Connection c = current;
        if (c == null) return;
        writer.execute(() -> {
            if (greeted == c) c.send(new GpioBridgeMessage.In(pin, high, nanos).encode());
        });
    }

    boolean daemonConnected() { return current != null; }

    @Override
    public void close() {
        super.close();
        writer.shutdownNow();
    }
}
