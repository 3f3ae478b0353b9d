package org.conveyord.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.state.NewerStateVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The replies of executed commands by idempotency key (device/action/id), so a redelivery is answered
 * with the original reply instead of running again. Keeps every key younger than {@code minAge} and
 * at least the last {@code minCount} keys. Persisted as JSON lines in {@code <dir>/command-replies.jsonl}
 * (one fsync'd append per command) after a {@code {"version":2}} header line, compacted when opened. Not thread-safe: the gateway thread owns it.
 */
public final class CommandReplyCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommandReplyCache.class);

    /** @param hash SHA-256 of the command without ts in {@link CanonicalJson} form; a different one is a CONFLICT */
    public record Stored(String hash, byte[] reply, long atMs) {
        public boolean sameCommand(String canonical) { return hash.equals(hashOf(canonical)); }
    }

    /** Hex SHA-256: the cache keeps hashes, not payloads (a label's ZPL can be 64 KiB). */
    public static String hashOf(String canonical) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The format this code writes (version 2: version 1 with a header line); it reads every version up to it. */
    static final int FORMAT_VERSION = 2;
    private static final String HEADER_START = "{\"version\":";

    private final Path file;
    private final Clock clock;
    private final Duration minAge;
    private final int minCount;
    private final ObjectMapper mapper = new ObjectMapper();
    private final LinkedHashMap<String, Stored> entries = new LinkedHashMap<>();
    private FileChannel channel;
    private BufferedWriter writer;

    private CommandReplyCache(Path file, Clock clock, Duration minAge, int minCount) {
        this.file = file;
        this.clock = clock;
        this.minAge = minAge;
        this.minCount = minCount;
    }

    public static CommandReplyCache open(Path dir, Clock clock, Duration minAge, int minCount) throws IOException {
        Files.createDirectories(dir);
        CommandReplyCache c = new CommandReplyCache(dir.resolve("command-replies.jsonl"), clock, minAge, minCount);
        c.load();
        c.prune();
        c.compact();
        c.channel = FileChannel.open(c.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        c.writer = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(c.channel), StandardCharsets.UTF_8));
        return c;
    }

    public Optional<Stored> get(String key) { return Optional.ofNullable(entries.get(key)); }

    public void put(String key, String canonical, byte[] reply) {
        Stored s = new Stored(hashOf(canonical), reply, clock.millis());
        entries.remove(key);
        entries.put(key, s);
        try {
            writer.write(line(key, s));
            writer.newLine();
            writer.flush();
            channel.force(false);
        } catch (IOException e) {
            log.error("Cannot append to {}: {}; this command's reply is remembered only until restart", file, e.toString());
        }
        prune();
    }

    public int size() { return entries.size(); }

    @Override
    public void close() {
        try {
            if (writer != null) writer.close();
        } catch (IOException e) {
            log.warn("Closing {} failed: {}", file, e.toString());
        }
    }

    private void prune() {
        long oldestKept = clock.millis() - minAge.toMillis();
        Iterator<Stored> it = entries.values().iterator();
        while (entries.size() > minCount && it.hasNext()) {
            if (it.next().atMs() >= oldestKept) break;
            it.remove();
        }
    }

    private void load() throws IOException {
        if (!Files.exists(file)) return;
        int bad = 0;
        boolean first = true;
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (l.isBlank()) continue;
            if (first) {
                first = false;
                if (l.startsWith(HEADER_START)) {
                    checkVersion(l);
                    continue;
                }
            }
            try {
                JsonNode n = mapper.readTree(l);
                String key = n.get("k").asText();
                entries.remove(key);
                entries.put(key, new Stored(n.get("h").asText(), n.get("r").asText().getBytes(StandardCharsets.UTF_8),
                        n.get("t").asLong()));
            } catch (IOException | RuntimeException e) {
                bad++; // a torn last line after a power cut
            }
        }
        if (bad > 0) log.warn("Skipped {} unreadable lines in {} (a write cut short by a crash or power loss)", bad, file);
    }

    /** The header line: {@code {"version":N}}. A file without one is version 1 (before versions). */
    private void checkVersion(String header) throws IOException {
        JsonNode v;
        try {
            v = mapper.readTree(header).get("version");
        } catch (IOException e) {
            v = null;
        }
        if (v == null || !v.canConvertToInt()) {
            throw new IOException(file + " line 1: '" + header + "', expected {\"version\":N} with N a whole number");
        }
        NewerStateVersionException.check(file, v.asInt(), FORMAT_VERSION,
                "the remembered replies (a command redelivered within 24 h would run again)");
    }

    private void compact() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        List<String> lines = new ArrayList<>(entries.size());
        for (Map.Entry<String, Stored> e : entries.entrySet()) lines.add(line(e.getKey(), e.getValue()));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8))) {
            w.write(HEADER_START + FORMAT_VERSION + "}");
            w.newLine();
            for (String l : lines) {
                w.write(l);
                w.newLine();
            }
            w.flush();
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String line(String key, Stored s) {
        ObjectNode n = mapper.createObjectNode();
        n.put("k", key);
        n.put("h", s.hash());
        n.put("t", s.atMs());
        n.put("r", new String(s.reply(), StandardCharsets.UTF_8));
        return n.toString();
    }
}
