package org.conveyord.sim.physics;

import org.conveyord.config.PinConfig;

/** One stretch of the path a bag rides on: a zone, or the sorter belt. */
final class Segment {
    final String id;
    final double length;
    final PinConfig motor;
    final String next;
    final boolean sorter;
    final double eyeAt;
    final PinConfig eye;
    final String scale;

    Segment(String id, double length, PinConfig motor, String next, boolean sorter, double eyeAt, PinConfig eye,
            String scale) {
        this.id = id;
        this.length = length;
        this.motor = motor;
        this.next = next;
        this.sorter = sorter;
        this.eyeAt = eyeAt;
        this.eye = eye;
        this.scale = scale;
    }
}
