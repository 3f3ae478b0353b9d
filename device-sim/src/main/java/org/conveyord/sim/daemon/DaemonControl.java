package org.conveyord.sim.daemon;

import java.io.IOException;

/**
 * What a scenario's {@code restart} step does to the daemon under test: kill it without warning
 * ({@code kill -9}: no clean stop, no state flushed) and start it again on the same state directory.
 * Only a daemon running as its own process can be killed like that; see {@link DaemonProcess}.
 */
public interface DaemonControl {

    /** Kills the daemon at once, waits until it is gone, and starts it again; returns without waiting for it to come online. */
    void killAndRestart() throws IOException, InterruptedException;
}
