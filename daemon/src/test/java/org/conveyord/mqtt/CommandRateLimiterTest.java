package org.conveyord.mqtt;

import org.conveyord.config.MqttConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.conveyord.mqtt.CommandRateLimiter.Verdict.ALLOWED;
import static org.conveyord.mqtt.CommandRateLimiter.Verdict.SENDER_OVER_LIMIT;
import static org.conveyord.mqtt.CommandRateLimiter.Verdict.TOTAL_OVER_LIMIT;

class CommandRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final CommandRateLimiter limiter = new CommandRateLimiter(3, 5, now::get);

    @Test
    void oneSenderGetsItsShareThenBusyAndRecoversAsTimePasses() {
        for (int i = 0; i < 3; i++) assertThat(limiter.tryAcquire("anna")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("anna")).isEqualTo(SENDER_OVER_LIMIT);
        now.addAndGet(340_000_000L); // a third of a second: one more token for anna
        assertThat(limiter.tryAcquire("anna")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("anna")).isEqualTo(SENDER_OVER_LIMIT);
    }

    @Test
    void theOverallLimitHoldsAcrossSendersAndAnonymousCommandsShareOneBucket() {
        assertThat(limiter.tryAcquire("anna")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("ben")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire(null)).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire(null)).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("carl")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("dora")).isEqualTo(TOTAL_OVER_LIMIT);
        assertThat(limiter.tryAcquire(null)).isEqualTo(TOTAL_OVER_LIMIT);
    }

    @Test
    void aRefusedCommandCostsNothing() {
        for (int i = 0; i < 3; i++) limiter.tryAcquire("anna");
        for (int i = 0; i < 100; i++) assertThat(limiter.tryAcquire("anna")).isEqualTo(SENDER_OVER_LIMIT);
        assertThat(limiter.tryAcquire("ben")).isEqualTo(ALLOWED); // the overall bucket still had 2
    }

    @Test
    void randomSenderNamesDoNotGrowMemoryWithoutBound() {
        var wide = new CommandRateLimiter(1, 1_000_000, now::get);
        for (int i = 0; i < 10 * CommandRateLimiter.MAX_SENDERS; i++) wide.tryAcquire("by-" + i);
        // the oldest were forgotten: a forgotten sender starts with a full bucket again
        assertThat(wide.tryAcquire("by-0")).isEqualTo(ALLOWED);
        assertThat(wide.tryAcquire("by-" + (10 * CommandRateLimiter.MAX_SENDERS - 1))).isEqualTo(SENDER_OVER_LIMIT);
    }

    private static final MqttConfig.CommandsConfig DEFAULTS = MqttConfig.defaults().commandsOrDefault();

    @Test
    void byDefaultOneSenderMayBurstFiftyAboveItsRate() {
        assertThat(DEFAULTS.perSenderPerSecondOrDefault()).isEqualTo(10);
        assertThat(DEFAULTS.perSenderBurstOrDefault()).isEqualTo(50);
        assertThat(DEFAULTS.burstOrDefault()).isEqualTo(50);
    }

    @Test
    void twelveLabelsSentAtOnceByOneSenderAllGoThrough() {
        var limiter = CommandRateLimiter.fromConfig(DEFAULTS, now::get);
        for (int i = 0; i < 12; i++) assertThat(limiter.tryAcquire("wms")).as("command %d", i + 1).isEqualTo(ALLOWED);
    }

    @Test
    void aFloodFromOneSenderIsRefusedBeyondItsBurst() {
        var limiter = CommandRateLimiter.fromConfig(DEFAULTS, now::get);
        int allowed = 0;
        for (int i = 0; i < 1000; i++) if (limiter.tryAcquire("flooder") == ALLOWED) allowed++;
        assertThat(allowed).isEqualTo(50);
        assertThat(limiter.tryAcquire("flooder")).isEqualTo(SENDER_OVER_LIMIT);
    }

    @Test
    void aFloodFromManySendersIsRefusedBeyondTheOverallBurst() {
        var limiter = CommandRateLimiter.fromConfig(DEFAULTS, now::get);
        for (int i = 0; i < 50; i++) assertThat(limiter.tryAcquire("by-" + (i % 10))).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("by-new")).isEqualTo(TOTAL_OVER_LIMIT);
    }

    @Test
    void anEmptiedBucketRefillsAtTheRateAndNeverBeyondTheBurst() {
        var limiter = CommandRateLimiter.fromConfig(new MqttConfig.CommandsConfig(null, 10, 1000, 20, 1000), now::get);
        for (int i = 0; i < 20; i++) assertThat(limiter.tryAcquire("wms")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("wms")).isEqualTo(SENDER_OVER_LIMIT);

        now.addAndGet(100_000_000L); // 0.1 s at 10 per second: one token
        assertThat(limiter.tryAcquire("wms")).isEqualTo(ALLOWED);
        assertThat(limiter.tryAcquire("wms")).isEqualTo(SENDER_OVER_LIMIT);

        now.addAndGet(60_000_000_000L); // a quiet minute refills to the burst, not to 600
        int allowed = 0;
        for (int i = 0; i < 100; i++) if (limiter.tryAcquire("wms") == ALLOWED) allowed++;
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void aBurstBelowOneIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CommandRateLimiter.Rate(10, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("burst");
    }
}
