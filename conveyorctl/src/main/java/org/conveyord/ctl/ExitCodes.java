package org.conveyord.ctl;

/** The exit codes scripts rely on (README, conveyorctl section). */
final class ExitCodes {
    static final int OK = 0;
    /** The daemon answered and refused; the error code and message were printed. */
    static final int REFUSED = 1;
    /** Bad arguments, or settings that cannot work (config, TLS files, credentials file). */
    static final int USAGE = 2;
    /** No broker, or no answer in time. */
    static final int NO_ANSWER = 3;

    private ExitCodes() {}
}
