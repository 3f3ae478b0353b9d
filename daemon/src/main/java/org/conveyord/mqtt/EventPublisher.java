package org.conveyord.mqtt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.device.EventSink;
import org.conveyord.node.NodeDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code event/<device>/<type>}: gives each event its seq, writes its JSON and appends it to the
 * outbox, which the gateway's pump sends in order. Any thread may emit; seq assignment and the
 * append happen together under one lock, so the outbox is in seq order. This is the hot path (tens
 * of thousands of events a second in the benchmark): one reused JSON generator and a timestamp
 * formatted once per millisecond. Events the outbox drops at its cap are reported as one
 * {@code node/events-dropped} per run of drops.
 */
final class EventPublisher {

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Set<String> ENVELOPE = Set.of("id", "seq", "ts", "device", "type", "cmdId");
    /** No separator between root values: each event is taken out of the buffer on its own. */
    private static final JsonFactory EVENT_JSON = new JsonFactoryBuilder().rootValueSeparator((String) null).build();

    /** Opens the outbox with this publisher's drop listener (the outbox reports drops on the appending thread). */
    @FunctionalInterface
    interface OutboxOpener {
        Outbox open(Outbox.DropListener onDrop) throws IOException;
    }

    private final String base;
    private final String eventIdPrefix;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final SeqStore seqStore;
    private final Outbox outbox;
    private final GatewayLoop loop;

    // seq assignment and outbox append happen together, so the outbox is in seq order
    private final Object eventLock = new Object();
    // guarded by eventLock
    private JsonGenerator eventGen;
    private ByteArrayBuilder eventOut;
    private long eventTsMillis = Long.MIN_VALUE;
    private String eventTsText;

    private final AtomicBoolean pumpQueued = new AtomicBoolean();

    // filled by the outbox's drop listener, which may run inside eventLock or on the gateway thread
    private final Object dropLock = new Object();
    private long droppedFrom = -1;
    private long droppedTo = -1;
    private final AtomicLong eventsDropped = new AtomicLong();

    EventPublisher(String base, String eventIdPrefix, Clock clock, ObjectMapper mapper, SeqStore seqStore,
                   OutboxOpener openOutbox, GatewayLoop loop) throws IOException {
        this.base = base;
        this.eventIdPrefix = eventIdPrefix;
        this.clock = clock;
        this.mapper = mapper;
        this.seqStore = seqStore;
        this.loop = loop;
        this.outbox = openOutbox.open(this::onOutboxDrop);
    }

    EventSink sink() { return this::emit; }

    Outbox outbox() { return outbox; }

    long eventsDropped() { return eventsDropped.get(); }

    /** Any thread. Returns the event's seq (spent even when the outbox could not take it). */
    long emit(String device, String type, Map<String, Object> fields, String cmdId) {
        long seq;
        synchronized (eventLock) {
            seq = seqStore.next();
            byte[] payload;
            try {
                payload = eventJson(seq, device, type, fields, cmdId);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("event " + device + "/" + type + " has fields JSON cannot hold: " + e.getMessage(), e);
            }
            try {
                outbox.append(base + "/event/" + device + "/" + type, payload, null);
                seqStore.stored(seq);
            } catch (RuntimeException e) {
                // disk full or gone, or emitted after stop(): the seq is spent, so report it as dropped
                seqStore.stored(seq);
                log.error("Event {}/{} seq {} could not be stored in the outbox: {}", device, type, seq, e.getMessage());
                noteDropped(seq);
                return seq;
            }
        }
        // one queued pump for any number of events appended meanwhile (at 20,000 events/s a hop each would be wasted)
        if (pumpQueued.compareAndSet(false, true)) {
            loop.hop(() -> {
                pumpQueued.set(false);
                loop.pump();
            });
        }
        return seq;
    }

    /**
     * The event envelope and fields, written straight to bytes (no tree: this runs for every event,
     * inside the event lock). A field named like an envelope key replaces it, as it always did.
     */
    private byte[] eventJson(long seq, String device, String type, Map<String, Object> fields, String cmdId) throws IOException {
        if (fields != null && !Collections.disjoint(fields.keySet(), ENVELOPE)) {
            ObjectNode n = mapper.createObjectNode();
            n.put("id", eventIdPrefix + seq);
            n.put("seq", seq);
            n.put("ts", TS.format(clock.instant()));
            n.put("device", device);
            n.put("type", type);
            fields.forEach((k, v) -> n.set(k, mapper.valueToTree(v)));
            if (cmdId != null) n.put("cmdId", cmdId);
            return mapper.writeValueAsBytes(n);
        }
        // one generator for every event (inside the event lock), writing into one buffer: creating a
        // generator per event was the biggest cost of emit()
        if (eventGen == null) {
            eventOut = new ByteArrayBuilder(512);
            eventGen = EVENT_JSON.createGenerator(eventOut);
            eventGen.setCodec(mapper);
        }
        var g = eventGen;
        eventOut.reset();
        try {
            g.writeStartObject();
            g.writeStringField("id", eventIdPrefix + seq);
            g.writeNumberField("seq", seq);
            g.writeStringField("ts", eventTs());
            g.writeStringField("device", device);
            g.writeStringField("type", type);
            if (fields != null) {
                for (Map.Entry<String, Object> f : fields.entrySet()) {
                    g.writeFieldName(f.getKey());
                    switch (f.getValue()) {
                        case null -> g.writeNull();
                        case String v -> g.writeString(v);
                        case Integer v -> g.writeNumber(v);
                        case Long v -> g.writeNumber(v);
                        case Boolean v -> g.writeBoolean(v);
                        default -> mapper.writeValue(g, f.getValue());
                    }
                }
            }
            if (cmdId != null) g.writeStringField("cmdId", cmdId);
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException e) {
            eventGen = null; // half an object written: start the next event on a fresh generator
            throw e;
        }
        return eventOut.toByteArray();
    }

    /** The event time as text, formatted once per millisecond. Inside eventLock. */
    private String eventTs() {
        long now = clock.millis();
        if (now != eventTsMillis) {
            eventTsText = TS.format(Instant.ofEpochMilli(now));
            eventTsMillis = now;
        }
        return eventTsText;
    }

    /** Called by the outbox at its cap, on the appending thread (inside {@link #emit}'s lock or on the gateway thread). */
    private void onOutboxDrop(Outbox.Entry e) {
        if (!e.topic().startsWith(base + "/event/")) return;
        long seq;
        try {
            seq = mapper.readTree(e.payload()).path("seq").asLong(-1);
        } catch (IOException ex) {
            return;
        }
        noteDropped(seq);
    }

    private void noteDropped(long seq) {
        eventsDropped.incrementAndGet();
        synchronized (dropLock) {
            if (droppedFrom < 0 || seq < droppedFrom) droppedFrom = seq;
            droppedTo = Math.max(droppedTo, seq);
        }
        loop.hop(this::reportDrops);
    }

    /** One {@code events-dropped} per run of drops (the hops queued by further drops find nothing left). */
    private void reportDrops() {
        if (loop.isStopping()) return;
        long from;
        long to;
        synchronized (dropLock) {
            if (droppedFrom < 0) return;
            from = droppedFrom;
            to = droppedTo;
            droppedFrom = droppedTo = -1;
        }
        log.error("Outbox full ({} MiB on disk): dropped the oldest events, seq {}..{}", outbox.bytesOnDisk() >> 20, from, to);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fromSeq", from);
        f.put("toSeq", to);
        emit(NodeDevice.ID, "events-dropped", f, null);
    }
}
