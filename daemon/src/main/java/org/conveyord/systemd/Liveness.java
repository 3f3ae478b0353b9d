package org.conveyord.systemd;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Which parts of the daemon still make progress. Each part (the line's control loop, the MQTT
 * gateway thread, the device scheduler) beats from its own thread; a part whose last beat is older
 * than the allowed silence is stalled, and then the systemd watchdog is no longer fed.
 */
public final class Liveness {
    private final LongSupplier nanoClock;
    private final List<Part> parts = new CopyOnWriteArrayList<>();

    public Liveness() { this(System::nanoTime); }

    Liveness(LongSupplier nanoClock) { this.nanoClock = nanoClock; }

    /** A new part, counted as alive from now on. */
    public Part part(String name) {
        Part p = new Part(name);
        p.beat();
        parts.add(p);
        return p;
    }

    /** The names of the parts silent for longer than {@code maxSilenceNanos}; empty when all progress. */
    public List<String> stalled(long maxSilenceNanos) {
        long now = nanoClock.getAsLong();
        return parts.stream().filter(p -> now - p.lastBeat > maxSilenceNanos).map(p -> p.name).toList();
    }

    public final class Part {
        private final String name;
        private volatile long lastBeat;

        private Part(String name) { this.name = name; }

        public String name() { return name; }

        /** Called by the part's own thread each time round its loop. */
        public void beat() { lastBeat = nanoClock.getAsLong(); }
    }
}
