package org.conveyord.scale;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How often a polled scale is asked while its weight moves, while it stands still, and while it is not well (issue 12). */
class PolledScalePaceTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aMovingWeightIsPolledAtPollMs() {
        assertThat(PolledScale.nextPollMs(500, true, 2 * SECOND)).isEqualTo(500);
    }

    @Test
    void aWeightStillForLongerThanTheQuietTimeIsPolledAtTheIdleRate() {
        assertThat(PolledScale.nextPollMs(500, true, 11 * SECOND)).isEqualTo(PolledScale.IDLE_POLL_MS);
    }

    @Test
    void aScaleThatIsNotWellIsPolledAtPollMsHoweverStillItsWeight() {
        // a fault (overload, no answer) should clear as soon as the scale says so, not 5 s later
        assertThat(PolledScale.nextPollMs(500, false, 60 * SECOND)).isEqualTo(500);
    }

    @Test
    void aPollMsSlowerThanTheIdleRateIsKept() {
        assertThat(PolledScale.nextPollMs(10_000, true, 60 * SECOND)).isEqualTo(10_000);
    }
}
