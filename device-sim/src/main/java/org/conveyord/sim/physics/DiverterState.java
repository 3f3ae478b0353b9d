package org.conveyord.sim.physics;

import org.conveyord.config.LineConfig;

/** One sorter diverter: the valve position and any injected lateness. */
final class DiverterState {
    final LineConfig.Diverter cfg;
    double position;
    int lateCycles;          // how many more actuations answer late (a worn valve)
    long lateNanos;
    long cycleLate;          // the current actuation's delay; 0: on time
    long onAt;
    long offAt = -1;

    DiverterState(LineConfig.Diverter cfg) { this.cfg = cfg; }

    void commanded(boolean on, long now) {
        if (on) {
            cycleLate = lateCycles > 0 ? lateNanos : 0;
            if (lateCycles > 0) lateCycles--;
            onAt = now;
            offAt = -1;
        } else {
            offAt = now;
        }
    }

    /** A late valve follows its command {@code cycleLate} behind, out and back. */
    boolean valveOut(boolean commandedOn, long now) {
        if (cycleLate == 0) return commandedOn;
        return now - onAt >= cycleLate && (offAt < 0 || now - offAt < cycleLate);
    }
}
