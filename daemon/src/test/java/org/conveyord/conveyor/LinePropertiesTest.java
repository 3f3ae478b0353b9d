package org.conveyord.conveyor;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConfigProblem;
import org.conveyord.config.ConfigValidator;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.sim.physics.BagPlace;
import org.conveyord.sim.physics.SimSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random layouts and bag streams through the real controller and the simulator's physics, in
 * virtual time: every bag ends in its order's lane or in exception with a reason, never two orders
 * in one lane, no collision, no unexpected motion, and an e-stop switches every motion output off
 * at its input edge.
 */
class LinePropertiesTest {

    record Bag(String id, String station, double at, double lengthM, double grams, boolean noRead, String order) {}

    record Layout(double speed, double zoneLength, double slip, boolean flicker) {}

    record Run(Layout layout, List<Bag> bags, Map<String, List<String>> orders, double estopAt) {}

    private static final LineConfig DEMO = demoLine();

    private static LineConfig demoLine() {
        ConveyordConfig c = ConfigLoader.load(Path.of(System.getProperty("conveyord.repo", ".."), "config", "demo.yaml")).config();
        return c.devicesOfKind(LineConfig.class).get("line-1");
    }

    /** The demo line, re-dimensioned: every zone {@code zoneLength} long, its eye 0.1 m before its end. */
    static LineConfig layout(Layout l) {
        return layout(l, DEMO.sorter());
    }

    static LineConfig layout(Layout l, LineConfig.Sorter sorter) {
        List<LineConfig.Zone> zones = DEMO.zonesOrEmpty().stream().map(z -> new LineConfig.Zone(z.id(), l.zoneLength(),
                l.zoneLength() - 0.1, z.motor(), z.eye(), z.next(), z.scale())).toList();
        return new LineConfig(l.speed(), 1.2, DEMO.estop(), DEMO.horn(), DEMO.stackLight(), DEMO.heartbeat(), DEMO.buttons(),
                DEMO.remoteEstopReset(), DEMO.maxBagLengthM(), zones, DEMO.stations(), sorter, DEMO.lanes(),
                DEMO.printer(), DEMO.sensorJamS(), DEMO.arrivalJamMarginS());
    }

    @Provide
    Arbitrary<Run> runs() {
        Arbitrary<Layout> layouts = Combinators.combine(
                Arbitraries.of(0.5, 0.8, 1.0),
                Arbitraries.of(1.0, 1.2, 1.6),
                Arbitraries.of(0.0, 0.03, 0.05),
                Arbitraries.of(false, true)).as(Layout::new);
        Arbitrary<List<Integer>> orderSizes = Arbitraries.integers().between(1, 4).list().ofMinSize(1).ofMaxSize(6);
        Arbitrary<Long> seeds = Arbitraries.longs();
        Arbitrary<Double> estop = Arbitraries.oneOf(Arbitraries.just(-1.0), Arbitraries.doubles().between(5, 40));
        return Combinators.combine(layouts, orderSizes, seeds, estop).as((layout, sizes, seed, estopAt) -> {
            java.util.Random r = new java.util.Random(seed);
            List<Bag> bags = new ArrayList<>();
            Map<String, List<String>> orders = new LinkedHashMap<>();
            int n = 0;
            for (int o = 0; o < sizes.size(); o++) {
                String order = "O-" + o;
                List<String> ids = new ArrayList<>();
                for (int b = 0; b < sizes.get(o); b++) {
                    String id = "B-" + (++n);
                    ids.add(id);
                    bags.add(new Bag(id, r.nextBoolean() ? "pick-1" : "pick-2", r.nextDouble() * 40,
                            0.25 + r.nextDouble() * 0.2, 300 + r.nextInt(2500), r.nextInt(12) == 0, order));
                }
                orders.put(order, ids);
            }
            if (r.nextInt(3) == 0) {   // a bag nobody ordered
                bags.add(new Bag("X-" + (++n), r.nextBoolean() ? "pick-1" : "pick-2", r.nextDouble() * 40, 0.3, 500, false, null));
            }
            return new Run(layout, bags, orders, estopAt);
        });
    }

