package org.conveyord.node;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BuildInfoTest {

    @Test
    void versionComesFromTheMavenFilteredResource() {
        BuildInfo b = BuildInfo.load();
        assertThat(b.version()).isNotBlank().doesNotContain("${").isNotEqualTo("dev");
        assertThat(b.commit()).isNotBlank();
    }
}
