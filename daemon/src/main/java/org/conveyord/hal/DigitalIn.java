package org.conveyord.hal;

/**
 * A logical input: {@code active} means "eye blocked", "button pressed", "e-stop pressed",
 * whatever the wiring (activeLow, normally closed) does to the physical level.
 * Active edges are reported at once; releases only once stable for the pin's debounceMs, so a
 * bag's handle flickering past an eye or a bouncing e-stop contact is one edge, not many.
 */
public interface DigitalIn {
    String name();

    int pin();

    /** The debounced level: active at once on a press, inactive once the release has held. */
    boolean isActive();

    /**
     * The level on the pin now, read from the provider, not debounced and not from the last edge:
     * for a backstop that must not depend on an edge having been delivered.
     */
    default boolean levelNow() { return isActive(); }

    void listen(EdgeListener listener);
}
