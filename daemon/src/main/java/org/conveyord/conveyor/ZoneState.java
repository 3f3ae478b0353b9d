package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;
import org.conveyord.hal.DigitalIn;
import org.conveyord.hal.DigitalOut;

import java.util.ArrayDeque;

/**
 * One accumulation zone at run time: its bags in order (head = nearest the eye), its eye, its motor.
 * Owned by the control thread.
 */
final class ZoneState {
    final LineConfig.Zone cfg;
    final String id;
    final DigitalOut motor;
    final DigitalIn eye;
    final ArrayDeque<TrackedBag> bags = new ArrayDeque<>();
    ZoneState next;                 // null: feeds the sorter
    String station;                 // station inducting here, or null
    String scale;                   // scale under this zone, or null
    boolean eyeBlocked;
    long eyeBlockedSince;           // nanos
    ZoneState claimedBy;            // the upstream zone allowed to release into this one
    ZoneState lastGranted;          // merge fairness: the upstream zone served last
    ZoneState[] feeders = new ZoneState[0];   // the zones releasing into this one; two or more: a merge
    ZoneState reservedBy;           // merge: the upstream zone whose bag goes next, decided before it reaches its eye
    boolean jammed;
    String jamKind;                 // sensor or arrival
    int jamRetries;                 // automatic retries spent on the current jam
    long lastJamNanos;
    long blockedRunNanos;           // motor-on time with the eye blocked: a sensor jam when too long
    long sensorJamNanos;            // ... longer than this, the limit in force when that time started
    long motorOnNanos;              // motor-on time since the bag we expect was released (or read)
    long arrivalMarginNanos;        // the arrival window's margin in force when that time started
    long transitEwmaNanos;          // measured motor-on time from hand-over to this eye
    int transitSamples;             // how many transits the average holds
    boolean expectingArrival;       // a bag was released to us (or scanned at our station) and has not reached the eye
    boolean awaitingAfterReset;     // a hand-cleared arrival jam: the bag may have been taken off
    boolean handedOver;             // the head bag reached the next eye before clearing ours
    String heldFor;                 // laneFull hold: the full lane the head bag waits for, or null
    TrackedBag weighHold;           // the bag held on the scale until its check-weigh is decided

    ZoneState(LineConfig.Zone cfg, DigitalOut motor, DigitalIn eye) {
        this.cfg = cfg;
        this.id = cfg.id();
        this.motor = motor;
        this.eye = eye;
    }

    boolean occupied() {
        return !bags.isEmpty() || eyeBlocked;
    }

    /**
     * A long bag (or eyes close together) reaches the next eye before its tail clears this zone's
     * eye: the bag this zone is releasing is the one arriving there. Null if it releases none.
     */
    TrackedBag handOverEarly() {
        if (!eyeBlocked || handedOver || bags.isEmpty()) return null;
        handedOver = true;
        return bags.poll();
    }
}
