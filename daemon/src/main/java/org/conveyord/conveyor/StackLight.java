package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalOut;
import org.conveyord.hal.Gpio;


/**
 * Stack light in IEC 60204-1 colours: green running, yellow flashing while the start-up warning
 * sounds, steady yellow (amber) for an abnormal condition that needs a look but no reset (a lane
 * where a bag arrived that nobody expected there), red for an emergency stop or a fault, blue when a
 * person must act (reset needed).
 */
final class StackLight {
    private final DigitalOut green;
    private final DigitalOut yellow;
    private final DigitalOut red;
    private final DigitalOut blue;
    private boolean g;
    private boolean y;
    private boolean r;
    private boolean b;

    StackLight(Gpio gpio, String line, LineConfig.StackLight cfg) {
        green = cfg == null || cfg.green() == null ? null : gpio.output(line + ".light.green", cfg.green());
        yellow = cfg == null || cfg.yellow() == null ? null : gpio.output(line + ".light.yellow", cfg.yellow());
        red = cfg == null || cfg.red() == null ? null : gpio.output(line + ".light.red", cfg.red());
        blue = cfg == null || cfg.blue() == null ? null : gpio.output(line + ".light.blue", cfg.blue());
    }

    void show(boolean running, boolean starting, boolean estop, boolean estopLatched, boolean fault, boolean attention,
              boolean flashPhase) {
        set(0, running && !estop && !fault);
        set(1, starting ? flashPhase : attention);
        set(2, estop || fault);
        set(3, !estop && (estopLatched || fault));
    }

    private void set(int which, boolean on) {
        switch (which) {
            case 0 -> { if (g != on && green != null) green.set(on); g = on; }
            case 1 -> { if (y != on && yellow != null) yellow.set(on); y = on; }
            case 2 -> { if (r != on && red != null) red.set(on); r = on; }
            default -> { if (b != on && blue != null) blue.set(on); b = on; }
        }
    }

    void off() {
        show(false, false, false, false, false, false, false);
    }

    boolean green() { return g; }

    boolean yellow() { return y; }

    boolean red() { return r; }

    boolean blue() { return b; }
}
