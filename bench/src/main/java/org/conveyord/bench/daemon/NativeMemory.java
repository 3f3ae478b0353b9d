package org.conveyord.bench.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code jcmd PID VM.native_memory summary}: committed KiB per JVM component (the process must run with NMT). */
final class NativeMemory {
    private static final Pattern LINE = Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB");
    private static final Pattern TOTAL = Pattern.compile("^Total: reserved=\\d+KB, committed=(\\d+)KB");

    private NativeMemory() {}

    static Map<String, Long> summary(long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(IdleBench.jcmd().toString(), Long.toString(pid), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            var t = TOTAL.matcher(line.strip());
            if (t.find()) m.put("Total", Long.parseLong(t.group(1)));
            var c = LINE.matcher(line.strip());
            if (c.find()) m.put(c.group(1).strip(), Long.parseLong(c.group(2)));
        }
        return m;
    }
}
