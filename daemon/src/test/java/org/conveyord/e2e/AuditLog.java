package org.conveyord.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Predicate;

/** The daemon's audit lines (logger {@code conveyord.audit}) as a test in this JVM sees them; close it after the test. */
final class AuditLog implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    AuditLog() {
        appender.start();
        logger().addAppender(appender);
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger("conveyord.audit");
    }

    /** The lines so far; a copy taken under the appender's own lock (lines arrive on the daemon's threads). */
    List<String> lines() {
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    boolean any(Predicate<String> line) {
        return lines().stream().anyMatch(line);
    }

    long count(Predicate<String> line) {
        return lines().stream().filter(line).count();
    }

    @Override
    public void close() {
        logger().detachAppender(appender);
    }
}
