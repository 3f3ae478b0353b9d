package org.conveyord.cli;

import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.hal.Gpio;
import org.conveyord.hal.GpioFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code conveyord --safe-outputs}: after the service stopped for any reason (systemd ExecStopPost),
 * drive every configured output to its inactive level. A Linux GPIO line keeps its last value when
 * the process dies, so without this a crashed daemon could leave a motor running.
 */
public final class SafeOutputsCommand {
    private SafeOutputsCommand() {}

    public static int run(ConveyordConfig cfg) {
        Map<String, PinConfig> outputs = outputs(cfg);
        if (outputs.isEmpty()) {
            System.out.println("conveyord --safe-outputs: no outputs configured");
            return 0;
        }
        try (Gpio gpio = GpioFactory.open(cfg.gpioOrDefault())) {
            outputs.forEach((name, pin) -> gpio.output(name, pin).set(false));
            if (!gpio.connected()) {
                System.err.println("conveyord --safe-outputs: the GPIO is not reachable; outputs could not be driven");
                return 1;
            }
            System.out.println("conveyord --safe-outputs: " + outputs.size() + " outputs driven inactive");
            return 0;
        } catch (RuntimeException e) {
            System.err.println("conveyord --safe-outputs: " + e.getMessage());
            return 1;
        }
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
