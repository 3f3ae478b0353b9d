package org.conveyord.device;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One configured device, modelled on openHAB's thing handler: {@link #start()} returns quickly and
 * schedules connecting; {@link #stop()} is safe to call twice; expected faults become a
 * {@link DeviceStatus}, never an exception out of here.
 */
public interface Device {

    String id();

    /** line, scale, printer or scanner. */
    String kind();

    /** Actions this device takes on {@code cmd/<id>/<action>}. */
    List<String> actions();

    void start();

    void stop();

    DeviceStatus status();

    /**
     * The full current state for {@code state/<id>} (without asOfSeq; the publisher adds it).
     * Called from the publisher's thread: implementations return a snapshot.
     */
    Map<String, Object> state();

    /**
     * Runs one command. The stage completes with the reply: "accepted", or a query's answer.
     * Later effects are events carrying {@code cmd.id()} as cmdId. Must not block the caller.
     */
    CompletionStage<CommandResult> handle(Command cmd);

    /** Called by the device whenever {@link #state()} changed; the publisher coalesces. */
    interface StateListener {
        void stateChanged(String deviceId);
    }
}
