package org.conveyord.hal.sim;

import org.conveyord.protocol.gpiobridge.GpioBridgeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The daemon's end of device-sim's GPIO bridge: one TCP connection, reconnected with back-off.
 * Outputs are re-sent on every connect. While the bridge is down every input reads low: the
 * normally-closed e-stop then reads "pressed", so a lost I/O link stops the line like a cut wire.
 *
 * <p>The link counts as up ({@link #isConnected}, the connection listener, {@link #awaitFirstSync})
 * only once the sim's whole input snapshot has arrived (its SNAPSHOT-END line), and the snapshot is
 * applied in one step: the IN lines come one by one, and a daemon that read its inputs between HELLO
 * and the e-stop's line read the e-stop low, "pressed", and came up latched for nothing.
 */
public final class SimGpioBridgeClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SimGpioBridgeClient.class);

    /** Told about each input level change from the bridge (physical level, edge time in nanoTime). */
    public interface InputSink {
        void level(int pin, boolean high, long nanos);
    }

    private final String host;
    private final int port;
    private final Map<Integer, Boolean> outputLevels = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> inputLevels = new ConcurrentHashMap<>();
    private final Map<Integer, InputSink> inputSinks = new ConcurrentHashMap<>();
    private final CountDownLatch firstSync = new CountDownLatch(1);
    private final Thread thread;
    private volatile Socket socket;
    private volatile OutputStream out;
    private volatile boolean running = true;
    /** The socket is up and the input snapshot has been applied. */
    private volatile boolean connected;
    private Consumer<Boolean> connectionListener = c -> { };
    /**
     * The sim's nanoTime and ours: the same clock in-process and on one Linux box (CLOCK_MONOTONIC),
     * so it starts at zero; an edge that would lie in the future or over a second back resets it.
     */
    private volatile long clockOffset;

    public SimGpioBridgeClient(String host, int port) {
        this.host = host;
        this.port = port;
        this.thread = new Thread(this::run, "gpio-sim-bridge");
        this.thread.setDaemon(true);
    }

    public void start() { thread.start(); }

    public void onConnection(Consumer<Boolean> listener) { this.connectionListener = listener; }

    /** Waits (bounded) for the first connect and the sim's whole input snapshot, so inputs start real. */
    public boolean awaitFirstSync(long timeout, TimeUnit unit) throws InterruptedException {
        return firstSync.await(timeout, unit);
    }

    public boolean isConnected() { return connected; }

    public String describe() { return "device-sim GPIO bridge " + host + ":" + port; }

    void registerInput(int pin, InputSink sink) { inputSinks.put(pin, sink); }

    /** The level of an input pin: low before the first snapshot and while the link is down. */
    boolean inputLevel(int pin) {
        Boolean level = inputLevels.get(pin);
        return level != null && level;
    }

    void writeOutput(int pin, boolean high) {
        outputLevels.put(pin, high);
        send(new GpioBridgeMessage.Out(pin, high));
    }

    private synchronized void send(GpioBridgeMessage m) {
        OutputStream o = out;
        if (o == null) return;   // re-sent from outputLevels on the next connect
        try {
            o.write(m.encode());
            o.flush();
        } catch (IOException e) {
            log.warn("GPIO bridge write failed: {}", e.getMessage());
            closeSocket();
        }
    }

    private void run() {
        long delay = 100;
        while (running) {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(host, port), 2000);
                socket = s;
                synchronized (this) {
                    out = s.getOutputStream();
                    out.write(new GpioBridgeMessage.Hello("conveyord").encode());
                    for (var e : outputLevels.entrySet()) out.write(new GpioBridgeMessage.Out(e.getKey(), e.getValue()).encode());
                    out.flush();
                }
                delay = 100;
                log.debug("connected to {}, waiting for its input snapshot", describe());
                readLoop(s);
            } catch (IOException e) {
                if (running && connected) log.warn("lost {}: {}", describe(), e.getMessage());
                else if (running) log.debug("cannot reach {}: {}", describe(), e.getMessage());
            } finally {
                synchronized (this) { out = null; }
                socket = null;
                if (connected) {
                    connected = false;
                    connectionListener.accept(false);
                    dropAllInputs();
                }
            }
            if (!running) break;
            try {
                Thread.sleep(delay + (long) (Math.random() * delay / 2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            delay = Math.min(delay * 2, 1000);
        }
    }

    private void readLoop(Socket s) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        String line;
        // the snapshot's IN lines since HELLO, applied together at SNAPSHOT-END; null outside a snapshot
        Map<Integer, GpioBridgeMessage.In> snapshot = null;
        int snapshotLines = 0;
        while ((line = r.readLine()) != null) {
            if (line.length() > GpioBridgeMessage.MAX_LINE) {
                log.warn("GPIO bridge: dropped an overlong line ({} chars)", line.length());
                continue;
            }
            var msg = GpioBridgeMessage.parse(line);
            if (msg.isEmpty()) {
                log.warn("GPIO bridge: ignored a line that is not a bridge message: {}", abbreviate(line));
                continue;
            }
            switch (msg.get()) {
                case GpioBridgeMessage.Hello h -> {
                    snapshot = new LinkedHashMap<>();
                    snapshotLines = 0;
                }
                case GpioBridgeMessage.In in -> {
                    if (snapshot != null) {
                        snapshotLines++;
                        snapshot.put(in.pin(), in);
                    } else if (connected) {
                        apply(in);
                    } else {
                        log.warn("GPIO bridge: IN for pin {} before HELLO ignored", in.pin());
                    }
                }
                case GpioBridgeMessage.SnapshotEnd end -> {
                    if (snapshot == null || end.inputs() != snapshotLines) {
                        // a torn snapshot: some input may be missing, so none of it is trusted
                        log.warn("GPIO bridge: input snapshot incomplete ({} IN lines, SNAPSHOT-END says {}); connecting again",
                                snapshotLines, end.inputs());
                        throw new IOException("input snapshot incomplete");
                    }
                    snapshot.values().forEach(this::apply);
                    snapshot = null;
                    connected = true;
                    log.info("connected to {}: {} inputs in its snapshot", describe(), end.inputs());
                    connectionListener.accept(true);
                    firstSync.countDown();
                }
                case GpioBridgeMessage.Out o -> log.warn("GPIO bridge: ignored OUT for pin {}; only the daemon drives outputs", o.pin());
            }
        }
        throw new IOException("device-sim closed the GPIO bridge");
    }

    private void apply(GpioBridgeMessage.In in) {
        long now = System.nanoTime();
        long nanos = in.nanos() + clockOffset;
        // an edge "from the future" or from long ago means the offset drifted (another process): trust our clock
        if (nanos > now || now - nanos > 1_000_000_000L) {
            clockOffset = now - in.nanos();
            nanos = now;
        }
        Boolean old = inputLevels.put(in.pin(), in.high());
        InputSink sink = inputSinks.get(in.pin());
        if (sink != null && (old == null ? in.high() : old != in.high())) sink.level(in.pin(), in.high(), nanos);
    }

    private void dropAllInputs() {
        long now = System.nanoTime();
        for (var e : inputLevels.entrySet()) {
            if (e.getValue()) {
                e.setValue(false);
                InputSink sink = inputSinks.get(e.getKey());
                if (sink != null) sink.level(e.getKey(), false, now);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private void closeSocket() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing a broken socket: nothing left to do
            }
        }
    }

    @Override
    public void close() {
        running = false;
        closeSocket();
        thread.interrupt();
    }
}
