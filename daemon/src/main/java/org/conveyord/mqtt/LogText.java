package org.conveyord.mqtt;

/** Wire text made safe for log lines and messages. */
final class LogText {

    private LogText() {}

    /** No control characters from the wire (a newline in a command id must not forge a log line). */
    static String clean(String s) {
        if (s == null) return "null";
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    /** A failure and its causes on one line: {@code Type: message <- Cause: message}. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (!sb.isEmpty()) sb.append(" <- ");
            sb.append(c.getClass().getSimpleName());
            if (c.getMessage() != null) sb.append(": ").append(c.getMessage());
        }
        return sb.toString();
    }
}
