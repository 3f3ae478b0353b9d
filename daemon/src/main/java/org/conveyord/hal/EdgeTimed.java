package org.conveyord.hal;

/**
 * A Pi4J state-change event that knows when the edge happened (System.nanoTime scale). Our sim
 * provider sends these; Pi4J's own events carry no time, so for them the time of dispatch is used.
 */
public interface EdgeTimed {
    long edgeNanos();
}
