package org.conveyord.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One GPIO line. In YAML either a bare number ({@code motor: 17}) or a map
 * ({@code motor: {pin: 17, activeLow: true}}).
 *
 * @param pin        BCM number on a Pi; the gpiochip line offset on other boards
 * @param activeLow  relay boards are often active-low: "on" drives the pin low
 * @param debounceMs inputs only: how long a release (eye clearing, e-stop released) must be stable
 * @param bias       inputs only: what holds the line at a level when its circuit is open (a broken
 *                   wire); null when the config does not say
 */
public record PinConfig(int pin, boolean activeLow, int debounceMs, Bias bias) {

    /** An input's pull resistor: the board's own ({@code pull-up}, {@code pull-down}) or one in the wiring. */
    public enum Bias {
        PULL_UP("pull-up"), PULL_DOWN("pull-down"), EXTERNAL("external");

        private final String yaml;

        Bias(String yaml) { this.yaml = yaml; }

        @JsonValue
        public String yaml() { return yaml; }

        /** The level (true = high) an open circuit reads with this bias; empty for an external one. */
        public java.util.Optional<Boolean> openCircuitLevel() {
            return switch (this) {
                case PULL_UP -> java.util.Optional.of(true);
                case PULL_DOWN -> java.util.Optional.of(false);
                case EXTERNAL -> java.util.Optional.empty();
            };
        }
    }

    public PinConfig(int pin, boolean activeLow, int debounceMs) {
        this(pin, activeLow, debounceMs, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PinConfig of(int pin) {
        return new PinConfig(pin, false, 0);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public static PinConfig of(@JsonProperty(value = "pin", required = true) int pin,
                               @JsonProperty("activeLow") Boolean activeLow,
                               @JsonProperty("debounceMs") Integer debounceMs,
                               @JsonProperty("bias") Bias bias) {
        return new PinConfig(pin, activeLow != null && activeLow, debounceMs == null ? 0 : debounceMs, bias);
    }

    /**
     * The bias under which an open circuit (a broken wire) reads the pin's inactive level: pull-down
     * for an active-high pin, pull-up for an active-low one. For a normally-closed e-stop, whose
     * active level is "circuit closed" (released), that makes a broken wire read pressed; for a
     * normally-open button it reads not pressed.
     */
    public Bias safeBias() {
        return activeLow ? Bias.PULL_UP : Bias.PULL_DOWN;
    }

    /** Physical level (true = high) that means "active" for this pin. */
    public boolean activeLevel() {
        return !activeLow;
    }
}
