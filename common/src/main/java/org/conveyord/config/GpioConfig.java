package org.conveyord.config;

/**
 * Which GPIO the daemon drives: {@code gpiod} (the board's gpiochip through Pi4J's gpiod plugin) or
 * {@code sim} (device-sim's GPIO bridge over TCP, through our own Pi4J provider). Unit tests use
 * Pi4J's mock plugin directly, never through the config.
 */
public record GpioConfig(String provider, String chip, SimBridge sim) {

    public static GpioConfig defaults() {
        return new GpioConfig("gpiod", "gpiochip0", null);
    }

    public String providerOrDefault() { return provider == null ? "gpiod" : provider; }

    public String chipOrDefault() { return chip == null ? "gpiochip0" : chip; }

    /** Where device-sim listens for the GPIO bridge. */
    public record SimBridge(String host, Integer port) {
        public String hostOrDefault() { return host == null ? "127.0.0.1" : host; }

        public int portOrDefault() { return port == null ? 7070 : port; }
    }
}
