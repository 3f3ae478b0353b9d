package org.conveyord.conveyor;

import org.conveyord.hal.DigitalOut;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The motion gate: nothing moving is switched on under a pressed e-stop, seen by its edge or by its level. */
class SafeOutputsTest {

    private static final class Out implements DigitalOut {
        boolean active;
        int writes;
        @Override public String name() { return "z1.motor"; }
        @Override public int pin() { return 10; }
        @Override public void set(boolean on) { active = on; writes++; }
        @Override public boolean isActive() { return active; }
    }

    private final Out motor = new Out();
    private final AtomicBoolean pressedNow = new AtomicBoolean();
    private final SafeOutputs gate = new SafeOutputs(List.of(motor), pressedNow::get);

    @Test
    void aPressWhoseEdgeIsNotHandledYetStillKeepsAMotorFromSwitchingOn() {
        pressedNow.set(true);          // the contact opened; the GPIO thread has not delivered the edge
        gate.set(motor, true);
        assertThat(motor.active).isFalse();
        pressedNow.set(false);
        gate.set(motor, true);
        assertThat(motor.active).as("released before any edge: the next decision switches it on").isTrue();
    }

    @Test
    void aMotorAlreadyOnIsSwitchedOffByTheEdgeNotByTheLevelRead() {
        gate.set(motor, true);
        assertThat(motor.active).isTrue();
        pressedNow.set(true);
        gate.set(motor, true);          // no change asked: no read, no write
        assertThat(motor.writes).isEqualTo(1);
        gate.estop();
        assertThat(motor.active).isFalse();
        pressedNow.set(false);
        gate.set(motor, true);
        assertThat(motor.active).as("closed by the edge until the release is handled").isFalse();
        assertThat(gate.estopReleasedUnless(pressedNow::get)).isTrue();
        gate.set(motor, true);
        assertThat(motor.active).isTrue();
    }
}
