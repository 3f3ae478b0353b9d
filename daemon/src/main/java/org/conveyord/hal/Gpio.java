package org.conveyord.hal;

import org.conveyord.config.PinConfig;

import java.util.List;

/**
 * The board's digital I/O. Every output starts inactive; {@link #allOutputsOff()} and
 * {@link #close()} drive every output inactive (the fail-safe state: motors stopped, diverters in).
 */
public interface Gpio extends AutoCloseable {

    /**
     * @param normallyClosed the circuit is closed when idle (e-stop): the input is active when the
     *                       circuit opens, so a broken wire reads as active
     */
    DigitalIn input(String name, PinConfig pin, boolean normallyClosed);

    DigitalOut output(String name, PinConfig pin);

    List<DigitalOut> outputs();

    void allOutputsOff();

    /** Whether the I/O itself is reachable (hardware: always; sim bridge: connected). */
    default boolean connected() { return true; }

    @Override
    void close();
}
