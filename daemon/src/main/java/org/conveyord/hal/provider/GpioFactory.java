package org.conveyord.hal.provider;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalOutputProvider;
import org.conveyord.config.GpioConfig;
import org.conveyord.hal.Gpio;
import org.conveyord.hal.GpioException;
import org.conveyord.hal.Pi4jGpio;
import org.conveyord.hal.sim.SimDigitalInputProvider;
import org.conveyord.hal.sim.SimDigitalOutputProvider;
import org.conveyord.hal.sim.SimGpioBridgeClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Opens the configured GPIO (its own package: it picks between the hal implementations, so hal itself
 * never depends on the simulator bridge). Providers are added explicitly, never auto-detected: on a test
 * classpath Pi4J's mock plugin (priority 1000) would win, and it must never win on a real line.
 */
public final class GpioFactory {
    private static final Logger log = LoggerFactory.getLogger(GpioFactory.class);

    private GpioFactory() {}

    public static Gpio open(GpioConfig cfg) {
        return switch (cfg.providerOrDefault()) {
            case "gpiod" -> gpiod(cfg.chipOrDefault());
            case "sim" -> sim(cfg.sim() == null ? new GpioConfig.SimBridge(null, null) : cfg.sim());
            default -> throw new GpioException("unknown gpio.provider '" + cfg.provider() + "'", null);
        };
    }

    private static Gpio gpiod(String chip) {
        try {
            Context ctx = Pi4J.newContextBuilder().noAutoDetect()
                    .add(GpioDDigitalInputProvider.newInstance(), GpioDDigitalOutputProvider.newInstance())
                    .setGpioChipName(chip)
                    .build();
            log.info("GPIO: {} through Pi4J gpiod", chip);
            return new Pi4jGpio(ctx, GpioDDigitalInputProvider.ID, GpioDDigitalOutputProvider.ID, () -> true, () -> { });
        } catch (RuntimeException | LinkageError e) {
            throw new GpioException("cannot open " + chip + " through libgpiod (" + e.getMessage()
                    + "); on a Pi check that /dev/" + chip + " exists and the service user is in group gpio", e);
        }
    }

    private static Gpio sim(GpioConfig.SimBridge b) {
        SimGpioBridgeClient bridge = new SimGpioBridgeClient(b.hostOrDefault(), b.portOrDefault());
        Context ctx = Pi4J.newContextBuilder().noAutoDetect()
                .add(new SimDigitalInputProvider(bridge), new SimDigitalOutputProvider(bridge))
                .build();
        bridge.start();
        try {
            if (!bridge.awaitFirstSync(3, TimeUnit.SECONDS)) {
                log.warn("GPIO: {} not reachable yet; inputs read inactive (e-stop pressed) until it is", bridge.describe());
            }
        } catch (InterruptedException e) {
            // going on would claim pins whose inputs read low (the e-stop "pressed") for no reason
            Thread.currentThread().interrupt();
            bridge.close();
            throw new GpioException("interrupted while waiting for the input snapshot of " + bridge.describe(), e);
        }
        log.info("GPIO: {}", bridge.describe());
        return new Pi4jGpio(ctx, SimDigitalInputProvider.ID, SimDigitalOutputProvider.ID, bridge::isConnected, bridge::close);
    }
}
