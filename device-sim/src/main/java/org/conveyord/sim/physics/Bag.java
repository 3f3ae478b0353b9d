package org.conveyord.sim.physics;

import org.conveyord.config.LineConfig;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** One bag on its way from a station to a lane; mutated only by {@link LineWorld} under its lock. */
final class Bag {
    final String id;
    final double lengthM;
    final double grams;
    final double slip;
    final boolean noRead;
    final LineConfig.Station station;
    final Set<String> flickered = new HashSet<>();
    String segment;
    String prev;
    double front;
    double lastSpeed;
    boolean scanned;
    String at;
    String lane;
    int laneLoad;
    Instant since;
    long laneEyeFrom;
    long laneRestNanos;

    Bag(String id, double lengthM, double grams, double slip, boolean noRead, LineConfig.Station station) {
        this.id = id;
        this.lengthM = lengthM;
        this.grams = grams;
        this.slip = slip;
        this.noRead = noRead;
        this.station = station;
    }
}
