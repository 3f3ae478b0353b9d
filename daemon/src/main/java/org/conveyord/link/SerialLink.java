package org.conveyord.link;

import jssc.SerialPort;
import jssc.SerialPortEvent;
import jssc.SerialPortException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A device on a serial port, through jssc. The port is opened by its explicit path (jssc's port
 * list shows neither ptys nor /dev/serial/by-id symlinks). Reads come from jssc's event thread;
 * a health check every {@link #HEALTH_CHECK_MS} notices a port that vanished (USB adapter pulled:
 * the path disappears or the descriptor fails), reports it and reopens once the path is back.
 * <p>
 * Threading: {@code received} is called from jssc's event thread; {@code connected} and
 * {@code disconnected} from {@code scheduler}. Opening a port blocks only briefly, so a shared
 * scheduler thread is acceptable. All port state changes happen under {@code this}.
 */
public final class SerialLink implements ByteLink {

    private static final Logger log = LoggerFactory.getLogger(SerialLink.class);
    static final long HEALTH_CHECK_MS = 250;

    public record Settings(int baud, int dataBits, String parity, int stopBits, String handshake) {
        public Settings {
            parityCode(parity);
            flowControlCode(handshake);
            stopBitsCode(stopBits);
        }
    }

    private final String path;
    private final Settings settings;
    private final ScheduledExecutorService scheduler;
    private final ReconnectPolicy policy;
    private volatile Listener listener;
    private SerialPort port;                 // guarded by this
    private ScheduledFuture<?> pending;      // guarded by this
    private ScheduledFuture<?> healthCheck;  // guarded by this
    private volatile boolean connected;
    private volatile boolean stopped;

    public SerialLink(String path, Settings settings, ScheduledExecutorService scheduler, ReconnectPolicy policy) {
        this.path = Objects.requireNonNull(path);
        this.settings = Objects.requireNonNull(settings);
        this.scheduler = scheduler;
        this.policy = policy;
    }

    @Override
    public void start(Listener l) {
        this.listener = Objects.requireNonNull(l);
        synchronized (this) {
            pending = scheduler.schedule(this::open, 0, TimeUnit.MILLISECONDS);
        }
    }

    private void open() {
        synchronized (this) {
            pending = null;
            if (stopped) {
                return;
            }
            if (!Files.exists(Path.of(path))) {
                fail(path + " is not present");
                return;
            }
            SerialPort p = new SerialPort(path);
            try {
                p.openPort();
                p.setParams(settings.baud(), settings.dataBits(), stopBitsCode(settings.stopBits()),
                        parityCode(settings.parity()));
                p.setFlowControlMode(flowControlCode(settings.handshake()));
                p.addEventListener(this::onEvent, SerialPort.MASK_RXCHAR);
            } catch (SerialPortException e) {
                closeQuietly(p);
                fail("cannot open " + path + ": " + e.getExceptionType());
                return;
            }
            port = p;
            connected = true;
            policy.reset();
            healthCheck = scheduler.scheduleWithFixedDelay(this::checkHealth, HEALTH_CHECK_MS, HEALTH_CHECK_MS,
                    TimeUnit.MILLISECONDS);
        }
        listener.connected();
    }

    private void onEvent(SerialPortEvent ev) {
        if (!ev.isRXCHAR() || ev.getEventValue() <= 0) {
            return;
        }
        SerialPort p;
        synchronized (this) {
            p = port;
        }
        if (p == null) {
            return;
        }
        try {
            byte[] data = p.readBytes();
            if (data != null && data.length > 0) {
                listener.received(data, 0, data.length);
            }
        } catch (SerialPortException e) {
            scheduler.execute(() -> lostIfCurrent(p, "read from " + path + " failed: " + e.getExceptionType()));
        }
    }

    private void checkHealth() {
        SerialPort p;
        synchronized (this) {
            p = port;
        }
        if (p == null) {
            return;
        }
        if (!Files.exists(Path.of(path))) {
            lostIfCurrent(p, path + " vanished");
            return;
        }
        try {
            // fails once the descriptor is dead (device unplugged, pty master gone)
            if (p.getInputBufferBytesCount() < 0) {
                lostIfCurrent(p, path + " stopped answering");
            }
        } catch (SerialPortException e) {
            lostIfCurrent(p, path + " failed: " + e.getExceptionType());
        }
    }

    private void lostIfCurrent(SerialPort p, String reason) {
        synchronized (this) {
            if (port != p || stopped) {
                return;
            }
            port = null;
            connected = false;
            if (healthCheck != null) {
                healthCheck.cancel(false);
                healthCheck = null;
            }
            closeQuietly(p);
            fail(reason);
        }
    }

    /** Under this: report and schedule the next attempt. */
    private void fail(String reason) {
        policy.recordDisconnect(reason);
        long delay = policy.nextDelayMs();
        log.debug("{}: {}; retrying in {} ms", describe(), reason, delay);
        pending = scheduler.schedule(this::open, delay, TimeUnit.MILLISECONDS);
        Listener l = listener;
        scheduler.execute(() -> l.disconnected(reason));
    }

    private static void closeQuietly(SerialPort p) {
        try {
            if (p.isOpened()) {
                p.closePort();
            }
        } catch (SerialPortException e) {
            log.debug("closing {} failed as well: {}", p.getPortName(), e.getExceptionType());
        }
    }

    @Override
    public boolean write(byte[] data) {
        SerialPort p;
        synchronized (this) {
            p = port;
        }
        if (p == null) {
            return false;
        }
        try {
            return p.writeBytes(data);
        } catch (SerialPortException e) {
            scheduler.execute(() -> lostIfCurrent(p, "write to " + path + " failed: " + e.getExceptionType()));
            return false;
        }
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public String describe() {
        return "serial " + path;
    }

    public String lastDisconnectCause() {
        return policy.lastCause();
    }

    @Override
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        connected = false;
        if (pending != null) {
            pending.cancel(false);
        }
        if (healthCheck != null) {
            healthCheck.cancel(false);
        }
        if (port != null) {
            closeQuietly(port);
            port = null;
        }
    }

    static int parityCode(String parity) {
        return switch (parity.toLowerCase(Locale.ROOT)) {
            case "none" -> SerialPort.PARITY_NONE;
            case "even" -> SerialPort.PARITY_EVEN;
            case "odd" -> SerialPort.PARITY_ODD;
            case "mark" -> SerialPort.PARITY_MARK;
            case "space" -> SerialPort.PARITY_SPACE;
            default -> throw new IllegalArgumentException("serial parity '" + parity
                    + "' is not one of none, even, odd, mark, space");
        };
    }

    static int flowControlCode(String handshake) {
        return switch (handshake.toLowerCase(Locale.ROOT)) {
            case "none" -> SerialPort.FLOWCONTROL_NONE;
            case "xonxoff" -> SerialPort.FLOWCONTROL_XONXOFF_IN | SerialPort.FLOWCONTROL_XONXOFF_OUT;
            case "rtscts" -> SerialPort.FLOWCONTROL_RTSCTS_IN | SerialPort.FLOWCONTROL_RTSCTS_OUT;
            default -> throw new IllegalArgumentException("serial handshake '" + handshake
                    + "' is not one of none, xonxoff, rtscts");
        };
    }

    static int stopBitsCode(int stopBits) {
        return switch (stopBits) {
            case 1 -> SerialPort.STOPBITS_1;
            case 2 -> SerialPort.STOPBITS_2;
            default -> throw new IllegalArgumentException("serial stop bits must be 1 or 2, was " + stopBits);
        };
    }
}
