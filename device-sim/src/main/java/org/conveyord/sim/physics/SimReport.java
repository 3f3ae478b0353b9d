package org.conveyord.sim.physics;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of the simulated line(s): where every bag is and what went wrong physically.
 *
 * @param bags             bag id -&gt; where it is, in the order bags were hung on
 * @param collisions       bags pushed into stopped bags, and bags overlapping in a merge
 * @param unexpectedMotion motor starts after a latched stop without a 1 s horn, and e-stop releases with a motor still commanded on (see {@link RestartWatch})
 * @param labels           labels the simulated printers printed
 * @param jammed           zones held by {@code cmd/jam}
 * @param divertMisses     bags that passed a diverter that was only partly out
 * @param watchdogTrips    times the heartbeat watchdog dropped motor power
 */
public record SimReport(Map<String, BagPlace> bags, int collisions, int unexpectedMotion, int labels,
                        List<String> jammed, int divertMisses, int watchdogTrips) {

    public String at(String bag) {
        BagPlace p = bags.get(bag);
        return p == null ? null : p.at();
    }
}
