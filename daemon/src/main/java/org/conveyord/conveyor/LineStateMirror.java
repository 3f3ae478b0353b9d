package org.conveyord.conveyor;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The line's {@code state/<line>} as plain fields and preallocated arrays, so the control thread
 * can copy its state after every step without allocating, and the MQTT thread builds the JSON map
 * (and all its garbage) on its own time. A seqlock keeps the two apart: the control thread makes
 * {@code version} odd while it writes and even when done; a reader retries until it saw one even
 * version before and after its copy. Torn reads are thrown away, never published.
 *
 * <p>Arrays grow only when a zone or lane holds more bags than ever before (rare; a lane is
 * bounded by its capacity in practice).
 */
final class LineStateMirror {
    private volatile long version;

    // scalars, written by the control thread between begin() and end()
    boolean running, starting, stopping, estop, estopLatched, resetRequired, ioConnected, horn;
    boolean green, yellow, red, blue;
    double speedMps;
    int bagsInTransit, ordersOpen;
    List<String> faults = List.of();   // an immutable list, replaced only when the faults change
    private Map<String, Object> maintenanceIo;   // null: not in maintenance mode; else built once per step, never changed after

    final String[] zoneIds;
    final boolean[] zoneOccupied, zoneMotor, zoneJammed;
    final long[] zoneTransitMs;        // -1: no transit measured yet
    final String[] zoneHeldFor;
    final String[][] zoneBags;
    final int[] zoneBagCount;

    final String[] laneIds;
    final String[] laneOrder;
    final String[][] laneBags;
    final int[] laneBagCount;
    final boolean[] laneFull;
    final boolean[] laneCheck;
    // the sorter's bags, first off the end first: those on the belt, the one at its entry eye, those on their way to it
    String[] sorterBags = new String[8];
    String[] sorterDest = new String[8];   // null: not decided yet
    int sorterBagCount;
    private TrackedBag[] scratch = new TrackedBag[16];   // control thread: the bags of one queue at a time

    LineStateMirror(List<String> zones, List<String> lanes, int laneCapacity) {
        zoneIds = zones.toArray(String[]::new);
        int z = zoneIds.length;
        zoneOccupied = new boolean[z];
        zoneMotor = new boolean[z];
        zoneJammed = new boolean[z];
        zoneTransitMs = new long[z];
        zoneHeldFor = new String[z];
        zoneBags = new String[z][4];
        zoneBagCount = new int[z];
        laneIds = lanes.toArray(String[]::new);
        int l = laneIds.length;
        laneOrder = new String[l];
        laneBags = new String[l][Math.max(4, laneCapacity)];
        laneBagCount = new int[l];
        laneFull = new boolean[l];
        laneCheck = new boolean[l];
    }

    /** Control thread: before writing. */
    void begin() {
        version = version + 1;        // odd: a write is under way
        VarHandle.storeStoreFence();
    }

    /** Control thread: after writing. */
    void end() {
        VarHandle.storeStoreFence();
        version = version + 1;        // even again
    }

    /** Control thread: zone {@code i} holds the first {@code n} bags of {@code bags}. */
    void zoneBags(int i, TrackedBag[] bags, int n) {
        String[] a = zoneBags[i];
        if (n > a.length) a = zoneBags[i] = Arrays.copyOf(a, n * 2);
        for (int k = 0; k < n; k++) a[k] = bags[k].id;
        zoneBagCount[i] = n;
    }

    void laneBags(int i, List<String> bags) {
        String[] a = laneBags[i];
        if (bags.size() > a.length) a = laneBags[i] = Arrays.copyOf(a, bags.size() * 2);
        for (int n = 0; n < bags.size(); n++) a[n] = bags.get(n);
        laneBagCount[i] = bags.size();
    }

    /** Control thread, between begin() and end(): the four lamps as the stack light last set them. */
    void stackLight(StackLight light) {
        green = light.green();
        yellow = light.yellow();
        red = light.red();
        blue = light.blue();
    }

    /** Control thread: the faults list is replaced only when it changed. */
    void faults(List<String> current) {
        if (faults.size() == current.size()) {
            boolean same = true;
            for (int i = 0; i < current.size() && same; i++) same = current.get(i).equals(faults.get(i));
            if (same) return;
        }
        faults = List.copyOf(current);
    }

    /**
     * Control thread: copies the tracked line (speed, zones, lanes, bags in transit, open orders)
     * without allocating: each queue fills a scratch array in place.
     */
    void copyLine(LineModel line) {
        speedMps = line.speed;
        int inTransit = 0;
        ZoneState[] zones = line.zoneArray();
        for (int i = 0; i < zones.length; i++) {
            ZoneState z = zones[i];
            zoneOccupied[i] = z.occupied();
            zoneMotor[i] = z.motor.isActive();
            zoneJammed[i] = z.jammed;
            zoneTransitMs[i] = z.transitSamples > 0 ? z.transitEwmaNanos / 1_000_000 : -1;
            zoneHeldFor[i] = z.heldFor;
            int n = z.bags.size();
            if (n > scratch.length) scratch = new TrackedBag[n * 2];
            z.bags.toArray(scratch);
            zoneBags(i, scratch, n);
            inTransit += n;
        }
        SorterBelt sorter = line.sorter;
        inTransit += sorter.incoming.size() + sorter.belt.size() + (sorter.atEntry != null ? 1 : 0);
        copySorter(sorter);
        LaneState[] lanes = line.laneArray();
        for (int i = 0; i < lanes.length; i++) {
            LaneState l = lanes[i];
            int n = l.inFlight.size();
            if (n > scratch.length) scratch = new TrackedBag[n * 2];
            l.inFlight.toArray(scratch);
            for (int k = 0; k < n; k++) if (!sorter.carries(scratch[k])) inTransit++;
            laneOrder[i] = l.order;
            laneBags(i, l.bags);
            laneFull[i] = l.full();
            laneCheck[i] = l.check;
        }
        bagsInTransit = inTransit;
        ordersOpen = line.orders.size();
    }

