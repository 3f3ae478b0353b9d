package org.conveyord.mqtt;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryOutboxTest {

    @Test
    void entriesComeOutInAppendOrderAndLeaveOnlyWhenRemoved() {
        var o = new InMemoryOutbox(10, e -> {});
        long a = o.append("t/a", new byte[]{1}, null);
        long b = o.append("t/b", new byte[]{2}, null);
        long c = o.append("t/c", new byte[]{3}, null);
        assertThat(o.after(0, 10)).extracting(Outbox.Entry::id).containsExactly(a, b, c);
        assertThat(o.after(a, 1)).extracting(Outbox.Entry::topic).containsExactly("t/b");
        o.remove(b);
        assertThat(o.after(0, 10)).extracting(Outbox.Entry::id).containsExactly(a, c);
        assertThat(o.size()).isEqualTo(2);
    }

    @Test
    void atTheCapTheOldestIsDroppedAndReported() {
        List<String> dropped = new ArrayList<>();
        var o = new InMemoryOutbox(2, e -> dropped.add(e.topic()));
        o.append("t/1", new byte[0], null);
        o.append("t/2", new byte[0], null);
        o.append("t/3", new byte[0], null);
        assertThat(dropped).containsExactly("t/1");
        assertThat(o.after(0, 10)).extracting(Outbox.Entry::topic).containsExactly("t/2", "t/3");
    }

    @Test
    void repliesExpire() {
        var e = new Outbox.Entry(1, "t", new byte[0], Instant.parse("2026-01-01T00:01:00Z"));
        assertThat(e.expired(Instant.parse("2026-01-01T00:00:59Z"))).isFalse();
        assertThat(e.expired(Instant.parse("2026-01-01T00:01:01Z"))).isTrue();
        assertThat(new Outbox.Entry(2, "t", new byte[0], null).expired(Instant.MAX)).isFalse();
    }
}
