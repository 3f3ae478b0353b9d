package org.conveyord.cli;

import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.GpioConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.hal.Gpio;
import org.conveyord.hal.OutputPinList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code conveyord --safe-outputs}: after the service stopped for any reason (systemd ExecStopPost),
 * drive every configured output to its inactive level. A Linux GPIO line keeps its last value when
 * the process dies, so without this a crashed daemon could leave a motor running.
 *
 * <p>It needs only the GPIO part of the config: a file with semantic errors (a bad speed, a missing
 * printer) still names its outputs, and those are driven. A file that cannot be read at all falls
 * back to the {@link OutputPinList} the daemon wrote at its last start. Each output is driven on its
 * own: one failing write is reported by name and does not skip the others.
 */
public final class SafeOutputsCommand {
    private static final Logger log = LoggerFactory.getLogger(SafeOutputsCommand.class);

    private SafeOutputsCommand() {}

    /**
     * @param loaded   the config as loaded, errors and all
     * @param stateDir where the last start's pin list is (null: the config's, or the default)
     * @return 0 every output driven inactive, 1 some output could not be (each is named)
     */
    public static int run(ConfigLoader.Result loaded, Path stateDir, Function<GpioConfig, Gpio> opener) {
        OutputPinList list;
        if (loaded.config() != null) {
            ConveyordConfig cfg = loaded.config();
            if (!loaded.ok()) {
                log.warn("{} has errors; driving the outputs it names anyway", loaded.file());
            }
            list = new OutputPinList(cfg.gpioOrDefault(), outputs(cfg));
        } else {
            Path dir = stateDir != null ? stateDir : Path.of("/var/lib/conveyord");
            try {
                list = OutputPinList.read(dir);
            } catch (IOException e) {
                System.err.println("conveyord --safe-outputs: " + loaded.file() + " cannot be read and there is no usable pin list "
                        + "from the last start (" + e.getMessage() + "); no output was driven");
                return 1;
            }
            System.err.println("conveyord --safe-outputs: " + loaded.file() + " cannot be read; using the pin list of the last start, "
                    + OutputPinList.file(dir));
        }
        return drive(list, opener);
    }

    private static int drive(OutputPinList list, Function<GpioConfig, Gpio> opener) {
        if (list.outputs().isEmpty()) {
            System.out.println("conveyord --safe-outputs: no outputs configured");
            return 0;
        }
        List<String> failed = new ArrayList<>();
        try (Gpio gpio = opener.apply(list.gpio())) {
            list.outputs().forEach((name, pin) -> {
                try {
                    gpio.output(name, pin).set(false);
                } catch (RuntimeException e) {
                    failed.add(name);
                    log.error("output {} (pin {}) could not be driven inactive: {}", name, pin.pin(), e.getMessage());
                    System.err.println("conveyord --safe-outputs: output " + name + " (pin " + pin.pin() + ") FAILED: " + e.getMessage());
                }
            });
            if (!gpio.connected()) {
                System.err.println("conveyord --safe-outputs: the GPIO is not reachable; outputs could not be driven");
                return 1;
            }
        } catch (RuntimeException e) {
            System.err.println("conveyord --safe-outputs: " + e.getMessage());
            return 1;
        }
        int driven = list.outputs().size() - failed.size();
        if (!failed.isEmpty()) {
            System.err.println("conveyord --safe-outputs: " + driven + " outputs driven inactive, " + failed.size() + " FAILED: "
                    + String.join(", ", failed));
            return 1;
        }
        System.out.println("conveyord --safe-outputs: " + driven + " outputs driven inactive");
        return 0;
    }

    /** Every output of every line, by a readable name. */
    public static Map<String, PinConfig> outputs(ConveyordConfig cfg) {
        Map<String, PinConfig> out = new LinkedHashMap<>();
        cfg.devicesOfKind(LineConfig.class).forEach((id, l) -> {
            l.zonesOrEmpty().forEach(z -> put(out, id + "." + z.id() + ".motor", z.motor()));
            if (l.sorter() != null) {
                put(out, id + ".sorter.motor", l.sorter().motor());
                l.sorter().divertersOrEmpty().forEach(d -> put(out, id + ".diverter." + d.lane(), d.output()));
            }
            l.speedPresetsOrEmpty().forEach(sp -> put(out, id + ".speed." + sp.mps(), sp.output()));
            put(out, id + ".horn", l.horn());
            put(out, id + ".heartbeat", l.heartbeat());
            if (l.stackLight() != null) {
                put(out, id + ".light.green", l.stackLight().green());
                put(out, id + ".light.yellow", l.stackLight().yellow());
                put(out, id + ".light.red", l.stackLight().red());
                put(out, id + ".light.blue", l.stackLight().blue());
            }
        });
        return out;
    }

    private static void put(Map<String, PinConfig> m, String name, PinConfig p) {
        if (p != null) m.put(name, p);
    }
}
