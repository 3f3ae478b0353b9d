package org.conveyord.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.hook.DefaultShutdownHook;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.conveyord.systemd.JournalPriorityConverter;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The daemon's logging set up in code, found by logback through {@code META-INF/services}: parsing a
 * {@code logback.xml} with Joran costs about a quarter of a second of class loading at every start,
 * before the line can run. What it builds is what that file said:
 * <ul>
 *   <li>one line per event on stdout, pattern {@link LogSetup#TEXT_PATTERN}, with the journald
 *       priority prefix ({@code %journalPriority}) when stdout is the journal;</li>
 *   <li>written by an {@link AsyncAppender} (queue 4096, never blocks, nothing discarded below the
 *       cap): the control loop never waits on a stalled stdout;</li>
 *   <li>Paho, Netty and Pi4J at WARN (Pi4J's board detection OFF: it logs errors on any machine
 *       that is not a Pi); the root level from {@code CONVEYORD_LOG_LEVEL}, else INFO (the config's
 *       {@code logging.level} is applied later by {@link LogSetup});</li>
 *   <li>a shutdown hook that flushes the queued lines on SIGTERM.</li>
 * </ul>
 * A {@code logback.configurationFile} system property or a {@code logback-test.xml} on the class
 * path (the tests) still wins: this configurator then steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DaemonLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null
                || DaemonLogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        build(ctx, System.getenv(LogSetup.LEVEL_ENV));
        DefaultShutdownHook hook = new DefaultShutdownHook();
        hook.setContext(ctx);
        Runtime.getRuntime().addShutdownHook(new Thread(hook, "logback-shutdown"));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The appenders and levels, on {@code ctx}; {@code envLevel} is {@code CONVEYORD_LOG_LEVEL} (may be null). */
    static void build(LoggerContext ctx, String envLevel) {
        @SuppressWarnings("unchecked")
        Map<String, Supplier<DynamicConverter<?>>> rules =
                (Map<String, Supplier<DynamicConverter<?>>>) ctx.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (rules == null) {
            rules = new HashMap<>();
            ctx.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        rules.put("journalPriority", JournalPriorityConverter::new);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(LogSetup.TEXT_PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(ctx);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();

        AsyncAppender async = new AsyncAppender();
        async.setContext(ctx);
        async.setName("ASYNC");
        async.setQueueSize(4096);
        async.setDiscardingThreshold(0);
        async.setNeverBlock(true);
        async.addAppender(stdout);
        async.start();

        ctx.getLogger("org.eclipse.paho").setLevel(Level.WARN);
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        ctx.getLogger("com.pi4j.boardinfo").setLevel(Level.OFF);
        ctx.getLogger("com.pi4j").setLevel(Level.WARN);
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(envLevel == null ? null : envLevel.strip(), Level.INFO));
        root.addAppender(async);
    }
}