    /**
     * A bag sticks in {@code zone} at {@code at} s for {@code holdS} s; then a person frees it (or,
     * with {@code takeOff} and the jam alarm on, takes the stuck bags off), resets a second later and starts.
     */
    record Jam(String zone, double at, double holdS, boolean takeOff) {}

    @Provide
    Arbitrary<Jam> jams() {
        return Combinators.combine(Arbitraries.of("p1", "p2", "m1", "z1", "w1"), Arbitraries.doubles().between(2, 40),
                Arbitraries.doubles().between(1, 10), Arbitraries.of(false, true)).as(Jam::new);
    }

    @Property(tries = 60, shrinking = ShrinkingMode.OFF)
    void everyBagIsDeliveredOrExplainedAndNothingCollides(@ForAll("runs") Run run) {
        play(run, null);
    }

    /** The same, with a bag sticking in a random zone at a random time (and sometimes an e-stop as well). */
    @Property(tries = 200, shrinking = ShrinkingMode.OFF)
    void aJamAnywhereLosesNothingAndNothingCollides(@ForAll("runs") Run run, @ForAll("jams") Jam jam) {
        play(run, jam);
    }

    /**
     * What seed 484923488373124915 of the jam property generated when it found a bag on the sorter
     * (B-4) passing its diverter at 97 % out after an e-stop restart: the sorter tracked each bag as
     * a point frozen when the control thread handled the edge and re-planned on a guess. Kept as the
     * sample itself: later changes elsewhere shift what the seed generates.
     */
    @Example
    void theBagOnTheSorterAtSeed484923488373124915NeverPassesItsDiverterHalfOut() {
        List<Bag> bags = List.of(
                new Bag("B-1", "pick-1", 3.4318739687017352, 0.3583261095893838, 2642, false, "O-0"),
                new Bag("B-2", "pick-2", 9.785964562929198, 0.44764185061761813, 2449, true, "O-0"),
                new Bag("B-3", "pick-1", 19.64026653435086, 0.32673055227337605, 1655, false, "O-0"),
                new Bag("B-4", "pick-2", 19.066374488947694, 0.2608174052798084, 2671, false, "O-1"),
                new Bag("B-5", "pick-1", 9.160080857337455, 0.44676010932059484, 2585, false, "O-2"),
                new Bag("B-6", "pick-1", 13.666351822718692, 0.35187197420565963, 2015, false, "O-2"),
                new Bag("B-7", "pick-2", 16.58849595640417, 0.4019042577674867, 2768, false, "O-3"),
                new Bag("B-8", "pick-1", 34.40725604392669, 0.43311712629525245, 2733, true, "O-3"),
                new Bag("B-9", "pick-1", 36.4029862436596, 0.34174763998047797, 2404, false, "O-3"),
                new Bag("B-10", "pick-1", 17.365967343629087, 0.2715031412815204, 2293, true, "O-3"));
        Map<String, List<String>> orders = new LinkedHashMap<>();
        orders.put("O-0", List.of("B-1", "B-2", "B-3"));
        orders.put("O-1", List.of("B-4"));
        orders.put("O-2", List.of("B-5", "B-6"));
        orders.put("O-3", List.of("B-7", "B-8", "B-9", "B-10"));
        play(new Run(new Layout(0.5, 1.0, 0.05, false), bags, orders, 35.77), new Jam("p1", 40.0, 1.0, false));
    }

