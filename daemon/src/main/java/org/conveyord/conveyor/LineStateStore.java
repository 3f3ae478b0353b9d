package org.conveyord.conveyor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.state.NewerStateVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Orders and lane reservations of one line on disk, so that a restart (clean or {@code kill -9})
 * loses no order and frees no reserved lane. Each save writes the whole (small) snapshot to a
 * temporary file, fsyncs it and renames it over the last one: a crash leaves either the old or the
 * new snapshot, never a torn one. Saves run on a writer thread; a burst coalesces into the newest
 * snapshot. Tracked bags are not saved on purpose: after a restart nobody can vouch for what sits
 * on an eye, so it goes to exception as unknown-after-restart.
 */
final class LineStateStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LineStateStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The format this code writes; it reads every version up to it. */
    static final int FORMAT_VERSION = 1;

    record Snapshot(List<OrderRecord> orders, List<LaneRecord> lanes) {}

    record OrderRecord(String id, List<OrderBook.OrderBag> bags, String requestedDest, String cmdId, String lane,
                       List<String> arrived, boolean complete) {}

    /** {@code check}: a stranger arrived in the lane and staff have not confirmed it yet (absent in older files: false). */
    record LaneRecord(String id, String order, List<String> bags, boolean check) {
        LaneRecord(String id, String order, List<String> bags) {
            this(id, order, bags, false);
        }
    }

    private final Path file;
    private final ExecutorService writer;
    private final AtomicReference<String> pending = new AtomicReference<>();
    private volatile CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);

    /** Refuses (before any pin is claimed) a file from a newer format it would misread. */
    LineStateStore(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try {
                checkVersion(JSON.readTree(file.toFile()));
            } catch (IOException e) {
                // unreadable: load() says so and starts without it, as before versions
            }
        }
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "line-state-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues the snapshot; the returned future completes once it (or a newer one) is on disk. */
    synchronized CompletableFuture<Void> save(Snapshot s) {
        pending.set(toJson(s));
        lastWrite = CompletableFuture.runAsync(this::writePending, writer);
        return lastWrite;
    }

    /** Queues the line's orders and lane reservations as they are now. */
    void save(OrderBook orders, Collection<LaneState> lanes) {
        List<OrderRecord> os = new ArrayList<>();
        for (OrderBook.Order o : orders.all()) {
            os.add(new OrderRecord(o.id, o.bags, o.requestedDest, o.cmdId, o.lane, List.copyOf(o.arrived), o.complete));
        }
        List<LaneRecord> ls = new ArrayList<>();
        for (LaneState l : lanes) ls.add(new LaneRecord(l.id, l.order, List.copyOf(l.bags), l.check));
        save(new Snapshot(os, ls));
    }

    /** Puts the last run's orders and lane reservations back; a lane no longer configured loses its reservation. */
    void restoreInto(String lineId, OrderBook orders, Map<String, LaneState> lanes, long nowNanos) {
        load().ifPresent(snap -> {
            for (OrderRecord o : snap.orders()) {
                orders.restore(o.id(), o.bags(), o.requestedDest(), o.cmdId(), o.lane(), o.arrived(), o.complete(), nowNanos);
            }
            for (LaneRecord lr : snap.lanes()) {
                LaneState l = lanes.get(lr.id());
                if (l == null) {
                    log.warn("{}: saved lane {} is no longer configured; its reservation is dropped", lineId, lr.id());
                    continue;
                }
                l.order = lr.order();
                l.bags.addAll(lr.bags());
                l.check = lr.check();
            }
            log.info("{}: restored {} orders and {} reserved lanes from the last run", lineId, snap.orders().size(),
                    snap.lanes().stream().filter(l -> l.order() != null).count());
        });
    }

    CompletableFuture<Void> flushed() {
        return lastWrite;
    }

    private void writePending() {
        String json = pending.getAndSet(null);
        if (json == null) return;   // a newer save already wrote it
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            log.error("could not save the line state to {}: {}; orders placed since the last save would be lost on a crash",
                    file, e.getMessage());
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The last saved snapshot; empty when there is none or it cannot be read (said in the log). */
    Optional<Snapshot> load() {
        if (!Files.exists(file)) return Optional.empty();
        try {
            return Optional.of(fromJson(JSON.readTree(file.toFile())));
        } catch (NewerStateVersionException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            log.error("line state {} is unreadable ({}); starting without saved orders and lane reservations", file, e.getMessage());
            return Optional.empty();
        }
    }

    private static String toJson(Snapshot s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", FORMAT_VERSION);
        ArrayNode orders = root.putArray("orders");
        for (OrderRecord o : s.orders()) {
            ObjectNode n = orders.addObject();
            n.put("id", o.id());
            ArrayNode bags = n.putArray("bags");
            for (OrderBook.OrderBag b : o.bags()) {
                ObjectNode bn = bags.addObject().put("bag", b.bag());
                if (b.grams() != null) bn.put("grams", b.grams());
            }
            n.put("requestedDest", o.requestedDest());
            n.put("cmdId", o.cmdId());
            n.put("lane", o.lane());
            ArrayNode arrived = n.putArray("arrived");
            o.arrived().forEach(arrived::add);
            n.put("complete", o.complete());
        }
        ArrayNode lanes = root.putArray("lanes");
        for (LaneRecord l : s.lanes()) {
            ObjectNode n = lanes.addObject().put("id", l.id()).put("order", l.order());
            if (l.check()) n.put("check", true);
            ArrayNode bags = n.putArray("bags");
            l.bags().forEach(bags::add);
        }
        return root.toString();
    }

    /** The files of the releases before versions already said {@code "version": 1}; none at all is 1 too. */
    private void checkVersion(JsonNode root) {
        NewerStateVersionException.check(file, root.path("version").asInt(1), FORMAT_VERSION,
                "the saved orders and lane reservations");
    }

    private Snapshot fromJson(JsonNode root) {
        checkVersion(root);
        List<OrderRecord> orders = new ArrayList<>();
        for (JsonNode n : root.path("orders")) {
            List<OrderBook.OrderBag> bags = new ArrayList<>();
            for (JsonNode b : n.path("bags")) {
                bags.add(new OrderBook.OrderBag(b.path("bag").asText(), b.has("grams") ? b.get("grams").asDouble() : null));
            }
            List<String> arrived = new ArrayList<>();
            n.path("arrived").forEach(a -> arrived.add(a.asText()));
            orders.add(new OrderRecord(n.path("id").asText(), bags, text(n, "requestedDest"), text(n, "cmdId"),
                    text(n, "lane"), arrived, n.path("complete").asBoolean()));
        }
        List<LaneRecord> lanes = new ArrayList<>();
        for (JsonNode n : root.path("lanes")) {
            List<String> bags = new ArrayList<>();
            n.path("bags").forEach(b -> bags.add(b.asText()));
            lanes.add(new LaneRecord(n.path("id").asText(), text(n, "order"), bags, n.path("check").asBoolean(false)));
        }
        return new Snapshot(orders, lanes);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public void close() {
        try {
            lastWrite.get(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("line state: last save did not finish: {}", e.toString());
        }
        writer.shutdown();
    }
}
