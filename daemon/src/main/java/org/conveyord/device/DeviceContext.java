package org.conveyord.device;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every device gets from the wiring ({@code Daemon}): where to report events and state
 * changes, a shared scheduler for timeouts and polling (never block its threads), and the clock.
 */
public record DeviceContext(EventSink events, Device.StateListener stateListener,
                            ScheduledExecutorService scheduler, Clock clock) {}
