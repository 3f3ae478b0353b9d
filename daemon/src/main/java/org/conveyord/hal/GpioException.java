package org.conveyord.hal;

/** The GPIO could not be opened or a pin could not be claimed; the message says which and why. */
public final class GpioException extends RuntimeException {
    public GpioException(String message, Throwable cause) {
        super(message, cause);
    }
}
