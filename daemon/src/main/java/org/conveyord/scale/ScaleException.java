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
}
