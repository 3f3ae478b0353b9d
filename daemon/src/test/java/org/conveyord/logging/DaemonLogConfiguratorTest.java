package org.conveyord.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.conveyord.config.LoggingConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The set-up in code that replaced logback.xml: same appenders, pattern and levels. */
class DaemonLogConfiguratorTest {

    private static LoggerContext built(String envLevel) {
        LoggerContext ctx = new LoggerContext();
        DaemonLogConfigurator.build(ctx, envLevel);
        return ctx;
    }

    @Test
    void oneLinePerEventOnStdoutBehindANeverBlockingQueue() {
        LoggerContext ctx = built(null);
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        AsyncAppender async = (AsyncAppender) root.getAppender("ASYNC");
        assertThat(async.isStarted()).isTrue();
        assertThat(async.isNeverBlock()).isTrue();
        assertThat(async.getQueueSize()).isEqualTo(4096);
        assertThat(async.getDiscardingThreshold()).isZero();
        @SuppressWarnings("unchecked")
        ConsoleAppender<ILoggingEvent> stdout = (ConsoleAppender<ILoggingEvent>) async.getAppender("STDOUT");
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("org.conveyord.conveyor.LineController"), Level.WARN,
                "line-1: emergency stop", null, null);
        String line = new String(stdout.getEncoder().encode(e), StandardCharsets.UTF_8);
        // %journalPriority resolves (no PARSER_ERROR); without JOURNAL_STREAM it adds nothing
        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[[^]]*] o\\.c\\.c\\.LineController - line-1: emergency stop\\R");
        ctx.stop();
    }

    @Test
    void noisyLibrariesAtWarnAndTheLevelFromTheEnvironment() {
        LoggerContext ctx = built(" debug ");
        assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
        assertThat(ctx.getLogger("org.eclipse.paho").getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("com.pi4j").getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("com.pi4j.boardinfo").getLevel()).isEqualTo(Level.OFF);
        ctx.stop();
    }

    @Test
    void logSetupFindsItsStdoutAppenderToSwitchToJson() {
        LoggerContext ctx = built(null);
        LogSetup.Applied applied = LogSetup.apply(ctx, new LoggingConfig("WARN", "json"), Map.of());
        assertThat(applied).isEqualTo(new LogSetup.Applied("WARN", "json"));
        AsyncAppender async = (AsyncAppender) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
        assertThat(((ConsoleAppender<ILoggingEvent>) async.getAppender("STDOUT")).getEncoder())
                .isInstanceOf(JournalJsonEncoder.class);
        ctx.stop();
    }
}
