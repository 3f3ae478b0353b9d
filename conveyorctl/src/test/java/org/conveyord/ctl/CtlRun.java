package org.conveyord.ctl;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;

/** One conveyorctl invocation in-process: its exit code and what it printed. */
record CtlRun(int code, String out, String err) {

    /** A system config path that never exists, so the machine's /etc/conveyord does not leak into tests. */
    static final Path NO_SYSTEM_CONFIG = Path.of("/nonexistent/conveyorctl-test/conveyord.yaml");

    static CtlRun of(String... args) {
        return of(new ByteArrayOutputStream(), new ByteArrayOutputStream(), args);
    }

    /** With caller-owned buffers, for a run that is watched while it is still going. */
    static CtlRun of(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        int code = ConveyorCtl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), NO_SYSTEM_CONFIG, ZoneOffset.UTC);
        return new CtlRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
