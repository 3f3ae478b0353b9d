package org.conveyord.link;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReconnectPolicyTest {

    private static ReconnectPolicy withRandom(double r) {
        return new ReconnectPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0.25, () -> r);
    }

    @Test
    void delayDoublesUpToTheCapWithoutJitterAtMidpoint() {
        ReconnectPolicy p = withRandom(0.5);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 6; i++) delays.add(p.nextDelayMs());
        assertThat(delays).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.999999})
    void jitterStaysWithinAQuarter(double r) {
        ReconnectPolicy p = withRandom(r);
        long first = p.nextDelayMs();
        assertThat(first).isBetween(75L, 125L);
        for (int i = 0; i < 10; i++) p.nextDelayMs();
        assertThat(p.nextDelayMs()).isBetween(750L, 1250L);
    }

    @Test
    void resetStartsOverAndCauseIsRemembered() {
        ReconnectPolicy p = withRandom(0.5);
        p.nextDelayMs();
        p.nextDelayMs();
        p.recordDisconnect("connection refused");
        p.reset();
        assertThat(p.nextDelayMs()).isEqualTo(100L);
        assertThat(p.lastCause()).isEqualTo("connection refused");
        assertThat(p.disconnects()).isEqualTo(1);
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThatThrownBy(() -> new ReconnectPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.25, () -> 0.5))
                .hasMessageContaining("initial <= cap");
    }
}
