package org.conveyord.conveyor;

import java.util.concurrent.CompletionStage;

/**
 * What the line needs from the other devices (scanners at stations, the weigh-zone scale, the label
 * printer), kept as a small port so the line does not depend on device classes; the wiring adapts.
 */
public interface LinePeripherals {

    /** A station scanner's result: the code, or null for a no-read; nanos on the System.nanoTime scale. */
    interface ScanHandler {
        void scanned(String codeOrNull, long nanos);
    }

    record Reading(double grams, boolean stable) {}

    /** Registers for reads of scanner {@code scannerId}; unknown ids are ignored. */
    void onScan(String scannerId, ScanHandler handler);

    /** Reads scale {@code scaleId} now (bounded by the scale's own timeout). */
    CompletionStage<Reading> weigh(String scaleId);

    /** Waits (bounded by the scale's own timeout) for a stable weight on {@code scaleId}. */
    default CompletionStage<Reading> weighStable(String scaleId) {
        return weigh(scaleId);
    }

    /**
     * Queues the label of a bag that reached its order's lane on printer {@code printerId}; the printer
     * renders it (its {@code bag-label} template) and reports {@code printed} with {@code cmdId}.
     *
     * @throws IllegalArgumentException when a value cannot go on a label
     */
    void printBagLabel(String printerId, String order, String bag, String lane, String cmdId);

    LinePeripherals NONE = new LinePeripherals() {
        @Override public void onScan(String scannerId, ScanHandler handler) { }

        @Override
        public CompletionStage<Reading> weigh(String scaleId) {
            return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("no scale"));
        }

        @Override public void printBagLabel(String printerId, String order, String bag, String lane, String cmdId) { }
    };
}
