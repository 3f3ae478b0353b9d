package org.conveyord.printer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.state.NewerStateVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A print queue that survives a daemon restart or power cut: every change is appended to
 * {@code <stateDir>/printer-<id>.jobs} (after a {@code {"version":2}} header line) as one JSON line
 * and forced to disk before the call returns
 * (an accepted job is on disk before the {@code print} reply goes out). On open the log is replayed;
 * a torn last line (power cut mid-write) is skipped with a warning, nothing before it is lost. The log
 * is rewritten (to a temp file, then renamed) when it holds far more lines than live state.
 * <p>
 * Not thread-safe: the printer calls it under its lock. A disk error is an {@link UncheckedIOException}:
 * the printer refuses the job rather than pretend it is safe.
 */
public final class FilePrintQueue extends InMemoryPrintQueue {

    private static final Logger log = LoggerFactory.getLogger(FilePrintQueue.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMPACT_OVER = 2_000;
    /** The format this code writes (version 2: version 1 with a header line); it reads every version up to it. */
    static final int FORMAT_VERSION = 2;

    private final Path file;
    private FileChannel out;
    private int lines;

    public FilePrintQueue(Path stateDir, String printerId) {
        this.file = stateDir.resolve("printer-" + printerId + ".jobs");
        try {
            Files.createDirectories(stateDir);
            boolean fresh = !Files.exists(file) || Files.size(file) == 0;
            if (!fresh) replay();
            out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            if (fresh) append(header());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the print queue " + file + ": " + e.getMessage(), e);
        }
        if (size() > 0) log.info("print queue {}: {} job(s) from before the restart", file, size());
    }

    public Path file() {
        return file;
    }

    private void replay() throws IOException {
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < all.size(); i++) {
            String line = all.get(i);
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                if (i == 0 && line.startsWith("{\"version\"")) {
                    throw new IOException(file + " line 1: '" + line + "', expected {\"version\":N} with N a whole number");
                }
                log.warn("print queue {}: line {} is unreadable (torn by a power cut?) and skipped", file, i + 1);
                continue;
            }
            if (i == 0 && n.has("version")) {
                NewerStateVersionException.check(file, n.path("version").asInt(), FORMAT_VERSION,
                        "the queued labels (their orders would need printing again)");
                continue;
            }
            String job = n.path("job").asText();
            switch (n.path("op").asText()) {
                case "add" -> restore(new Entry(new PrintJob(job, n.path("zpl").asText(),
                        n.path("cmdId").isNull() ? null : n.path("cmdId").asText(null),
                        Instant.parse(n.path("deadline").asText())), State.QUEUED, -1));
                case "state" -> entry(job).ifPresent(e -> restore(new Entry(e.job(),
                        State.valueOf(n.path("state").asText()), n.path("expect").asLong(-1))));
                case "done" -> {
                    super.finish(job, Outcome.valueOf(n.path("outcome").asText()));
                }
                default -> log.warn("print queue {}: line {} has unknown op and is skipped", file, i + 1);
            }
        }
        lines = all.size();
    }

    @Override
    public void add(PrintJob job) {
        ObjectNode n = JSON.createObjectNode().put("op", "add").put("job", job.job()).put("zpl", job.zpl())
                .put("cmdId", job.cmdId()).put("deadline", job.deadline().toString());
        append(n);
        super.add(job);
    }

    @Override
    public void update(String job, State state, long expectOdometer) {
        append(JSON.createObjectNode().put("op", "state").put("job", job).put("state", state.name()).put("expect", expectOdometer));
        super.update(job, state, expectOdometer);
    }

    @Override
    public void finish(String job, Outcome outcome) {
        append(JSON.createObjectNode().put("op", "done").put("job", job).put("outcome", outcome.name()));
        super.finish(job, outcome);
        if (lines > COMPACT_OVER && lines > 4 * (size() + outcomes().size() / 8)) compact();
    }

    /** The first line; a file without one is version 1 (before versions), read the same way. */
    private static ObjectNode header() {
        return JSON.createObjectNode().put("version", FORMAT_VERSION);
    }

    private void append(ObjectNode n) {
        try {
            out.write(ByteBuffer.wrap((n.toString() + "\n").getBytes(StandardCharsets.UTF_8)));
            out.force(false);
            lines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the print queue " + file + ": " + e.getMessage(), e);
        }
    }

    /** Rewrites the log as the live jobs plus remembered outcomes. */
    private void compact() {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder sb = new StringBuilder().append(header()).append('\n');
        int n = 1;
        for (Map.Entry<String, Outcome> d : outcomes().entrySet()) {
            sb.append(JSON.createObjectNode().put("op", "done").put("job", d.getKey()).put("outcome", d.getValue().name())).append('\n');
            n++;
        }
        for (Entry e : entries()) {
            PrintJob j = e.job();
            sb.append(JSON.createObjectNode().put("op", "add").put("job", j.job()).put("zpl", j.zpl()).put("cmdId", j.cmdId())
                    .put("deadline", j.deadline().toString())).append('\n');
            sb.append(JSON.createObjectNode().put("op", "state").put("job", j.job()).put("state", e.state().name())
                    .put("expect", e.expectOdometer())).append('\n');
            n += 2;
        }
        try {
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                c.write(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
                c.force(true);
            }
            out.close();
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            lines = n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compact the print queue " + file + ": " + e.getMessage(), e);
        }
    }

    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", file, e.toString());
        }
    }
}
