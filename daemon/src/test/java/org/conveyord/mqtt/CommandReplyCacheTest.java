package org.conveyord.mqtt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class CommandReplyCacheTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void repliesSurviveAReopen() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10)) {
            c.put("line-1/start/c-1", "{\"id\":\"c-1\"}", b("{\"id\":\"c-1\",\"ok\":true}"));
        }
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10)) {
            var s = c.get("line-1/start/c-1").orElseThrow();
            assertThat(new String(s.reply(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"c-1\",\"ok\":true}");
            assertThat(s.sameCommand("{\"id\":\"c-1\"}")).isTrue();
            assertThat(s.sameCommand("{\"id\":\"c-1\",\"x\":1}")).isFalse();
        }
    }

    @Test
    void keepsYoungKeysAndTheLastNButForgetsOldOnesBeyondN() throws Exception {
        var now = new java.util.concurrent.atomic.AtomicReference<>(Instant.parse("2026-11-25T10:00:00Z"));
        Clock clock = new Clock() {
            public ZoneOffset getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public Instant instant() { return now.get(); }
        };
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 3)) {
            for (int i = 0; i < 5; i++) c.put("k" + i, "x", b("r" + i));
            assertThat(c.size()).isEqualTo(5); // all younger than 24 h
            now.set(now.get().plus(Duration.ofHours(25)));
            c.put("k5", "x", b("r5"));
            assertThat(c.size()).isEqualTo(3); // old ones pruned down to the last 3
            assertThat(c.get("k0")).isEmpty();
            assertThat(c.get("k5")).isPresent();
        }
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 3)) {
            assertThat(c.size()).isEqualTo(3);
        }
        assertThat(Files.readAllLines(dir.resolve("command-replies.jsonl"))) // compacted at open
                .first().isEqualTo("{\"version\":2}");
        assertThat(Files.readAllLines(dir.resolve("command-replies.jsonl")).subList(1, 4)).allMatch(l -> l.startsWith("{\"k\":"));
        assertThat(Files.readAllLines(dir.resolve("command-replies.jsonl"))).hasSize(1 + 3);
    }

    @Test
    void aVersion1FileFromBeforeVersionsIsReadAndRewrittenWithAHeader() throws Exception {
        // what the releases before format versions wrote: entry lines only
        Files.writeString(dir.resolve("command-replies.jsonl"),
                "{\"k\":\"line-1/start/c-1\",\"h\":\"" + CommandReplyCache.hashOf("{\"id\":\"c-1\"}")
                        + "\",\"t\":1795600000000,\"r\":\"{\\\"id\\\":\\\"c-1\\\",\\\"ok\\\":true}\"}\n");
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1795600000000L), ZoneOffset.UTC);
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10)) {
            var s = c.get("line-1/start/c-1").orElseThrow();
            assertThat(new String(s.reply(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"c-1\",\"ok\":true}");
            assertThat(s.sameCommand("{\"id\":\"c-1\"}")).isTrue();
        }
        assertThat(Files.readAllLines(dir.resolve("command-replies.jsonl"))).first().isEqualTo("{\"version\":2}");
    }

    @Test
    void aFileFromANewerFormatIsRefusedNamingTheFileAndBothVersions() throws Exception {
        Path f = dir.resolve("command-replies.jsonl");
        Files.writeString(f, "{\"version\":99}\n{\"future\":true}\n");
        Clock clock = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10))
                .isInstanceOf(org.conveyord.state.NewerStateVersionException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("version 99")
                .hasMessageContaining("versions 1 to 2");
        assertThat(Files.readString(f)).isEqualTo("{\"version\":99}\n{\"future\":true}\n"); // not rewritten
    }

    @Test
    void aTornLastLineIsSkipped() throws Exception {
        Clock clock = Clock.systemUTC();
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10)) {
            c.put("a", "x", b("ra"));
        }
        Files.writeString(dir.resolve("command-replies.jsonl"), "{\"k\":\"b\",\"h", java.nio.file.StandardOpenOption.APPEND);
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10)) {
            assertThat(c.get("a")).isPresent();
            assertThat(c.get("b")).isEmpty();
        }
    }

    @Test
    void repliesWrittenIntoThePreallocatedSpaceSurviveACrashBeforeClose() throws Exception {
        Clock clock = Clock.systemUTC();
        var crashed = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10);
        crashed.put("node/ping/p-1", "{\"id\":\"p-1\"}", b("{\"id\":\"p-1\",\"ok\":true,\"result\":{\"note\":\"a \\\"quoted\\\" word\"}}"));
        crashed.put("node/ping/p-2", "{\"id\":\"p-2\"}", b("{\"id\":\"p-2\",\"ok\":true}"));
        // never closed: the zero-filled space after the last line stays in the file, as after a power cut
        assertThat(Files.size(dir.resolve("command-replies.jsonl"))).isGreaterThan(CommandReplyCache.PREALLOCATE_BYTES);
        try (var c = CommandReplyCache.open(dir, clock, Duration.ofHours(24), 10)) {
            assertThat(new String(c.get("node/ping/p-1").orElseThrow().reply(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"id\":\"p-1\",\"ok\":true,\"result\":{\"note\":\"a \\\"quoted\\\" word\"}}");
            assertThat(c.get("node/ping/p-2").orElseThrow().sameCommand("{\"id\":\"p-2\"}")).isTrue();
            c.put("node/ping/p-3", "{\"id\":\"p-3\"}", b("{\"id\":\"p-3\",\"ok\":true}"));
        }
        // a clean close leaves no zeros: the file ends with its last line
        assertThat(Files.readAllLines(dir.resolve("command-replies.jsonl"))).hasSize(1 + 3)
                .last().asString().startsWith("{\"k\":\"node/ping/p-3\"");
        // `crashed` stays unclosed on purpose: its close would cut the file back to its own end
    }
}
