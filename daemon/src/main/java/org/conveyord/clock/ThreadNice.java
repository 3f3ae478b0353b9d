package org.conveyord.clock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The Linux scheduling priority ("nice") of the calling thread, read from {@code /proc/thread-self/stat}.
 * The control thread asks for a higher one than the daemon's other threads (Java's MAX_PRIORITY, which
 * the JVM turns into nice -5 with {@code -XX:ThreadPriorityPolicy=1} where the unit's {@code LimitNICE=-5}
 * allows it), so that a bag's eye edge does not wait behind MQTT, device I/O or the JIT for a CPU. The
 * JVM gives no error when the OS refuses, so the daemon reads back what it got and logs it.
 */
public final class ThreadNice {
    private static final Path SELF = Path.of("/proc/thread-self/stat");

    private ThreadNice() {}

    /** The calling thread's nice value, or empty where there is no procfs (not Linux). */
    public static OptionalInt ofCallingThread() {
        try {
            return parse(Files.readString(SELF));
        } catch (IOException | UnsupportedOperationException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * Field 19 of a {@code stat} line (proc(5)). The thread's name (field 2, in parentheses) may itself
     * hold spaces and parentheses, so fields are counted from the last ')'.
     */
    static OptionalInt parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) return OptionalInt.empty();
        String[] f = stat.substring(close + 2).strip().split(" ");
        if (f.length < 17) return OptionalInt.empty();   // f[0] is field 3, so field 19 is f[16]
        try {
            return OptionalInt.of(Integer.parseInt(f[16]));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
