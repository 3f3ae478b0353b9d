package org.conveyord.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code http.listen} and {@code http.auth}: loopback by default, credentials required beyond it. */
class HttpConfigTest {
    private static final Path STORE_EXAMPLE = Path.of(System.getProperty("conveyord.repo", ".."), "config", "store-example.yaml");

    @TempDir
    Path tmp;

    /** The store example with its commented-out http section switched on, then {@code from} replaced. */
    private ConfigLoader.Result loadExampleWith(String from, String to) throws IOException {
        String s = Files.readString(STORE_EXAMPLE).replace("#http:\n#  listen:", "http:\n  listen:")
                .replace("#  auth:", "  auth:");
        assertThat(s).contains(from);
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, s.replace(from, to));
        return ConfigLoader.load(f);
    }

    @Test
    void theStoreExamplesSectionListensOnTheNetworkWithCredentials() throws IOException {
        ConfigLoader.Result r = loadExampleWith("http:", "http:");
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
        HttpConfig h = r.config().httpOrDefault();
        assertThat(h.host()).isEqualTo("0.0.0.0");
        assertThat(h.port()).isEqualTo(8080);
        assertThat(h.loopback()).isFalse();
        assertThat(h.auth()).endsWith("http-users");
    }

    @Test
    void withoutASectionTheServerIsOnLoopback8080() throws IOException {
        assertThat(ConfigLoader.load(STORE_EXAMPLE).config().httpOrDefault().loopback()).isTrue();
        HttpConfig h = new ConveyordConfig("s", "n", null, null, null, null, null).httpOrDefault();
        assertThat(h.enabled()).isTrue();
        assertThat(h.listenOrDefault()).isEqualTo("127.0.0.1:8080");
        assertThat(h.loopback()).isTrue();
        assertThat(new HttpConfig("off", null).enabled()).isFalse();
    }

    @Test
    void beyondLoopbackWithoutAuthIsAnErrorOnHttpAuth() throws IOException {
        ConfigLoader.Result r = loadExampleWith("  auth: ${CREDENTIALS_DIRECTORY}/http-users\n", "");
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).anySatisfy(p -> {
            assertThat(p.keyPath()).isEqualTo("http.auth");
            assertThat(p.message()).contains("0.0.0.0:8080").contains("127.0.0.1");
        });
    }

    @Test
    void aListenAddressWithoutAPortIsAnErrorOnHttpListen() throws IOException {
        ConfigLoader.Result r = loadExampleWith("  listen: 0.0.0.0:8080", "  listen: 0.0.0.0");
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).filteredOn(ConfigProblem::isError).anySatisfy(p -> {
            assertThat(p.keyPath()).isEqualTo("http.listen");
            assertThat(p.message()).contains("host:port").contains("off");
        });
    }

    @Test
    void offNeedsNothingElse() throws IOException {
        ConfigLoader.Result r = loadExampleWith("  listen: 0.0.0.0:8080\n  auth: ${CREDENTIALS_DIRECTORY}/http-users\n",
                "  listen: off\n");
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
        assertThat(r.config().httpOrDefault().enabled()).isFalse();
    }
}
