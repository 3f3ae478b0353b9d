package org.conveyord.systemd;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %journalPriority}: the sd-daemon(3) prefix ({@code <3>} error, {@code <4>} warning,
 * {@code <6>} info, {@code <7>} debug and trace) when stdout is the journal, so that
 * {@code journalctl -p warning -u conveyord} selects by level; nothing on a terminal or in a file.
 * systemd sets {@code JOURNAL_STREAM} for a service whose stdout is connected to journald.
 */
public final class JournalPriorityConverter extends ClassicConverter {
    private static final boolean TO_JOURNAL = isJournal(System.getenv("JOURNAL_STREAM"));

    static boolean isJournal(String journalStream) {
        return journalStream != null && !journalStream.isBlank();
    }

    /** The prefix for {@code level} when stdout is the journal, else "" (for encoders that are not patterns). */
    public static String journalPrefix(Level level) {
        return TO_JOURNAL ? prefix(level) : "";
    }

    static String prefix(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            default -> "<7>";
        };
    }

    @Override
    public String convert(ILoggingEvent event) {
        return TO_JOURNAL ? prefix(event.getLevel()) : "";
    }
}
