package org.conveyord.ctl;

/** Ends a command with an exit code and one line for the operator (printed on stderr). */
final class CtlFailure extends RuntimeException {
    final int exitCode;

    CtlFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CtlFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }
}