    /**
     * What seed -284148571689331380 of the jam property generated (try 95) when B-8, stuck on w1's
     * eye with the sorter's entry eye still ahead of it, was taken off by hand: its eye falling looked
     * like the bag leaving for the sorter, the sorter waited for it forever and w1 never released
     * B-4 (the sorter takes one bag between the eyes at a time). Kept as the sample itself.
     */
    @Example
    void aBagTakenOffTheLastZoneAtSeedMinus284148571689331380IsLostAndTheLineGoesOn() {
        List<Bag> bags = List.of(
                new Bag("B-1", "pick-1", 27.01308816185201, 0.3289565301107972, 1216, false, "O-0"),
                new Bag("B-2", "pick-2", 15.934037208828311, 0.3146549787157944, 1319, false, "O-0"),
                new Bag("B-3", "pick-1", 7.67073053510285, 0.2868946299196936, 1243, false, "O-0"),
                new Bag("B-4", "pick-2", 37.09770012807277, 0.39067559571838895, 511, false, "O-0"),
                new Bag("B-5", "pick-1", 28.645514184267707, 0.4281967707673606, 2335, false, "O-1"),
                new Bag("B-6", "pick-2", 26.648085721632235, 0.27379256669345725, 1094, false, "O-1"),
                new Bag("B-7", "pick-1", 11.612054969991167, 0.32379707306476135, 448, false, "O-1"),
                new Bag("B-8", "pick-1", 34.444962140815406, 0.33716797313485125, 2198, false, "O-1"),
                new Bag("B-9", "pick-1", 33.44283596696167, 0.26362475317040246, 1617, false, "O-2"),
                new Bag("B-10", "pick-1", 21.974137559642134, 0.33835954240480726, 959, false, "O-2"),
                new Bag("B-11", "pick-1", 32.40036654071539, 0.44690671585213226, 2379, false, "O-2"),
                new Bag("B-12", "pick-1", 6.36081018651395, 0.4177262291946987, 2352, false, "O-2"));
        Map<String, List<String>> orders = new LinkedHashMap<>();
        orders.put("O-0", List.of("B-1", "B-2", "B-3", "B-4"));
        orders.put("O-1", List.of("B-5", "B-6", "B-7", "B-8"));
        orders.put("O-2", List.of("B-9", "B-10", "B-11", "B-12"));
        play(new Run(new Layout(1.0, 1.2, 0.05, true), bags, orders, -1.0), new Jam("w1", 40.0, 10.0, true));
    }

    /**
     * What seed -692262719375731199 of the jam property generated (try 21) when p2's motor switching
     * on again without the horn counted as unexpected motion: B-6 stuck in p2 for 1.12 s (less than
     * any jam limit, so the daemon latched nothing), p2 stopped short of its eye while p1 had the
     * merge turn, and went on after it. The simulator took that accumulation stop for a latched one
     * (a stuck bag, nothing at the eye). Kept as the sample itself.
     */
    @Example
    void p2StuckBrieflyAtSeedMinus692262719375731199RestartsOnlyAfterTheHorn() {
        List<Bag> bags = List.of(
                new Bag("B-1", "pick-2", 19.286681977834355, 0.30781934065531713, 2060, false, "O-0"),
                new Bag("B-2", "pick-2", 38.374827906565514, 0.39419362108060924, 882, false, "O-0"),
                new Bag("B-3", "pick-2", 31.836560237091653, 0.3311390074129695, 1074, false, "O-0"),
                new Bag("B-4", "pick-1", 12.818792494087408, 0.42071452352749583, 1630, false, "O-0"),
                new Bag("B-5", "pick-1", 2.8161833106454237, 0.3321701821288618, 2327, false, "O-1"),
                new Bag("B-6", "pick-2", 8.719205680791262, 0.27955073101373906, 1516, true, "O-1"),
                new Bag("B-7", "pick-1", 37.74987516391795, 0.4309121485354757, 880, false, "O-1"),
                new Bag("B-8", "pick-1", 15.27872370012978, 0.3007134643162535, 2277, false, "O-1"),
                new Bag("B-9", "pick-1", 3.9608520428405303, 0.35796616741049314, 2021, false, "O-2"),
                new Bag("B-10", "pick-1", 10.633790450648121, 0.3871652645043222, 944, false, "O-2"),
                new Bag("B-11", "pick-1", 7.0564726884082685, 0.37399736949291046, 919, false, "O-2"),
                new Bag("B-12", "pick-1", 20.0844531509076, 0.3791838110847823, 1236, false, "O-2"),
                new Bag("B-13", "pick-1", 1.5043912149446692, 0.27894221179572065, 479, false, "O-3"),
                new Bag("B-14", "pick-1", 38.17576974275278, 0.3081756015048115, 1666, false, "O-3"),
                new Bag("B-15", "pick-1", 12.467155235306087, 0.3003974315968166, 1640, false, "O-3"),
                new Bag("B-16", "pick-2", 2.6190648323663845, 0.34376768826387605, 761, true, "O-3"),
                new Bag("B-17", "pick-2", 24.643256342020152, 0.4042751285409929, 2376, false, "O-4"),
                new Bag("B-18", "pick-2", 14.345040728936084, 0.27906133616175677, 392, false, "O-4"),
                new Bag("B-19", "pick-1", 26.17709333338668, 0.37940043421899655, 2306, false, "O-4"));
        Map<String, List<String>> orders = new LinkedHashMap<>();
        orders.put("O-0", List.of("B-1", "B-2", "B-3", "B-4"));
        orders.put("O-1", List.of("B-5", "B-6", "B-7", "B-8"));
        orders.put("O-2", List.of("B-9", "B-10", "B-11", "B-12"));
        orders.put("O-3", List.of("B-13", "B-14", "B-15", "B-16"));
        orders.put("O-4", List.of("B-17", "B-18", "B-19"));
        play(new Run(new Layout(0.5, 1.2, 0.05, true), bags, orders, 34.8), new Jam("p2", 9.39, 1.12, true));
    }

