package org.conveyord.device;

/**
 * Why a device is not plainly online, for machines (openHAB's ThingStatusDetail): dashboards and
 * alerting switch on this, people read {@link DeviceStatus#reason()}. Published as {@code status.detail}
 * in {@code state/<device>}. Names are part of the MQTT contract: add, never rename.
 */
public enum StatusDetail {
    /** Online, nothing to say. */
    NONE,
    /** The link (serial port, TCP connection) is down or not connected yet; it retries by itself. */
    LINK_DOWN,
    /** Printer: out of labels. */
    PAPER_OUT,
    /** Printer: print head open. */
    HEAD_OPEN,
    /** Printer: out of ribbon. */
    RIBBON_OUT,
    /** Printer: paused at the printer. */
    PAUSED,
    /** Scale: more weight than its capacity. */
    OVERLOAD,
    /** Scale: under range (platter missing, zero drifted). */
    UNDERLOAD,
    /** The device answers but cannot work yet (scale busy or not settling, indicator powering up). */
    NOT_READY,
    /** The device reports a hardware fault of its own (scale hardware error, printer cutter). */
    HARDWARE_ERROR,
    /** Connected, but the device sends nothing usable: no answers to polls, no continuous frames. */
    NO_DATA,
    /** The device's configuration (ours or its own settings) does not fit; a person must change it. */
    CONFIG,
    /** Something failed inside the daemon; the log has the exception. */
    INTERNAL,
    /** Line: the emergency stop is pressed or waits for a reset. */
    ESTOP,
    /** Line: a zone jammed; printer: a label jammed. */
    JAM,
    /** Line: something nobody released reached an eye; tracking there waits for a person. */
    UNEXPECTED_ITEM
}
