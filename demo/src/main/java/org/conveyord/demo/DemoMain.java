package org.conveyord.demo;

import org.conveyord.node.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code conveyord-demo}: see {@link DemoRunner}. Exit codes as the daemon's: 0 fine, 1 failed, 2 bad config or usage. */
@Command(name = "conveyord-demo", sortOptions = false,
        description = "Embedded broker + simulated line + conveyord on config/demo.yaml, with a scripted flow of bags.")
public final class DemoMain implements Callable<Integer> {

    @Option(names = "--mqtt-url", paramLabel = "tcp://HOST:PORT",
            description = "use this broker instead of starting the embedded one on 127.0.0.1:1883 (or the next free port)")
    String mqttUrl;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new DemoMain());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("conveyord-demo: " + ex.getMessage());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, rest) -> {
            System.err.println("conveyord-demo: " + ex.getMessage());
            System.err.println("Try 'conveyord-demo --help'.");
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return DemoRunner.run(BuildInfo.load(), mqttUrl);
    }
}
