package org.conveyord.sim.physics;

import org.conveyord.config.PinConfig;

/** A drive on one output pin: what the daemon commands and how far its ramp has got. */
final class Motor {
    final PinConfig pin;
    boolean commanded;
    double fraction;

    Motor(PinConfig pin) { this.pin = pin; }
}