    /** How the sorter drive behaves (the simulator's ramp, told to the daemon too) and how late the e-stop edge is handled. */
    record Drive(int rampMs, int estopLagMs) {}

    /**
     * An e-stop while bags sit on the sorter (the first moment after {@code estopAt} that one does),
     * with slip up to 5 %, a drive ramp of 100-1500 ms and 0-20 ms between the edge and its handling:
     * no bag passes a diverter part way out, none lands in a wrong lane, and no bag the line still
     * holds is reported lost (a bag the sorter cannot place for sure goes to exception with a reason).
     */
    @Property(tries = 60, shrinking = ShrinkingMode.OFF)
    void anEstopWithBagsOnTheSorterNeverMisSortsThem(@ForAll("runs") Run run, @ForAll("slips") double slip,
                                                     @ForAll("drives") Drive drive) {
        Layout l = run.layout();
        double estopAt = run.estopAt() < 0 ? 10 : run.estopAt();
        play(new Run(new Layout(l.speed(), l.zoneLength(), slip, l.flicker()), run.bags(), run.orders(), estopAt), null, drive);
    }

    @Provide
    Arbitrary<Double> slips() {
        return Arbitraries.doubles().between(0, 0.05);
    }

    @Provide
    Arbitrary<Drive> drives() {
        return Combinators.combine(Arbitraries.integers().between(100, 1500), Arbitraries.integers().between(0, 20)).as(Drive::new);
    }

    private void play(Run run, Jam jam) {
        play(run, jam, null);
    }

