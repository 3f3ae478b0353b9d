package org.conveyord.hal;

/** A logical output: {@code set(true)} switches the motor / diverter / lamp on, whatever activeLow does. */
public interface DigitalOut {
    String name();

    int pin();

    void set(boolean active);

    boolean isActive();
}
