package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalIn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** A lane (or the exception lane) at run time. Owned by the control thread. */
final class LaneState {
    final LineConfig.Lane cfg;
    final String id;
    final DigitalIn eye;
    final DigitalIn fullEye;        // may be null
    final ArrayDeque<TrackedBag> inFlight = new ArrayDeque<>();   // diverted, not yet seen at the lane eye
    final List<String> bags = new ArrayList<>();                  // arrived, waiting for collect
    String order;                   // reserved for this order until collect
    boolean fullEyeActive;

    LaneState(LineConfig.Lane cfg, DigitalIn eye, DigitalIn fullEye) {
        this.cfg = cfg;
        this.id = cfg.id();
        this.eye = eye;
        this.fullEye = fullEye;
    }

    boolean full() {
        return fullEyeActive || bags.size() + inFlight.size() >= cfg.capacityOrDefault();
    }
}
