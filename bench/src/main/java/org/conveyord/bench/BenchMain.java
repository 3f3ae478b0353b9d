package org.conveyord.bench;

import java.util.Arrays;

/**
 * {@code java -jar bench/target/bench.jar <command> [args]}:
 * <ul>
 *   <li>{@code jmh [JMH options]}: every JMH benchmark in this jar</li>
 *   <li>{@code control [--layout default|big] [--zones N] [--stations N] [--lanes N] [--speed M/S]
 *       [--rate BAGS/S] [--seconds 60 | --minutes M] [--warmup-s S] [--drain-s S] [--estops 20] [--mqtt-url URL]
 *       [--no-state]}: eye edge to output latency (the 10 worst samples with their cause), allocation, GC,
 *       RSS and CPU of the line control path under load, with MQTT publishing on; the last line is
 *       {@code RESULT {json}} (see ControlPathBench#run)</li>
 *   <li>{@code delivery ...}: the event path to a broker with the durable outbox (see bench/run-delivery.sh)</li>
 *   <li>{@code idle}, {@code startup}, {@code commands}: the daemon jar on the demo line with the unit's JVM flags
 *       (see org.conveyord.bench.daemon); each ends with a line {@code RESULT {json}}</li>
 * </ul>
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: bench.jar jmh [JMH options]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "control" -> org.conveyord.bench.control.ControlPathBench.main(rest);
            case "delivery" -> org.conveyord.bench.delivery.DeliveryBench.main(rest);
            case "idle" -> org.conveyord.bench.daemon.IdleBench.main(rest);
            case "startup" -> org.conveyord.bench.daemon.StartupBench.main(rest);
            case "commands" -> org.conveyord.bench.daemon.CommandsBench.main(rest);
            default -> {
                System.err.println("bench.jar: unknown command '" + args[0] + "'");
                System.exit(2);
            }
        }
    }
}
