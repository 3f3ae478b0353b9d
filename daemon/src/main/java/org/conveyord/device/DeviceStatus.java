package org.conveyord.device;

/**
 * What a device is doing, as openHAB's ThingStatus: a state, a detail for machines and a text for
 * people. Published in {@code state/<device>} and logged on change.
 */
public record DeviceStatus(State state, String reason) {

    public enum State { ONLINE, OFFLINE, FAULT }

    public static final DeviceStatus ONLINE = new DeviceStatus(State.ONLINE, "");

    public static DeviceStatus offline(String reason) { return new DeviceStatus(State.OFFLINE, reason); }

    public static DeviceStatus fault(String reason) { return new DeviceStatus(State.FAULT, reason); }

    public boolean isOnline() { return state == State.ONLINE; }
}
