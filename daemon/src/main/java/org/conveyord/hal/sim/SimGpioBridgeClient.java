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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The daemon's end of device-sim's GPIO bridge: one TCP connection, reconnected with back-off.
 * Outputs are re-sent on every connect. While the bridge is down every input reads low: the
 * normally-closed e-stop then reads "pressed", so a lost I/O link stops the line like a cut wire.
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
    private volatile boolean connected;
    private Consumer<Boolean> connectionListener = c -> { };
    /** The sim's nanoTime and ours differ in-process only by zero; across processes by an offset we learn. */
    private volatile long clockOffset;

    public SimGpioBridgeClient(String host, int port) {
        this.host = host;
        this.port = port;
        this.thread = new Thread(this::run, "gpio-sim-bridge");
        this.thread.setDaemon(true);
    }

    public void start() { thread.start(); }

    public void onConnection(Consumer<Boolean> listener) { this.connectionListener = listener; }

    /** Waits (bounded) for the first connect and the sim's input snapshot, so inputs start real. */
    public boolean awaitFirstSync(long timeout, TimeUnit unit) throws InterruptedException {
        return firstSync.await(timeout, unit);
    }

    public boolean isConnected() { return connected; }

    public String describe() { return "device-sim GPIO bridge " + host + ":" + port; }

    void registerInput(int pin, InputSink sink) { inputSinks.put(pin, sink); }

    /**
     * The level of an input pin. The sim sends HELLO and then one IN per input, each its own write,
     * so right after connecting a pin may not have its level yet: the first read of such a pin waits
     * (once, at most {@link #SNAPSHOT_WAIT_MS} ms) for it instead of answering low, which for the
     * normally-closed e-stop would read as "pressed" and latch the line at start-up for nothing.
     */
    boolean inputLevel(int pin) {
        Boolean level = inputLevels.get(pin);
        if (level == null && connected && awaitedPins.add(pin)) {
            long deadline = System.nanoTime() + SNAPSHOT_WAIT_MS * 1_000_000L;
            synchronized (inputLevels) {
                while ((level = inputLevels.get(pin)) == null && connected) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) break;
                    try {
                        inputLevels.wait(Math.max(1, left / 1_000_000L));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
        }
        return level != null && level;
    }

    private static final long SNAPSHOT_WAIT_MS = 500;
    private final java.util.Set<Integer> awaitedPins = ConcurrentHashMap.newKeySet();

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
                connected = true;
                delay = 100;
                log.info("connected to {}", describe());
                connectionListener.accept(true);
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
        boolean synced = false;
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
            if (msg.get() instanceof GpioBridgeMessage.In in) {
                long now = System.nanoTime();
                if (!synced) clockOffset = now - in.nanos();
                long nanos = in.nanos() + clockOffset;
                // an edge "from the future" means the offset drifted (another process): trust our clock
                if (nanos > now || now - nanos > 1_000_000_000L) {
                    clockOffset = now - in.nanos();
                    nanos = now;
                }
                Boolean old = inputLevels.put(in.pin(), in.high());
                if (old == null) {
                    synchronized (inputLevels) { inputLevels.notifyAll(); }
                }
                InputSink sink = inputSinks.get(in.pin());
                if (sink != null && (old == null || old != in.high())) sink.level(in.pin(), in.high(), nanos);
            } else if (msg.get() instanceof GpioBridgeMessage.Hello) {
                synced = true;
                // the sim sends HELLO, then one IN per input: the snapshot is complete once the next
                // line arrives or shortly after; callers only need "connected and talking"
                firstSync.countDown();
            }
        }
        throw new IOException("device-sim closed the GPIO bridge");
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
