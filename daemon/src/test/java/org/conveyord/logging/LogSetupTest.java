package org.conveyord.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.conveyord.config.LoggingConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a logback context of its own, shaped like logback.xml's (STDOUT with the text pattern). */
class LogSetupTest {

    private final LoggerContext ctx = new LoggerContext();
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();

    @BeforeEach
    void stdoutLikeLogbackXml() {
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern(LogSetup.TEXT_PATTERN);
        // what logback.xml's <conversionRule> does
        ctx.putObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY, new java.util.HashMap<>(Map.of(
                "journalPriority", org.conveyord.systemd.JournalPriorityConverter.class.getName())));
        enc.start();
        OutputStreamAppender<ILoggingEvent> out = new OutputStreamAppender<>();
        out.setName("STDOUT");
        out.setContext(ctx);
        out.setEncoder(enc);
        out.setOutputStream(sink);
        out.start();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(out);
    }

    @Test
    void jsonFormatWritesOneJsonObjectPerLineWithLevelLoggerAndMessage() throws Exception {
        LogSetup.apply(ctx, new LoggingConfig(null, "json"), Map.of());
        ctx.getLogger("org.conveyord.conveyor.LineController").warn("zone {} jammed", "z2");
        ctx.getLogger("org.conveyord.mqtt.MqttGateway").info("connected");

        List<JsonNode> lines = new ArrayList<>();
        for (String line : sink.toString(StandardCharsets.UTF_8).split("\n")) lines.add(new ObjectMapper().readTree(line));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("level").asText()).isEqualTo("WARN");
        assertThat(lines.get(0).get("loggerName").asText()).isEqualTo("org.conveyord.conveyor.LineController");
        assertThat(lines.get(0).get("formattedMessage").asText()).isEqualTo("zone z2 jammed");
        assertThat(lines.get(0).get("message").asText()).isEqualTo("zone {} jammed");
        assertThat(lines.get(1).get("level").asText()).isEqualTo("INFO");
        assertThat(lines.get(1).get("formattedMessage").asText()).isEqualTo("connected");
    }

    @Test
    void textFormatStaysOneLinePerEventAndJsonSwitchesBack() {
        LogSetup.apply(ctx, new LoggingConfig(null, "json"), Map.of());
        LogSetup.apply(ctx, new LoggingConfig(null, "text"), Map.of());
        ctx.getLogger("a.b.C").info("plain");
        assertThat(sink.toString(StandardCharsets.UTF_8)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.*] a\\.b\\.C - plain\\R");
    }

    @Test
    void levelPrecedenceIsEnvThenConfigThenInfo() {
        assertThat(LogSetup.apply(ctx, new LoggingConfig(null, null), Map.of()).level()).isEqualTo("INFO");
        assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);

        assertThat(LogSetup.apply(ctx, new LoggingConfig("debug", null), Map.of()).level()).isEqualTo("DEBUG");
        assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);

        assertThat(LogSetup.apply(ctx, new LoggingConfig("DEBUG", null), Map.of(LogSetup.LEVEL_ENV, "warn")).level())
                .isEqualTo("WARN");
        assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.WARN);

        ctx.getLogger("x").info("dropped at WARN");
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void anEnvValueThatIsNoLevelFallsBackOnTheConfig() {
        assertThat(LogSetup.effectiveLevel(new LoggingConfig("ERROR", null), Map.of(LogSetup.LEVEL_ENV, "loud")))
                .isEqualTo("ERROR");
    }
}
