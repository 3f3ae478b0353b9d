package org.conveyord.mqtt;

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
}
