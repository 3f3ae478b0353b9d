package org.conveyord.config;

import java.util.List;
import java.util.Optional;

/**
 * A conveyor line: accumulating zones (each with a motor and a photo-eye near its discharge end),
 * pick stations that induct bags onto a zone, a sorter belt with diverters into lanes.
 * Zones form a tree that flows towards the sorter: each zone names its {@code next} zone, two
 * zones naming the same next zone make a merge, and the last zone names {@code sorter}.
 *
 * @param speedMps        belt speed in m/s
 * @param startWarningS   horn time before motion starts
 * @param estop           the e-stop monitor input; normally closed: low (broken wire) = pressed
 * @param remoteEstopReset allow {@code reset} over MQTT after an e-stop even with a reset button
 * @param maxBagLengthM   longest bag the line must carry; every zone must be longer
 * @param printer         printer device for order labels (optional)
 * @param checkweighTolerancePct   check-weigh passes within this percentage of the expected weight (default 10)
 * @param checkweighToleranceGrams ... or within this many grams, whichever is larger (default 50)
 * @param jamRetries      automatic restarts of a jammed zone, each after the horn and a pause (default 1, 0 = none)
 * @param laneFull        what a bag bound for a full lane does: {@code exception} (default: on to the
 *                        exception lane, reason lane-full) or {@code hold} (waits in the zone before the
 *                        sorter until the lane has room; staff empty it with a partial {@code collect})
 */
