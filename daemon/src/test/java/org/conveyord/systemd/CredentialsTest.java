package org.conveyord.systemd;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialsTest {

    @Test
    void credentialsDirectoryComesFromSystemd() {
        assertThat(Credentials.resolve("mqtt.credentialsFile", "${CREDENTIALS_DIRECTORY}/mqtt",
                Map.of("CREDENTIALS_DIRECTORY", "/run/credentials/conveyord.service")))
                .isEqualTo(Path.of("/run/credentials/conveyord.service/mqtt"));
    }

    @Test
    void aPlainPathStaysAsItIs() {
        assertThat(Credentials.resolve("mqtt.credentialsFile", "/etc/conveyord/mqtt-credentials", Map.of()))
                .isEqualTo(Path.of("/etc/conveyord/mqtt-credentials"));
    }

    @Test
    void withoutSystemdTheErrorSaysWhatToDo() {
        assertThatThrownBy(() -> Credentials.resolve("mqtt.credentialsFile", "${CREDENTIALS_DIRECTORY}/mqtt", Map.of()))
                .hasMessageContaining("mqtt.credentialsFile")
                .hasMessageContaining("LoadCredential=");
    }
}
