package org.conveyord.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.conveyord.config.LoggingConfig;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Applies {@code logging.level} and {@code logging.format} to the logback configuration that
 * {@link DaemonLogConfigurator} set up: the root level, and the encoder of the appender named {@code STDOUT}
 * (directly on the root logger or behind the async appender). Called at start-up once the config is
 * loaded, and again on a reload; the lines logged before that use the file's defaults.
 * <p>
 * Level precedence: the environment variable {@code CONVEYORD_LOG_LEVEL}, then the config, then INFO.
 */
public final class LogSetup {

    public static final String LEVEL_ENV = "CONVEYORD_LOG_LEVEL";
    /** The daemon's text pattern ({@link DaemonLogConfigurator}), for switching back from json on a reload. */
    static final String TEXT_PATTERN = "%journalPriority%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n";
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(LogSetup.class);

    /** What was applied: the root level and the format. */
    public record Applied(String level, String format) {}

    private LogSetup() {}

    public static Applied apply(LoggingConfig cfg, Map<String, String> env) {
        return apply((LoggerContext) LoggerFactory.getILoggerFactory(), cfg, env);
    }

    static Applied apply(LoggerContext ctx, LoggingConfig cfg, Map<String, String> env) {
        String level = effectiveLevel(cfg, env);
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
        String format = cfg.formatOrDefault();
        OutputStreamAppender<ILoggingEvent> out = stdoutAppender(ctx);
        if (out == null) {
            log.warn("logging.format {} not applied: logback has no appender named STDOUT (a custom logback configuration?)", format);
        } else if (!format.equals(formatOf(out.getEncoder()))) {
            Encoder<ILoggingEvent> enc = format.equals("json") ? jsonEncoder(ctx) : textEncoder(ctx);
            // swapped on the running appender: stopping it would close its stream, and a line being
            // written meanwhile simply finishes with the old encoder
            out.setEncoder(enc);
        }
        return new Applied(level, format);
    }

    /** {@code CONVEYORD_LOG_LEVEL} when it is a level, else {@code logging.level}, else INFO. */
    static String effectiveLevel(LoggingConfig cfg, Map<String, String> env) {
        String fromEnv = env.get(LEVEL_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            String up = fromEnv.strip().toUpperCase(Locale.ROOT);
            if (LoggingConfig.LEVELS.contains(up)) return up;
            log.warn("{}={} is not a log level (expected one of {}); using logging.level {}", LEVEL_ENV, fromEnv,
                    String.join(", ", LoggingConfig.LEVELS), cfg.levelOrDefault());
        }
        return cfg.levelOrDefault();
    }

    private static String formatOf(Encoder<ILoggingEvent> e) {
        return e instanceof JournalJsonEncoder ? "json" : "text";
    }

    private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext ctx) {
        JournalJsonEncoder e = new JournalJsonEncoder();
        e.setContext(ctx);
        // the template ("message") groups lines for a shipper; the filled-in text is what a person reads
        e.setWithFormattedMessage(true);
        e.setWithArguments(false);
        e.setWithContext(false);
        e.start();
        return e;
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext ctx) {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(TEXT_PATTERN);
        e.start();
        return e;
    }

    @SuppressWarnings("unchecked")
    private static OutputStreamAppender<ILoggingEvent> stdoutAppender(LoggerContext ctx) {
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> a = it.next();
            if (a instanceof OutputStreamAppender<?> o && "STDOUT".equals(a.getName())) {
                return (OutputStreamAppender<ILoggingEvent>) o;
            }
            if (a instanceof AsyncAppenderBase<ILoggingEvent> async
                    && async.getAppender("STDOUT") instanceof OutputStreamAppender<?> o) {
                return (OutputStreamAppender<ILoggingEvent>) o;
            }
        }
        return null;
    }
}
