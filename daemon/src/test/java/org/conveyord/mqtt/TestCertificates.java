package org.conveyord.mqtt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Certificates made by openssl for the TLS tests: {@code <name>.pem} and {@code <name>.key} in one folder. */
public final class TestCertificates {
    private final Path dir;

    public TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** A self-signed CA. */
    public void ca(String name) throws Exception {
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".pem").toString(),
                "-days", "2", "-subj", "/CN=" + name);
    }

    /** A certificate signed by {@code ca}, with one extension line (e.g. {@code subjectAltName=IP:127.0.0.1}). */
    public void signed(String name, String ca, String ext) throws Exception {
        Path csr = dir.resolve(name + ".csr");
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
        Path extFile = dir.resolve(name + ".ext");
        Files.writeString(extFile, ext + "\n");
        run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", dir.resolve(ca + ".pem").toString(),
                "-CAkey", dir.resolve(ca + ".key").toString(), "-CAcreateserial", "-out", dir.resolve(name + ".pem").toString(),
                "-days", "2", "-extfile", extFile.toString());
    }

    /** Runs a tool and asserts it succeeded (its output in the failure message). */
    public static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