    private void play(Run run, Jam jam, Drive drive) {
        LineConfig.Sorter s = DEMO.sorter();
        LineConfig cfg = drive == null ? layout(run.layout()) : layout(run.layout(), new LineConfig.Sorter(s.lengthM(), s.motor(),
                s.entryEye(), s.entryEyeAtM(), s.diverters(), s.runOutLane(), s.minGapM(), drive.rampMs(), s.coastM()));
        assertThat(validationErrors(cfg)).as("generated layout is valid").isEmpty();
        SimSettings settings = SimSettings.defaults().withSlip(run.layout().slip()).withFlicker(run.layout().flicker());
        int sorterRampMs = drive == null ? settings.rampMs() : drive.rampMs();
        try (VirtualLineRig rig = new VirtualLineRig(cfg, new SimSettings(settings.slip(), settings.rampMs(), 0.35, 1000,
                settings.laneTravelMs(), settings.flicker(), settings.watchdogMs(), settings.scaleStableWaitMs(), 7, sorterRampMs))) {
            if (drive != null) rig.estopLagNanos = drive.estopLagMs() * 1_000_000L;
            run.orders().forEach((order, bagIds) -> assertThat(rig.command(() -> rig.line.placeOrder(order,
                    bagIds.stream().map(b -> new OrderBook.OrderBag(b, null)).toList(), null, "c-" + order)).ok()).isTrue());
            assertThat(rig.command(() -> rig.line.requestStart("c-start", "test")).ok()).isTrue();

            Map<String, Double> collectDue = new HashMap<>();
            List<Bag> pending = new ArrayList<>(run.bags());
            pending.sort((a, b) -> Double.compare(a.at(), b.at()));
            double t0 = rig.clock.nanos() / 1e9;
            boolean estopDone = run.estopAt() < 0;
            boolean jamSet = false, jamFreed = false;
            Set<String> takenOff = new java.util.HashSet<>();
            double tookOffAt = Double.NEGATIVE_INFINITY;
            double nextReset = 0, startAt = Double.MAX_VALUE;
            double lastHang = pending.isEmpty() ? 0 : pending.get(pending.size() - 1).at();
            double limit = lastHang + 240;
            while (true) {
                double now = rig.clock.nanos() / 1e9 - t0;
                while (!pending.isEmpty() && pending.get(0).at() <= now) {
                    Bag b = pending.remove(0);
                    rig.world.hangBag(b.id(), b.station(), b.grams(), b.lengthM(), b.noRead());
                }
                if (jam != null) {
                    double t = now - jam.at();
                    if (t >= 0 && !jamSet) {
                        jamSet = true;
                        rig.world.setJam(jam.zone(), true);
                    } else if (t >= jam.holdS() && !jamFreed) {
                        jamFreed = true;
                        // a person who answers the jam alarm may take the stuck bags off instead of freeing them
                        // (a bag taken off silently, with no alarm, before the next bag comes is a limit: see the note)
                        if (jam.takeOff() && String.valueOf(rig.line.status().reason()).contains("jam")) {
                            takenOff.addAll(rig.world.takeOff(jam.zone()));
                            tookOffAt = now;
                        }
                        rig.world.setJam(jam.zone(), false);
                    } else if (jamFreed && t >= jam.holdS() + 1 && now >= nextReset
                            && String.valueOf(rig.line.status().reason()).contains("jam")) {
                        // the person who freed the bag sees the latched jam and resets (remote reset is allowed for a jam);
                        // the daemon may latch after the bag is free, when its retry timed out: then again
                        rig.command(() -> rig.line.requestReset("c-jam-reset-" + now, false));
                        startAt = now + 1;
                        nextReset = now + 3;
                    }
                    if (now >= startAt) {
                        startAt = Double.MAX_VALUE;
                        rig.command(() -> rig.line.requestStart("c-jam-start-" + now, "test"));   // "already running" is fine
                    }
                }
                if (!estopDone && now >= run.estopAt() && (drive == null || onSorter(rig) || pending.isEmpty() && rig.world.settled())) {
                    estopDone = true;
                    emergencyStopAndRecover(rig, cfg);
                }
                riderCollects(rig, collectDue, now, run);
                rig.step();
                boolean allPlaced = pending.isEmpty() && rig.world.settled();
                boolean ridersDone = collectDue.keySet().stream().allMatch(k -> k.startsWith("done:"));
                // after bags were taken off, give the daemon time to miss them (its arrival window) before judging
                if (allPlaced && ridersDone && now > lastHang + 5 && now > tookOffAt + 30) break;
                if (now >= limit) {
                    throw new AssertionError("the line did not settle within " + (int) limit + " s: " + run.layout() + " jam " + jam
                            + "\nbags: " + rig.world.bagPlaces() + "\njammed: " + rig.world.jammed()
                            + "\nline: " + rig.line.snapshot()
                            + "\nevents: " + rig.events.events.stream().map(e -> e.type() + e.fields()).toList());
                }
            }
            try {
                assertOutcome(rig, run, jam, takenOff);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nrun: " + run + "\njam: " + jam + "\nbags: " + rig.world.bagPlaces()
                        + "\nevents: " + rig.events.events.stream().map(ev -> ev.type() + ev.fields()).toList(), e);
            }
        }
    }

    private static List<ConfigProblem> validationErrors(LineConfig cfg) {
        ConveyordConfig c = ConfigLoader.load(Path.of(System.getProperty("conveyord.repo", ".."), "config", "demo.yaml")).config();
        LinkedHashMap<String, DeviceConfig> d = new LinkedHashMap<>(c.devicesOrEmpty());
        d.put("line-1", cfg);
        return ConfigValidator.validate(c.withDevices(d)).stream().filter(f -> f.severity() == ConfigProblem.Severity.ERROR)
                .map(f -> new ConfigProblem(Path.of("generated"), 0, f.keyPath(), f.message(), f.severity())).toList();
    }

    private static boolean onSorter(VirtualLineRig rig) {
        return rig.world.bagPlaces().values().stream().anyMatch(p -> LineConfig.SORTER.equals(p.at()));
    }

    /** Press the e-stop: at that very edge every motion output must be off; then release, reset button, start. */
    private static void emergencyStopAndRecover(VirtualLineRig rig, LineConfig cfg) {
        rig.world.setEstop(true);
        rig.step();   // the edge reaches the controller in this tick
        for (long t = 0; t < rig.estopLagNanos; t += VirtualLineRig.TICK) rig.step();   // or later, on a busy GPIO thread
        for (LineConfig.Zone z : cfg.zonesOrEmpty()) {
            assertThat(rig.world.output(z.motor().pin()) == z.motor().activeLevel()).as("motor of %s after e-stop", z.id()).isFalse();
        }
        assertThat(rig.world.output(cfg.sorter().motor().pin()) == cfg.sorter().motor().activeLevel()).isFalse();
        rig.runFor(2);
        rig.world.setEstop(false);
        rig.runFor(1);
        assertThat(rig.command(() -> rig.line.requestStart("c-too-early", "test")).ok()).isFalse();
        rig.world.pressButton("reset");
        rig.runFor(1);
        assertThat(rig.command(() -> rig.line.requestStart("c-restart", "test")).ok()).isTrue();
    }

    /** A rider takes a complete order's lane 10 s after it completed; before that, the lane holds one order only. */
    private static void riderCollects(VirtualLineRig rig, Map<String, Double> due, double now, Run run) {
        for (var e : rig.events.ofType("order-complete")) {
            String lane = String.valueOf(e.fields().get("dest"));
            String key = e.seq() + ":" + lane;
            if (!due.containsKey(key) && !due.containsKey("done:" + key)) due.put(key, now + 10);
        }
        List<String> ready = due.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("done:") && e.getValue() <= now).map(Map.Entry::getKey).toList();
        for (String key : ready) {
            String lane = key.substring(key.indexOf(':') + 1);
            try {
                assertSingleOrderIn(rig, lane, run);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nrun: " + run + "\nbags: " + rig.world.bagPlaces()
                        + "\nevents: " + rig.events.events.stream().map(ev -> ev.type() + ev.fields()).toList(), e);
            }
            rig.world.collect(lane);
            assertThat(rig.command(() -> rig.line.collect(lane, "c-collect")).ok()).isTrue();
            due.remove(key);
            due.put("done:" + key, -1.0);
        }
    }

    private static void assertSingleOrderIn(VirtualLineRig rig, String lane, Run run) {
        Map<String, String> orderOf = new HashMap<>();
        run.orders().forEach((o, bags) -> bags.forEach(b -> orderOf.put(b, o)));
        Set<String> ordersInLane = rig.world.bagPlaces().entrySet().stream()
                .filter(e -> lane.equals(e.getValue().at()))
                .map(e -> orderOf.getOrDefault(e.getKey(), "none:" + e.getKey()))
                .collect(Collectors.toSet());
        assertThat(ordersInLane).as("orders in %s", lane).hasSizeLessThanOrEqualTo(1);
    }

    /** Where a jam in a station zone may make the daemon give up a read: the station's id. */
    private static String stationOf(String zone) {
        return DEMO.stations().stream().filter(st -> st.zone().equals(zone)).map(LineConfig.Station::id).findFirst().orElse(null);
    }

    private static void assertOutcome(VirtualLineRig rig, Run run, Jam jam, Set<String> takenOff) {
        assertThat(rig.world.collisions()).as("collisions").isZero();
        assertThat(rig.world.unexpectedMotion()).as("unexpected motion").isZero();
        assertThat(rig.world.divertMisses()).as("divert misses (a diverter part way out as a bag passed)").isZero();
        Map<String, BagPlace> places = rig.world.bagPlaces();
        Set<String> explained = rig.events.ofType("bag-diverted").stream()
                .filter(e -> "exception".equals(e.fields().get("dest")) && e.fields().get("reason") != null
                        && !"null".equals(e.fields().get("reason")))
                .map(e -> String.valueOf(e.fields().get("bag"))).collect(Collectors.toSet());
        long reasonsWithoutId = rig.events.ofType("bag-diverted").stream()
                .filter(e -> "exception".equals(e.fields().get("dest")) && (String.valueOf(e.fields().get("bag")).startsWith("noread-")
                        || String.valueOf(e.fields().get("bag")).startsWith("unknown-")))
                .count();
        // A bag stuck before its station's eye until a person cleared the jam is reported lost at that
        // station (the person may have taken it off); if it was pushed on, it travels as a no-read.
        String jamStation = jam == null ? null : stationOf(jam.zone());
        List<Map<String, Object>> lost = rig.events.ofType("bag-lost").stream().map(e -> e.fields()).toList();
        Set<String> lostIds = lost.stream().map(f -> String.valueOf(f.get("bag"))).collect(Collectors.toSet());
        assertThat(lost).as("bag-lost events: only for a station jam or a bag taken off")
                .allMatch(f -> (jamStation != null && jamStation.equals(f.get("lastSeen"))) || takenOff.contains(String.valueOf(f.get("bag")))
                        // a no-read bag taken off is known to the daemon only by its generated name
                        || (!takenOff.isEmpty() && String.valueOf(f.get("bag")).matches("(noread|unknown)-.*")));
        // a bag taken off that the daemon knew by name must be reported lost, never left "on the line"
        Set<String> named = rig.events.events.stream().map(e -> String.valueOf(e.fields().get("bag"))).collect(Collectors.toSet());
        for (String b : takenOff) {
            if (named.contains(b)) assertThat(lostIds).as("bag %s was taken off by hand", b).contains(b);
        }
        explained.addAll(lostIds);
        Map<String, String> laneOfOrder = new HashMap<>();
        int noReadInException = 0;
        for (Bag b : run.bags()) {
            if (takenOff.contains(b.id())) continue;
            BagPlace p = places.get(b.id());
            assertThat(p).as("bag %s is somewhere", b.id()).isNotNull();
            String where = "collected".equals(p.at()) ? p.lane() : p.at();
            assertThat(where).as("bag %s ended in a lane (was %s)", b.id(), p).isNotNull().matches("lane-\\d|exception");
            if (lostIds.contains(b.id())) {
                assertThat(where).as("bag %s reported lost must not reach an order lane", b.id()).isEqualTo("exception");
                continue;
            }
            if (where.equals("exception")) {
                if (b.noRead()) noReadInException++;
                else assertThat(explained).as("bag %s is in exception with a reason event", b.id()).contains(b.id());
            } else {
                assertThat(b.order()).as("bag %s (no order) must not be in an order lane", b.id()).isNotNull();
                assertThat(b.noRead()).as("a no-read bag %s must not be in an order lane", b.id()).isFalse();
                String previous = laneOfOrder.putIfAbsent(b.order(), where);
                assertThat(previous == null || previous.equals(where)).as("order %s split over %s and %s", b.order(), previous, where).isTrue();
            }
        }
        assertThat(reasonsWithoutId).as("every no-read bag has its exception event").isGreaterThanOrEqualTo(noReadInException);
    }

    /**
     * Found by {@link #anEstopWithBagsOnTheSorterNeverMisSortsThem} (1 in ~140 tries, seed -7430794807745666399):
     * after an e-stop the drive's 1 s start ramp ran while B-6 covered the entry eye, so its length
     * measured at the nominal speed was too long, its interval started ahead of the bag, and lane-1's
     * diverter went back while B-6 was still passing ("only 87 % out"). Failed before the fix.
     */
    @Example
    void aBagThatCoveredTheEntryEyeDuringTheStartRampIsNotMisDiverted() {
        List<Bag> bags = List.of(
                new Bag("B-1", "pick-2", 7.55610194215198, 0.3194764406298696, 1106, false, "O-0"),
                new Bag("B-2", "pick-1", 25.978198884059584, 0.43850556360856674, 2075, false, "O-1"),
                new Bag("B-3", "pick-2", 19.548959269917113, 0.4012489007424179, 2337, false, "O-1"),
                new Bag("B-4", "pick-2", 39.070729690223295, 0.3385038139487732, 1590, false, "O-1"),
                new Bag("B-5", "pick-2", 18.821227119908336, 0.32999993027797536, 2496, false, "O-2"),
                new Bag("B-6", "pick-2", 1.669492345460739, 0.36972045527990455, 1697, false, "O-2"),
                new Bag("B-7", "pick-1", 23.98517525101433, 0.44965989350675073, 2468, false, "O-3"),
                new Bag("B-8", "pick-1", 11.496527045907081, 0.33556713087006146, 383, false, "O-3"),
                new Bag("B-9", "pick-1", 38.2615743218537, 0.42575793408165485, 743, false, "O-3"),
                new Bag("B-10", "pick-1", 5.34910210858734, 0.32908126834275947, 663, false, "O-3"),
                new Bag("B-11", "pick-2", 33.37871449907015, 0.37612469092847045, 1359, false, "O-4"),
                new Bag("B-12", "pick-1", 25.047753316387833, 0.3691029801513758, 1079, false, "O-4"));
        Map<String, List<String>> orders = new LinkedHashMap<>();
        orders.put("O-0", List.of("B-1"));
        orders.put("O-1", List.of("B-2", "B-3", "B-4"));
        orders.put("O-2", List.of("B-5", "B-6"));
        orders.put("O-3", List.of("B-7", "B-8", "B-9", "B-10"));
        orders.put("O-4", List.of("B-11", "B-12"));
        play(new Run(new Layout(0.5, 1.0, 0.04, false), bags, orders, 10), null, new Drive(1012, 10));
    }
    /**
     * Found by {@link #anEstopWithBagsOnTheSorterNeverMisSortsThem} (seed -2070036204969137037, after 1,213
     * tries): after an e-stop, B-6 sat on the sorter bound for lane-1 and B-7 waited in w1; at the restart
     * w1 released B-7 at once (its gap was counted from a tail long before the stop), during the drive's
     * 1.4 s start ramp, and B-7 reached lane-1's point while that diverter was still going back for B-6
     * ("only 3 % out"). Failed before the fix.
     */
    @Example
    void aBagIsNotReleasedIntoTheSorterDuringItsStartRamp() {
        List<Bag> bags = List.of(
                new Bag("B-1", "pick-1", 7.467245323969269, 0.3464746875404871, 2259, true, "O-0"),
                new Bag("B-2", "pick-1", 13.150986463988271, 0.39431617712439404, 469, false, "O-1"),
                new Bag("B-3", "pick-1", 15.895460869293103, 0.2540479189076297, 458, false, "O-2"),
                new Bag("B-4", "pick-1", 13.166679601519462, 0.3225034357361974, 1701, false, "O-3"),
                new Bag("B-5", "pick-2", 38.64889365705848, 0.4180769010728523, 945, false, "O-4"),
                new Bag("B-6", "pick-1", 1.8313189289192877, 0.31546933093436036, 2667, false, "O-4"),
                new Bag("B-7", "pick-2", 3.038465313285217, 0.40285920964270755, 2463, false, "O-5"),
                new Bag("B-8", "pick-2", 24.14813269446811, 0.3125067654203855, 1068, false, "O-5"),
                new Bag("B-9", "pick-2", 17.99218355938916, 0.34301893812386003, 900, false, "O-5"),
                new Bag("B-10", "pick-2", 8.542133667313681, 0.34623042244375457, 721, false, "O-5"));
        Map<String, List<String>> orders = new LinkedHashMap<>();
        orders.put("O-0", List.of("B-1"));
        orders.put("O-1", List.of("B-2"));
        orders.put("O-2", List.of("B-3"));
        orders.put("O-3", List.of("B-4"));
        orders.put("O-4", List.of("B-5", "B-6"));
        orders.put("O-5", List.of("B-7", "B-8", "B-9", "B-10"));
        play(new Run(new Layout(1.0, 1.2, 0.01, false), bags, orders, 7.56), null, new Drive(1388, 14));
    }
}
