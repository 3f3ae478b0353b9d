package org.conveyord.conveyor;

/**
 * One scanner result at a station, waiting for its bag to reach the station zone's eye.
 *
 * @param code        the bag id read, or null for a no-read
 * @param nanos       when it was read
 * @param movingNanos the station zone's motor-on time at the read: a read ages only while its zone moves
 */
record PendingRead(String code, long nanos, long movingNanos) {}
