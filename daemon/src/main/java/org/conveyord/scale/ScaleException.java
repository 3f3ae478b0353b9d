package org.conveyord.scale;

import org.conveyord.device.ErrorCode;

/** Why a scale request failed, with the reply code it maps to and an operator sentence. */
public final class ScaleException extends RuntimeException {

    private final ErrorCode code;

    public ScaleException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** A failed stage as a command reply: ScaleExceptions keep their code, anything else is INTERNAL. */
    public static org.conveyord.device.CommandResult toResult(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof ScaleException se) {
            return org.conveyord.device.CommandResult.error(se.code(), se.getMessage());
        }
        org.slf4j.LoggerFactory.getLogger(ScaleException.class).error("scale command failed unexpectedly: {}", c.toString(), c);
        return org.conveyord.device.CommandResult.error(ErrorCode.INTERNAL, "the scale command failed unexpectedly: " + c);
    }
}
