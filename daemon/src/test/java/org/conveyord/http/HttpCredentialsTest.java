package org.conveyord.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpCredentialsTest {
    @TempDir
    Path tmp;

    private HttpCredentials load(String text) throws IOException {
        return HttpCredentials.load(Files.writeString(tmp.resolve("users"), text));
    }

    private static String basic(String userColonSecret) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonSecret.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bearerAndBasicNameTheUser() throws IOException {
        HttpCredentials c = load("# staff\nanna  token-anna-1\n\nbob token-bob-22\n");
        assertThat(c.authenticate("Bearer token-bob-22")).contains("bob");
        assertThat(c.authenticate(basic("anna:token-anna-1"))).contains("anna");
        assertThat(c.authenticate(basic("bob:token-anna-1"))).isEmpty();
        assertThat(c.authenticate("Bearer token-nobody")).isEmpty();
        assertThat(c.authenticate("Basic !!not-base64")).isEmpty();
        assertThat(c.authenticate("Digest x")).isEmpty();
        assertThat(c.authenticate(null)).isEmpty();
    }

    @Test
    void aBadLineIsReportedWithFileAndLineNumber() {
        assertThatThrownBy(() -> load("anna token-anna-1\nbob\n")).hasMessageContaining("line 2")
                .hasMessageContaining("expected 'name secret'");
        assertThatThrownBy(() -> load("anna short\n")).hasMessageContaining("line 1").hasMessageContaining("at least 8");
        assertThatThrownBy(() -> load("anna token-anna-1\nanna token-anna-2\n")).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> load("# nobody\n")).hasMessageContaining("lists nobody");
    }

    @Test
    void nobodyConfiguredAuthenticatesNobody() {
        assertThat(HttpCredentials.none().configured()).isFalse();
        assertThat(HttpCredentials.none().authenticate("Bearer anything-at-all")).isEmpty();
    }
}
