package org.conveyord.systemd;

import java.util.Collection;
import java.util.Map;
import java.util.StringJoiner;

/** The one-line STATUS= summary that {@code systemctl status conveyord} shows. */
public final class StatusLine {
    private StatusLine() {}

    /**
     * E.g. {@code line-1 running, 3 bags, faults: jam p1; broker connected}.
     *
     * @param lines each line's id to its state snapshot (keys running, bagsInTransit, faults)
     */
    public static String format(Map<String, Map<String, Object>> lines, boolean brokerConnected) {
        StringJoiner out = new StringJoiner("; ");
        lines.forEach((id, s) -> {
            StringBuilder b = new StringBuilder(id).append(Boolean.TRUE.equals(s.get("running")) ? " running" : " stopped");
            if (s.get("bagsInTransit") instanceof Number n) b.append(", ").append(n.intValue()).append(n.intValue() == 1 ? " bag" : " bags");
            Object faults = s.get("faults");
            if (faults instanceof Collection<?> c && !c.isEmpty()) b.append(", faults: ").append(String.join(", ", c.stream().map(String::valueOf).toList()));
            if (s.get("error") instanceof String e) b.append(", ").append(e);
            out.add(b);
        });
        out.add(brokerConnected ? "broker connected" : "broker not connected");
        return out.toString();
    }
}
