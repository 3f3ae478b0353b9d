package org.conveyord.device;

/** Reply error codes of the MQTT contract, with whether the same command may succeed later. */
public enum ErrorCode {
    BAD_REQUEST(false), UNKNOWN_DEVICE(false), UNKNOWN_ACTION(false), INVALID_STATE(true), EXPIRED(false),
    CONFLICT(false), DEVICE_FAULT(true), DEVICE_OFFLINE(true), TIMEOUT(true), BUSY(true), FORBIDDEN(false),
    INTERNAL(true);

    private final boolean retryable;

    ErrorCode(boolean retryable) { this.retryable = retryable; }

    public boolean retryable() { return retryable; }
}
