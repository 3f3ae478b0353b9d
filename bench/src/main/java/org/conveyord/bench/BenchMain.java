package org.conveyord.bench;

import java.util.Arrays;

/**
 * {@code java -jar bench/target/bench.jar <command> [args]}:
 * <ul>
 *   <li>{@code jmh [JMH options]}: every JMH benchmark in this jar (e.g. {@code jmh ControlPath -prof gc})</li>
 * </ul>
 * Load harnesses add their own command here.
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
            default -> {
                System.err.println("bench.jar: unknown command '" + args[0] + "'");
                System.exit(2);
            }
        }
    }
}
