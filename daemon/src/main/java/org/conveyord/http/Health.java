package org.conveyord.http;

import java.util.List;

/**
 * What {@code /health/live} and {@code /health/ready} answer.
 *
 * @param live     the supervised parts keep beating (what the systemd watchdog checks too)
 * @param ready    live, every line's control loop runs and the outputs are claimed
 * @param problems why not, for people; empty when both hold
 */
public record Health(boolean live, boolean ready, List<String> problems) {
    public Health {
        problems = List.copyOf(problems);
    }
}
