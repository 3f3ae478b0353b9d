package org.conveyord.device;

import java.util.Objects;

/**
 * What a device is doing, as openHAB's ThingStatus: a state, a {@link StatusDetail} for machines and a
 * text for people. Published in {@code state/<device>} and logged on change.
 */
public record DeviceStatus(State state, StatusDetail detail, String reason) {

    public enum State { ONLINE, OFFLINE, FAULT }

    public static final DeviceStatus ONLINE = new DeviceStatus(State.ONLINE, StatusDetail.NONE, "");

    public DeviceStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
        reason = reason == null ? "" : reason;
    }

    public static DeviceStatus offline(StatusDetail detail, String reason) {
        return new DeviceStatus(State.OFFLINE, detail, reason);
    }

    /** The link is down (or not up yet) and retries by itself; {@code reason} says why, for people. */
    public static DeviceStatus linkDown(String reason) {
        return offline(StatusDetail.LINK_DOWN, reason);
    }

    public static DeviceStatus fault(StatusDetail detail, String reason) {
        return new DeviceStatus(State.FAULT, detail, reason);
    }

    public boolean isOnline() { return state == State.ONLINE; }
}