    /** Control thread: maintenance mode's inputs, outputs and holds ({@link MaintenanceMode#ioState}), null while off. */
    void maintenance(Map<String, Object> io) {
        maintenanceIo = io;
    }

    private void copySorter(SorterBelt sorter) {
        int n = sorter.belt.size() + sorter.incoming.size() + (sorter.atEntry != null ? 1 : 0);
        if (n > sorterBags.length) {
            sorterBags = new String[n * 2];
            sorterDest = new String[n * 2];
        }
        int k = 0;
        for (int i = 0; i < sorter.belt.size(); i++) k = sorterBag(k, sorter.belt.get(i).bag);
        if (sorter.atEntry != null) k = sorterBag(k, sorter.atEntry);
        int m = sorter.incoming.size();
        if (m > scratch.length) scratch = new TrackedBag[m * 2];
        sorter.incoming.toArray(scratch);
        for (int i = 0; i < m; i++) k = sorterBag(k, scratch[i]);
        sorterBagCount = k;
    }

    private int sorterBag(int k, TrackedBag b) {
        sorterBags[k] = b.id;
        sorterDest[k] = b.dest;
        return k + 1;
    }

    /**
     * Any thread: a consistent copy as the map {@code state/<line>} publishes, or null when the
     * control thread kept writing through every attempt (the caller then asks the control thread).
     */
    Map<String, Object> read(int attempts) {
        for (int a = 0; a < attempts; a++) {
            long v1 = version;
            if ((v1 & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            Map<String, Object> m;
            try {
                m = copy();
            } catch (RuntimeException torn) {
                continue;   // a count and its array read in the middle of a write
            }
            VarHandle.loadLoadFence();
            if (version == v1) return m;
        }
        return null;
    }

    /** A lane waiting for staff after a stranger arrived is a fault too, cleared by confirm or collect (not reset). */
    private List<String> withLaneChecks() {
        List<String> all = null;
        for (int i = 0; i < laneIds.length; i++) {
            if (!laneCheck[i]) continue;
            if (all == null) all = new ArrayList<>(faults);
            all.add("lane-unexpected-arrival " + laneIds[i]);
        }
        return all == null ? faults : List.copyOf(all);
    }

    private Map<String, Object> copy() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("running", running);
        m.put("starting", starting);
        m.put("stopping", stopping);
        m.put("estop", estop);
        m.put("estopLatched", estopLatched);
        m.put("horn", horn);
        m.put("resetRequired", resetRequired);
        Map<String, Object> io = maintenanceIo;
        m.put("maintenance", io != null);
        if (io != null) m.putAll(io);   // inputs, outputs, holds
        m.put("faults", withLaneChecks());
        m.put("speedMps", speedMps);
        List<Map<String, Object>> zs = new ArrayList<>(zoneIds.length);
        for (int i = 0; i < zoneIds.length; i++) {
            Map<String, Object> zm = new LinkedHashMap<>();
            zm.put("id", zoneIds[i]);
            zm.put("occupied", zoneOccupied[i]);
            zm.put("motor", zoneMotor[i]);
            zm.put("jammed", zoneJammed[i]);
            if (zoneTransitMs[i] >= 0) zm.put("transitMs", zoneTransitMs[i]);
            if (zoneHeldFor[i] != null) zm.put("heldForFullLane", zoneHeldFor[i]);
            zm.put("bags", List.of(Arrays.copyOf(zoneBags[i], zoneBagCount[i])));
            zs.add(zm);
        }
        m.put("zones", zs);
        List<Map<String, Object>> sb = new ArrayList<>(sorterBagCount);
        for (int i = 0; i < sorterBagCount; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("id", sorterBags[i]);
            b.put("dest", sorterDest[i]);
            sb.add(b);
        }
        m.put("sorter", Map.of("bags", sb));
        m.put("bagsInTransit", bagsInTransit);
        List<Map<String, Object>> ls = new ArrayList<>(laneIds.length);
        for (int i = 0; i < laneIds.length; i++) {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("id", laneIds[i]);
            lm.put("order", laneOrder[i]);
            lm.put("bags", List.of(Arrays.copyOf(laneBags[i], laneBagCount[i])));
            lm.put("full", laneFull[i]);
            lm.put("check", laneCheck[i]);
            ls.add(lm);
        }
        m.put("lanes", ls);
        // the open orders themselves are not state: only how many there are (a rush has hundreds)
        m.put("ordersOpen", ordersOpen);
        Map<String, Object> light = new LinkedHashMap<>();
        light.put("green", green);
        light.put("yellow", yellow);
        light.put("red", red);
        light.put("blue", blue);
        m.put("stackLight", light);
        m.put("io", ioConnected ? "connected" : "lost");
        return m;
    }
}
