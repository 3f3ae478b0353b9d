package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.conveyord.hal.Gpio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/** The line's physical start, stop and reset buttons: a press is posted to the control loop, logged once. */
final class PhysicalButtons {
    private static final Logger log = LoggerFactory.getLogger(PhysicalButtons.class);

    private PhysicalButtons() {}

    static void listen(Gpio gpio, String lineId, LineConfig.Buttons buttons, Consumer<Runnable> post,
                       Runnable start, Runnable stop, Runnable reset) {
        if (buttons == null) return;
        button(gpio, lineId, buttons.start(), "start", post, start);
        button(gpio, lineId, buttons.stop(), "stop", post, stop);
        button(gpio, lineId, buttons.reset(), "reset", post, reset);
    }

    private static void button(Gpio gpio, String lineId, PinConfig pin, String name, Consumer<Runnable> post, Runnable action) {
        if (pin == null) return;
        gpio.input(lineId + ".button." + name, pin, false).listen((active, nanos) -> {
            if (active) post.accept(() -> {
                log.info("{}: {} button pressed", lineId, name);
                action.run();
            });
        });
    }
}
