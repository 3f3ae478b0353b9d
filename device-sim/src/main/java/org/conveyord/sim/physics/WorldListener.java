package org.conveyord.sim.physics;

/**
 * What the physics tells the protocol endpoints. Called from the tick thread while the world's lock
 * is held: implementations must not block and must not call back into the world; hand work to an
 * executor or a queue.
 */
public interface WorldListener {
    /** A simulated input pin changed its physical level at {@code nanos} (sim clock). */
    void inputChanged(int pin, boolean high, long nanos);

    /** A station's scanner saw a bag (or saw nothing: {@code code} is null for a no-read). */
    void scanned(String scanner, String code);

    WorldListener NONE = new WorldListener() {
        @Override public void inputChanged(int pin, boolean high, long nanos) {}
        @Override public void scanned(String scanner, String code) {}
    };
}
