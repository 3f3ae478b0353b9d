package org.conveyord.sim.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The daemon under test as a separate operating-system process (e.g. {@code java -jar conveyord.jar
 * --config FILE --mqtt-url URL --state-dir DIR}), so that a scenario can kill it like {@code kill -9}
 * does. Its stdout and stderr are appended to one log file, every start separated by a marker line.
 *
 * <p>Threading: the methods are synchronized; one process at a time.
 */
public final class DaemonProcess implements DaemonControl, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonProcess.class);

    private final List<String> command;
    private final Path logFile;
    private Process process;
    private int starts;

    private DaemonProcess(List<String> command, Path logFile) {
        this.command = List.copyOf(command);
        this.logFile = logFile;
    }

    /**
     * Starts the daemon.
     *
     * @param command the whole command line, program first
     * @param logFile where its output goes (appended)
     * @throws IOException the program cannot be started (the message names it)
     */
    public static DaemonProcess start(List<String> command, Path logFile) throws IOException {
        DaemonProcess d = new DaemonProcess(command, logFile);
        d.launch();
        return d;
    }

    private synchronized void launch() throws IOException {
        starts++;
        java.nio.file.Files.writeString(logFile, "---- daemon start " + starts + ": " + String.join(" ", command) + System.lineSeparator(),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start the daemon (" + command.get(0) + "): " + e.getMessage(), e);
        }
        log.info("daemon process {} started (start {}), output in {}", process.pid(), starts, logFile);
    }

    @Override
    public synchronized void killAndRestart() throws IOException, InterruptedException {
        if (process != null) {
            long pid = process.pid();
            // destroyForcibly is SIGKILL on Linux: the daemon gets no chance to stop cleanly
            process.destroyForcibly();
            if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IOException("daemon process " + pid + " did not die after SIGKILL");
            log.warn("daemon process {} killed (SIGKILL), exit {}", pid, process.exitValue());
        }
        launch();
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** How many times the daemon was started, the first start included. */
    public synchronized int starts() {
        return starts;
    }

    public Path logFile() {
        return logFile;
    }

    /** Stops the daemon cleanly (SIGTERM), forcibly after 15 s. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                log.warn("daemon process {} did not stop within 15 s of SIGTERM; killing it", process.pid());
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
