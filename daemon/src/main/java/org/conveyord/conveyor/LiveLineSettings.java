package org.conveyord.conveyor;

import org.conveyord.config.LineConfig;

/**
 * The line's settings a config reload changes while it runs: jam timers and retries, check-weigh
 * tolerances. None of them drives an output, so a new set is swapped in on the control thread between
 * two ticks ({@link LineController#applyLive}) and motion is not touched.
 * <p>
 * What is already being timed keeps the value it started with, so no timer runs on a mix of two:
 * <ul>
 *   <li>sensor jam: a zone's eye blocked while its motor runs is timed against the limit in force at
 *       the first tick of that blockage;</li>
 *   <li>arrival jam: a released bag is timed against the margin in force at the first tick its
 *       zone's motor ran for it;</li>
 *   <li>check-weigh: a bag held on the scale is judged with the tolerances in force when it reached
 *       the scale's eye;</li>
 *   <li>retries: the number allowed is read when a zone jams, so a jam already being retried finishes
 *       its retry and the next jam of that zone counts against the new number.</li>
 * </ul>
 */
record LiveLineSettings(long sensorJamNanos, long arrivalJamMarginNanos, int jamRetries,
                        double checkweighTolerancePct, double checkweighToleranceGrams) {

    static LiveLineSettings of(LineConfig cfg) {
        return new LiveLineSettings((long) (cfg.sensorJamSOrDefault() * 1e9), (long) (cfg.arrivalJamMarginSOrDefault() * 1e9),
                cfg.jamRetriesOrDefault(), cfg.checkweighTolerancePctOrDefault(), cfg.checkweighToleranceGramsOrDefault());
    }

    /** A bag passes check-weigh within max(toleranceGrams, tolerancePct of its expected weight). */
    double checkweighToleranceFor(double expectedGrams) {
        return Math.max(checkweighToleranceGrams, expectedGrams * checkweighTolerancePct / 100);
    }
}
