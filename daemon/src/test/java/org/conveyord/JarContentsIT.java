package org.conveyord;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/** The shaded jar (built in package, checked in verify) carries only what runs on a store box. */
class JarContentsIT {
    private static final Path JAR = Path.of(System.getProperty("conveyord.repo", "..")).resolve("daemon/target/conveyord.jar");
    private static final long MAX_BYTES = 12L * 1024 * 1024;

    @Test
    void theDaemonJarHoldsNoSimulatorBrokerOrForeignNatives() throws IOException {
        assertThat(JAR).as("run mvn package first").isRegularFile();
        assertThat(Files.size(JAR)).as("size of %s", JAR).isLessThanOrEqualTo(MAX_BYTES);
        List<String> names;
        try (JarFile jar = new JarFile(JAR.toFile())) {
            names = jar.stream().map(ZipEntry::getName).toList();
        }
        assertThat(names).contains("org/conveyord/Main.class", "org/conveyord/Daemon.class");
        assertThat(names).noneMatch(n -> n.startsWith("org/conveyord/sim/"))
                .noneMatch(n -> n.startsWith("io/moquette/"))
                .noneMatch(n -> n.startsWith("com/google/zxing/"))
                .noneMatch(n -> n.startsWith("com/pi4j/plugin/mock/"));
        List<String> natives = names.stream().filter(n -> n.endsWith(".so") || n.endsWith(".dll")
                || n.endsWith(".dylib") || n.endsWith(".jnilib")).toList();
        // serial (jssc) for the Linux boxes we ship to, libgpiod for the Pi, epoll for sd_notify; nothing else
        assertThat(natives).containsExactlyInAnyOrder(
                "natives/linux_64/libjssc.so", "natives/linux_arm/libjssc.so", "natives/linux_arm64/libjssc.so",
                "lib/armhf/pi4j-gpiod/libpi4j-gpiod.so", "lib/armhf/pi4j-gpiod/libgpiod.so",
                "lib/aarch64/pi4j-gpiod/libpi4j-gpiod.so", "lib/aarch64/pi4j-gpiod/libgpiod.so",
                "META-INF/native/libnetty_transport_native_epoll_x86_64.so",
                "META-INF/native/libnetty_transport_native_epoll_aarch_64.so");
    }

    /**
     * The shipped jar's logging (DaemonLogConfigurator, found through META-INF/services): a real
     * process whose stdout is the journal prefixes each line with its priority, one line per event.
     */
    @Test
    void theDaemonJarLogsOneLinePerEventWithItsJournalPriority() throws Exception {
        assertThat(JAR).as("run mvn package first").isRegularFile();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path cfg = Files.createTempFile("conveyord-log", ".yaml");
        Path repo = Path.of(System.getProperty("conveyord.repo", ".."));
        Files.writeString(cfg, Files.readString(repo.resolve("config/demo.yaml"))
                .replace("sim: {host: 127.0.0.1, port: 7070}", "sim: {host: 127.0.0.1, port: " + closedPort + "}"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", JAR.toString(), "--safe-outputs", "--config", cfg.toString())
                .redirectErrorStream(true);
        pb.environment().put("JOURNAL_STREAM", "8:12345");
        pb.environment().remove("CONVEYORD_LOG_LEVEL");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Files.delete(cfg);
        // no GPIO bridge on that port: a WARN from the GPIO factory, then an INFO
        assertThat(out).as(out).containsPattern("(?m)^<4>\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[main] o\\.c\\.h\\.p\\.GpioFactory - GPIO: .*not reachable")
                .containsPattern("(?m)^<6>\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  ")
                .doesNotContain("PARSER_ERROR").doesNotContain("logback");
    }
}
