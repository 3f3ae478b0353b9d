package org.conveyord.sim.physics;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Physics and misbehaviour settings from the config's {@code sim:} section. Keys (default, meaning):
 * <ul>
 *   <li>{@code slip} (0.05): each bag moves at belt speed x (1 +- slip), drawn once per bag</li>
 *   <li>{@code rampMs} (100): a motor's drive fraction goes 0-&gt;1 (and back) over this time</li>
 *   <li>{@code bagLengthM} (0.35), {@code bagGrams} (1000): defaults for {@code cmd/bag}</li>
 *   <li>{@code laneTravelMs} (400): from leaving the sorter to the lane's eye</li>
 *   <li>{@code flicker} (false): a blocked eye drops out for 10 ms once while a bag's middle passes</li>
 *   <li>{@code watchdogMs} (1000): heartbeat output idle this long drops motor power</li>
 *   <li>{@code scaleStableWaitMs} (3000): how long a scale's S/T/Z waits for stability before {@code S I}</li>
 *   <li>{@code seed} (random): seed for slip and scale noise, for repeatable runs</li>
 *   <li>{@code sorterRampMs} ({@code rampMs}): the sorter drive's own ramp (a bigger motor ramps slower)</li>
 * </ul>
 */
public record SimSettings(double slip, int rampMs, double bagLengthM, double bagGrams, int laneTravelMs,
                          boolean flicker, int watchdogMs, int scaleStableWaitMs, long seed, int sorterRampMs) {

    public SimSettings(double slip, int rampMs, double bagLengthM, double bagGrams, int laneTravelMs,
                       boolean flicker, int watchdogMs, int scaleStableWaitMs, long seed) {
        this(slip, rampMs, bagLengthM, bagGrams, laneTravelMs, flicker, watchdogMs, scaleStableWaitMs, seed, rampMs);
    }

    public static SimSettings defaults() {
        return from(null);
    }

    public static SimSettings from(JsonNode sim) {
        JsonNode s = sim == null || sim.isMissingNode() || sim.isNull() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : sim;
        return new SimSettings(
                s.path("slip").asDouble(0.05),
                s.path("rampMs").asInt(100),
                s.path("bagLengthM").asDouble(0.35),
                s.path("bagGrams").asDouble(1000),
                s.path("laneTravelMs").asInt(400),
                s.path("flicker").asBoolean(false),
                s.path("watchdogMs").asInt(1000),
                s.path("scaleStableWaitMs").asInt(3000),
                s.has("seed") ? s.path("seed").asLong() : System.nanoTime(),
                s.path("sorterRampMs").asInt(s.path("rampMs").asInt(100)));
    }

    public SimSettings withSlip(double newSlip) {
        return new SimSettings(newSlip, rampMs, bagLengthM, bagGrams, laneTravelMs, flicker, watchdogMs, scaleStableWaitMs, seed, sorterRampMs);
    }

    public SimSettings withFlicker(boolean on) {
        return new SimSettings(slip, rampMs, bagLengthM, bagGrams, laneTravelMs, on, watchdogMs, scaleStableWaitMs, seed, sorterRampMs);
    }

    public SimSettings withSorterRampMs(int ms) {
        return new SimSettings(slip, rampMs, bagLengthM, bagGrams, laneTravelMs, flicker, watchdogMs, scaleStableWaitMs, seed, ms);
    }
}
