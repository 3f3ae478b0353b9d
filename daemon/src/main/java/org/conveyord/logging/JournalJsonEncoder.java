package org.conveyord.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.conveyord.systemd.JournalPriorityConverter;

import java.nio.charset.StandardCharsets;

/**
 * Logback's own JSON lines, with the sd-daemon priority prefix in front when stdout is the journal:
 * journald strips the prefix, so the stored message is the plain JSON object and
 * {@code journalctl -p warning} still selects by level. Off the journal the lines are unchanged.
 */
public final class JournalJsonEncoder extends JsonEncoder {

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] json = super.encode(event);
        String prefix = JournalPriorityConverter.journalPrefix(event.getLevel());
        if (prefix.isEmpty()) return json;
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[p.length + json.length];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(json, 0, out, p.length, json.length);
        return out;
    }
}
