package org.conveyord.config;

import java.util.List;
import java.util.Locale;

/**
 * How the daemon logs. {@code level} is the root level (the environment variable
 * {@code CONVEYORD_LOG_LEVEL} overrides it, for a one-off debug session without editing the file);
 * {@code format} is {@code text} (one line per event, the journald priority prefix under systemd) or
 * {@code json} (one JSON object per line, logback's own encoder, for a log shipper).
 */
public record LoggingConfig(String level, String format) {
    public static final List<String> LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
    public static final List<String> FORMATS = List.of("text", "json");

    public String levelOrDefault() { return level == null ? "INFO" : level.toUpperCase(Locale.ROOT); }

    public String formatOrDefault() { return format == null ? "text" : format; }

    public static LoggingConfig defaults() { return new LoggingConfig(null, null); }
}
