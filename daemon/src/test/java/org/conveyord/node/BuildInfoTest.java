package org.conveyord.node;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class BuildInfoTest {

    @Test
    void versionComesFromTheMavenFilteredResource() {
        BuildInfo b = BuildInfo.load();
        assertThat(b.version()).isNotBlank().doesNotContain("${").isNotEqualTo("dev");
        assertThat(b.commit()).isNotBlank();
    }

    @Test
    void commitIsTheCheckoutsHeadWhenBuiltInsideGit() throws Exception {
        String head = gitHead();
        BuildInfo b = BuildInfo.load();
        if (head == null) {
            assertThat(b.commit()).isEqualTo("unknown");
        } else {
            // the build ran just before the tests, from the same checkout
            assertThat(b.commit()).matches("[0-9a-f]{7}").isEqualTo(head);
        }
    }

    private static String gitHead() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short=7", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        }
    }
}
