package org.conveyord.printer;

import java.time.Instant;

/** One label waiting for, or being printed by, the printer; {@code cmdId} goes on its events. */
public record PrintJob(String job, String zpl, String cmdId, Instant deadline) {}
