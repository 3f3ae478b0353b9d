package org.conveyord.hal;

/**
 * Told about every (debounced) change of a logical input. {@code nanos} is the time of the edge on
 * the {@link System#nanoTime()} scale: the kernel's or the simulator's edge time where the provider
 * gives one, else the time Pi4J told us. Called from a GPIO thread: must not block.
 */
@FunctionalInterface
public interface EdgeListener {
    void edge(boolean active, long nanos);
}
