package org.conveyord.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One GPIO line. In YAML either a bare number ({@code motor: 17}) or a map
 * ({@code motor: {pin: 17, activeLow: true}}).
 *
 * @param pin        BCM number on a Pi; the gpiochip line offset on other boards
 * @param activeLow  relay boards are often active-low: "on" drives the pin low
 * @param debounceMs inputs only: how long a release (eye clearing, e-stop released) must be stable
 */
public record PinConfig(int pin, boolean activeLow, int debounceMs) {

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PinConfig of(int pin) {
        return new PinConfig(pin, false, 0);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public static PinConfig of(@JsonProperty(value = "pin", required = true) int pin,
                               @JsonProperty("activeLow") Boolean activeLow,
                               @JsonProperty("debounceMs") Integer debounceMs) {
        return new PinConfig(pin, activeLow != null && activeLow, debounceMs == null ? 0 : debounceMs);
    }

    /** Physical level (true = high) that means "active" for this pin. */
    public boolean activeLevel() {
        return !activeLow;
    }
}
