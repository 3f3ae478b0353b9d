package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalOut;

/** A diverter at run time: out while at least one bag on the sorter needs it. Control thread only. */
final class DiverterState {
    final LineConfig.Diverter cfg;
    final DigitalOut out;
    int holds;   // bags currently needing it out; it retracts when none does

    DiverterState(LineConfig.Diverter cfg, DigitalOut out) {
        this.cfg = cfg;
        this.out = out;
    }
}
