package org.conveyord.mqtt;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ReconnectBackoffTest {

    @Test
    void doublesFromInitialUpToTheCapWithoutJitterInTheMiddle() {
        var b = new ReconnectBackoff(Duration.ofMillis(250), Duration.ofSeconds(30), () -> 0.5); // 0.5 -> factor 1.0
        assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(500));
        assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(1000));
        for (int i = 0; i < 20; i++) b.nextDelay();
        assertThat(b.nextDelay()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void jitterStaysWithinPlusMinus25Percent() {
        var low = new ReconnectBackoff(Duration.ofMillis(1000), Duration.ofSeconds(30), () -> 0.0);
        var high = new ReconnectBackoff(Duration.ofMillis(1000), Duration.ofSeconds(30), () -> 0.999999);
        assertThat(low.nextDelay()).isEqualTo(Duration.ofMillis(750));
        assertThat(high.nextDelay()).isEqualTo(Duration.ofMillis(1250));
    }

    @Test
    void resetStartsOverFromTheInitialDelay() {
        var b = new ReconnectBackoff(Duration.ofMillis(250), Duration.ofSeconds(30), () -> 0.5);
        b.nextDelay();
        b.nextDelay();
        b.reset();
        assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(250));
    }
}
