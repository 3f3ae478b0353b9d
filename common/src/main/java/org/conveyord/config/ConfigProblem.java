package org.conveyord.config;

import java.nio.file.Path;

/**
 * One thing wrong with a config file, printed as {@code FILE:LINE: key.path: what is wrong and what is expected}.
 * Warnings do not stop the daemon; errors do.
 */
public record ConfigProblem(Path file, int line, String keyPath, String message, Severity severity) {

    public enum Severity { ERROR, WARNING }

    public boolean isError() { return severity == Severity.ERROR; }

    public String format() {
        String where = file + ":" + (line > 0 ? line : 1) + ": " + (keyPath.isEmpty() ? "(top)" : keyPath) + ": ";
        return where + (severity == Severity.WARNING ? "warning: " : "") + message;
    }
}
