package org.conveyord.scale;

import org.conveyord.device.Device;

import java.util.concurrent.CompletionStage;

/**
 * A scale of any protocol, as the line controller and the wiring see it. Commands {@code read},
 * {@code tare}, {@code zero} come through {@link Device#handle}; weights are in grams.
 */
public interface Scale extends Device {

    /**
     * The current weight; with {@code stableOnly} waits (bounded by the scale's timeout) for a stable
     * one. Fails with {@link ScaleException} (TIMEOUT, DEVICE_OFFLINE, DEVICE_FAULT); never blocks the caller.
     */
    CompletionStage<Weight> readWeight(boolean stableOnly);
}