public record LineConfig(Double speedMps, Double startWarningS, PinConfig estop, PinConfig horn,
                         StackLight stackLight, PinConfig heartbeat, Buttons buttons,
                         Boolean remoteEstopReset, Double maxBagLengthM,
                         List<Zone> zones, List<Station> stations, Sorter sorter, List<Lane> lanes,
                         String printer, Double sensorJamS, Double arrivalJamMarginS,
                         Double checkweighTolerancePct, Double checkweighToleranceGrams, Integer jamRetries,
                         List<SpeedPreset> speedPresets, String laneFull,
                         Integer maxLoopLagMs, Integer maxEyeEdgesPerS) implements DeviceConfig {

    public static final String LANE_FULL_EXCEPTION = "exception";
    public static final String LANE_FULL_HOLD = "hold";

    /** Without check-weigh tolerances (defaults apply). */
    public LineConfig(Double speedMps, Double startWarningS, PinConfig estop, PinConfig horn, StackLight stackLight,
                      PinConfig heartbeat, Buttons buttons, Boolean remoteEstopReset, Double maxBagLengthM,
                      List<Zone> zones, List<Station> stations, Sorter sorter, List<Lane> lanes, String printer,
                      Double sensorJamS, Double arrivalJamMarginS) {
        this(speedMps, startWarningS, estop, horn, stackLight, heartbeat, buttons, remoteEstopReset, maxBagLengthM, zones,
                stations, sorter, lanes, printer, sensorJamS, arrivalJamMarginS, null, null, null, null, null);
    }

    /** Without the control loop's limits (defaults apply). */
    public LineConfig(Double speedMps, Double startWarningS, PinConfig estop, PinConfig horn, StackLight stackLight,
                      PinConfig heartbeat, Buttons buttons, Boolean remoteEstopReset, Double maxBagLengthM,
                      List<Zone> zones, List<Station> stations, Sorter sorter, List<Lane> lanes, String printer,
                      Double sensorJamS, Double arrivalJamMarginS, Double checkweighTolerancePct,
                      Double checkweighToleranceGrams, Integer jamRetries, List<SpeedPreset> speedPresets, String laneFull) {
        this(speedMps, startWarningS, estop, horn, stackLight, heartbeat, buttons, remoteEstopReset, maxBagLengthM, zones,
                stations, sorter, lanes, printer, sensorJamS, arrivalJamMarginS, checkweighTolerancePct,
                checkweighToleranceGrams, jamRetries, speedPresets, laneFull, null, null);
    }

    /** The same line with another lane-full policy. */
    public LineConfig withLaneFull(String policy) {
        return new LineConfig(speedMps, startWarningS, estop, horn, stackLight, heartbeat, buttons, remoteEstopReset,
                maxBagLengthM, zones, stations, sorter, lanes, printer, sensorJamS, arrivalJamMarginS, checkweighTolerancePct,
                checkweighToleranceGrams, jamRetries, speedPresets, policy, maxLoopLagMs, maxEyeEdgesPerS);
    }

    /** The same line with other control-loop limits (null: the default). */
    public LineConfig withLoopLimits(Integer maxLagMs, Integer maxEdgesPerS) {
        return new LineConfig(speedMps, startWarningS, estop, horn, stackLight, heartbeat, buttons, remoteEstopReset,
                maxBagLengthM, zones, stations, sorter, lanes, printer, sensorJamS, arrivalJamMarginS, checkweighTolerancePct,
                checkweighToleranceGrams, jamRetries, speedPresets, laneFull, maxLagMs, maxEdgesPerS);
    }

    /**
     * How far behind the control loop may fall (oldest queued task) before the heartbeat stops
     * toggling and the watchdog relay drops motor power.
     */
    public int maxLoopLagMsOrDefault() { return maxLoopLagMs == null ? 200 : maxLoopLagMs; }

    /** More edges than this in one second on one eye cannot be bags: the sensor chatters. */
    public int maxEyeEdgesPerSOrDefault() { return maxEyeEdgesPerS == null ? 50 : maxEyeEdgesPerS; }

    public String laneFullOrDefault() { return laneFull == null ? LANE_FULL_EXCEPTION : laneFull; }

    public boolean holdsForFullLane() { return LANE_FULL_HOLD.equals(laneFullOrDefault()); }

    /**
     * A speed the motor drives can be switched to by a preset input: the preset's output on, every
     * other preset's off. {@code speedMps} is the drives' own speed with no preset selected.
     */
    public record SpeedPreset(Double mps, PinConfig output) {}

    public List<SpeedPreset> speedPresetsOrEmpty() { return speedPresets == null ? List.of() : speedPresets; }

    /** The speeds {@code speed} may choose: the base speed and every preset. */
    public List<Double> allowedSpeeds() {
        List<Double> out = new java.util.ArrayList<>();
        out.add(speedMpsOrDefault());
        speedPresetsOrEmpty().forEach(p -> { if (p.mps() != null) out.add(p.mps()); });
        return out;
    }

    /**
     * Why the sorter cannot divert at {@code mps}, or empty: a diverter must be fully out before a
     * bag's centre reaches it, and the gap between bags must cover out + back actuation.
     */
    public java.util.Optional<String> divertProblemAt(double mps) {
        if (sorter == null) return java.util.Optional.empty();
        for (Diverter d : sorter.divertersOrEmpty()) {
            double needed = divertPointNeededM(d, mps);
            if (d.atM() != null && d.atM() <= needed) {
                return java.util.Optional.of("the diverter for " + d.lane() + " at " + d.atM() + " m cannot be out in time at "
                        + mps + " m/s (needs more than " + String.format("%.2f", needed) + " m)");
            }
        }
        double gapNeeded = gapNeededM(mps);
        if (sorter.minGapMOrDefault() < gapNeeded) {
            return java.util.Optional.of("the gap of " + sorter.minGapMOrDefault() + " m between bags is below the "
                    + String.format("%.2f", gapNeeded) + " m the diverters need at " + mps + " m/s");
        }
        return java.util.Optional.empty();
    }

    /**
     * How far along the sorter a divert point must be at least: the decision is taken when a bag's
     * tail clears the entry eye, its centre is then half a bag further, and the diverter must be out
     * (actuation plus head start) before the centre arrives.
     */
    public double divertPointNeededM(Diverter d, double mps) {
        return sorter.entryEyeAtMOrDefault() + maxBagLengthMOrDefault() / 2
                + mps * (d.actuationMsOrDefault() + DIVERT_HEAD_START_MS) / 1000.0;
    }

    /** The gap between bags the diverters need at {@code mps}: out and back actuation plus eye response. */
    public double gapNeededM(double mps) {
        int maxAct = sorter == null ? 0 : sorter.divertersOrEmpty().stream().mapToInt(Diverter::actuationMsOrDefault).max().orElse(0);
        return mps * (maxAct * 2 + 20) / 1000.0;
    }


    /** Automatic retries of a jammed zone (each after the horn and a pause) before a person must clear it. */
    public int jamRetriesOrDefault() { return jamRetries == null ? 1 : jamRetries; }

    /** A bag passes check-weigh within max(toleranceGrams, tolerancePct of its expected weight). */
    public double checkweighTolerancePctOrDefault() { return checkweighTolerancePct == null ? 10.0 : checkweighTolerancePct; }

    public double checkweighToleranceGramsOrDefault() { return checkweighToleranceGrams == null ? 50.0 : checkweighToleranceGrams; }

    @Override
    public String kind() { return "line"; }

    public double speedMpsOrDefault() { return speedMps == null ? 0.8 : speedMps; }

    public double startWarningSOrDefault() { return startWarningS == null ? 3.0 : startWarningS; }

    public boolean remoteEstopResetOrDefault() { return remoteEstopReset != null && remoteEstopReset; }

    public double maxBagLengthMOrDefault() { return maxBagLengthM == null ? 0.5 : maxBagLengthM; }

    /**
     * A sensor jam: an eye blocked (with its motor on) longer than the longest bag needs to pass it,
     * twice over plus half a second, unless configured.
     */
    public double sensorJamSOrDefault() {
        return sensorJamS != null ? sensorJamS : 2 * maxBagLengthMOrDefault() / speedMpsOrDefault() + 0.5;
    }

    public double arrivalJamMarginSOrDefault() { return arrivalJamMarginS == null ? 5.0 : arrivalJamMarginS; }

    public List<Zone> zonesOrEmpty() { return zones == null ? List.of() : zones; }

    public List<Station> stationsOrEmpty() { return stations == null ? List.of() : stations; }

    public List<Lane> lanesOrEmpty() { return lanes == null ? List.of() : lanes; }

    public Optional<Zone> zone(String id) {
        return zonesOrEmpty().stream().filter(z -> z.id().equals(id)).findFirst();
    }

    /** How long before it is needed a diverter is told to go out, beyond its actuation time (timers run late). */
    public static final int DIVERT_HEAD_START_MS = 80;

    /** Id of the pseudo-zone that stands for the sorter in {@code next}. */
    public static final String SORTER = "sorter";

    /**
     * @param eyeAtM where the photo-eye sits, measured from the zone's start (near its discharge end)
     * @param scale  a scale device under this zone (the weigh zone)
     */
    public record Zone(String id, Double lengthM, Double eyeAtM, PinConfig motor, PinConfig eye,
                       String next, String scale) {
        public double lengthMOrDefault() { return lengthM == null ? 1.0 : lengthM; }

        public double eyeAtMOrDefault() { return eyeAtM == null ? lengthMOrDefault() - 0.1 : eyeAtM; }
    }

    /**
     * A pick station: bags are hung on at the start of {@code zone}; {@code scanner} reads them
     * at {@code scanAtM} (from the zone's start) before they reach the zone's eye.
     */
    public record Station(String id, String zone, String scanner, Double scanAtM) {
        public double scanAtMOrDefault() { return scanAtM == null ? 0.5 : scanAtM; }
    }

    /**
     * The sorter: one belt that never accumulates. {@code entryEye} sits {@code entryEyeAtM}
     * after the sorter's start and times each bag; diverters push bags into lanes at {@code atM}.
     * What no diverter takes runs off the end into {@code runOutLane} (the exception lane).
     *
     * @param minGapM gap the line keeps between bags entering the sorter
     * @param rampMs   the sorter drive's start ramp: after a start the daemon assumes no progress for
     *                 this long when it bounds how far behind a bag may be
     * @param coastM   how far the belt may still run after its motor loses power (e-stop, fault): added
     *                 to how far ahead a bag may be when the belt stops
     */
    public record Sorter(Double lengthM, PinConfig motor, PinConfig entryEye, Double entryEyeAtM,
                         List<Diverter> diverters, String runOutLane, Double minGapM, Integer rampMs, Double coastM) {

        public Sorter(Double lengthM, PinConfig motor, PinConfig entryEye, Double entryEyeAtM,
                      List<Diverter> diverters, String runOutLane, Double minGapM) {
            this(lengthM, motor, entryEye, entryEyeAtM, diverters, runOutLane, minGapM, null, null);
        }

        public int rampMsOrDefault() { return rampMs == null ? 300 : rampMs; }

        public double coastMOrDefault() { return coastM == null ? 0.05 : coastM; }

        public double lengthMOrDefault() { return lengthM == null ? 4.0 : lengthM; }

        public double entryEyeAtMOrDefault() { return entryEyeAtM == null ? 0.2 : entryEyeAtM; }

        public List<Diverter> divertersOrEmpty() { return diverters == null ? List.of() : diverters; }

        public String runOutLaneOrDefault() { return runOutLane == null ? "exception" : runOutLane; }

        public double minGapMOrDefault() { return minGapM == null ? 0.5 : minGapM; }
    }

    /** A diverter (paddle, pusher): output on = out, bag pushed into {@code lane}. */
    public record Diverter(String lane, Double atM, PinConfig output, Integer actuationMs) {
        public int actuationMsOrDefault() { return actuationMs == null ? 150 : actuationMs; }
    }

    /**
     * A lane: {@code eye} sees every bag that arrives, {@code fullEye} (optional) sees the lane full.
     */
    public record Lane(String id, PinConfig eye, PinConfig fullEye, Integer capacity) {
        public int capacityOrDefault() { return capacity == null ? 8 : capacity; }
    }

    public record StackLight(PinConfig green, PinConfig yellow, PinConfig red, PinConfig blue) {}

    /** Physical buttons on the line; any may be absent. */
    public record Buttons(PinConfig start, PinConfig stop, PinConfig reset) {}
}
