package org.conveyord.mqtt;

import java.time.Duration;

/**
 * What the gateway's parts ({@link CommandDispatcher}, {@link EventPublisher}, {@link StatePublisher})
 * need from the gateway: its one thread and its current broker link. {@link #hop} and {@link #schedule}
 * may be called from any thread; {@link #transport()} is for the gateway thread only.
 */
interface GatewayLoop {

    /** Runs {@code task} on the gateway thread; nothing happens once the gateway has stopped. */
    void hop(Runnable task);

    /** Runs {@code task} on the gateway thread after {@code delay}; nothing happens once stopped. */
    void schedule(Runnable task, Duration delay);

    /** The session is up: a publish now goes to the broker. */
    boolean isConnected();

    /** {@code stop()} has begun: no new status or drop reports. */
    boolean isStopping();

    MqttTransport transport();

    /** Sends what the outbox holds, as far as the window allows. Gateway thread. */
    void pump();
}
