package org.conveyord.ctl;

/** The settings cannot work (unreadable config, bad URL, missing TLS files): a usage error, exit 2. */
public final class SettingsException extends RuntimeException {
    public SettingsException(String message) { super(message); }

    public SettingsException(String message, Throwable cause) { super(message, cause); }
}
