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
import java.nio.ByteBuffer;
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
 *
 * <p>The append is the cost of every command, so it is kept small: the line is encoded by hand into a
 * reused buffer (no JSON tree), written at its offset into space zero-filled ahead of it
 * ({@link #PREALLOCATE_BYTES} at a time), and made durable with {@code fdatasync} ({@code force(false)}):
 * the file's size and blocks do not change on an append, so the sync writes the data and no metadata
 * journal entry. The zeros are cut off again at {@link #close()}; after a crash the reader stops at
 * the first NUL.
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
    /** Zero-filled ahead of the appends, enough for ~1,000 typical commands. */
    static final int PREALLOCATE_BYTES = 256 * 1024;
    private static final String HEADER_START = "{\"version\":";

    private final Path file;
    private final Clock clock;
    private final Duration minAge;
    private final int minCount;
    private final ObjectMapper mapper = new ObjectMapper();
    private final LinkedHashMap<String, Stored> entries = new LinkedHashMap<>();
    private FileChannel channel;
    /** Where the next line goes; the file is zero-filled from here to {@link #allocatedTo}. */
    private long writeAt;
    private long allocatedTo;
    private ByteBuffer line = ByteBuffer.allocateDirect(4096);
    private final StringBuilder text = new StringBuilder(512);
    private final java.nio.charset.CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();

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
        c.channel = FileChannel.open(c.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        c.writeAt = c.channel.size();
        c.allocatedTo = c.writeAt;
        return c;
    }

    public Optional<Stored> get(String key) { return Optional.ofNullable(entries.get(key)); }

    public void put(String key, String canonical, byte[] reply) {
        Stored s = new Stored(hashOf(canonical), reply, clock.millis());
        entries.remove(key);
        entries.put(key, s);
        try {
            append(key, s);
        } catch (IOException e) {
            log.error("Cannot append to {}: {}; this command's reply is remembered only until restart", file, e.toString());
        }
        prune();
    }

    public int size() { return entries.size(); }

    @Override
    public void close() {
        if (channel == null) return;
        try (FileChannel ch = channel) {
            // the zeros ahead are for appends only: a clean file at rest ends with its last line
            if (allocatedTo > writeAt) {
                ch.truncate(writeAt);
                ch.force(true);
            }
        } catch (IOException e) {
            log.warn("Closing {} failed: {}", file, e.toString());
        }
    }

    private void append(String key, Stored s) throws IOException {
        text.setLength(0);
        text.append("{\"k\":");
        quote(text, key);
        text.append(",\"h\":\"").append(s.hash()).append("\",\"t\":").append(s.atMs()).append(",\"r\":");
        quote(text, new String(s.reply(), StandardCharsets.UTF_8));
        text.append("}\n");
        int max = text.length() * 3;
        if (line.capacity() < max) line = ByteBuffer.allocateDirect(Math.max(max, line.capacity() * 2));
        line.clear();
        utf8.reset().encode(java.nio.CharBuffer.wrap(text), line, true);
        line.flip();
        int len = line.remaining();
        if (writeAt + len > allocatedTo) preallocate(writeAt + len);
        long at = writeAt;
        while (line.hasRemaining()) at += channel.write(line, at);
        channel.force(false);
        writeAt = at;
    }

    /** Zeros (real blocks, not a hole) up to at least {@code end}, and the new size made durable once. */
    private void preallocate(long end) throws IOException {
        long to = Math.max(end, allocatedTo) + PREALLOCATE_BYTES;
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (long at = allocatedTo; at < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
            at += channel.write(zeros, at);
        }
        channel.force(true);
        allocatedTo = to;
    }

    /** {@code v} as a JSON string (what Jackson writes for the same text, so lines read back alike). */
    private static void quote(StringBuilder out, String v) {
        out.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
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
            int nul = l.indexOf('\0');
            if (nul >= 0) l = l.substring(0, nul);   // the zero-filled space after the last append (a crash left it)
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
