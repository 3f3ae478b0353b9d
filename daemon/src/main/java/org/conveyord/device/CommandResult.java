package org.conveyord.device;

/**
 * The answer to one command: accepted (with an optional result for queries) or refused with a code
 * and one sentence an operator can act on. {@code result} is anything Jackson can write.
 */
public record CommandResult(boolean ok, Object result, ErrorCode code, String message) {

    public static CommandResult success() { return new CommandResult(true, null, null, null); }

    public static CommandResult answer(Object result) { return new CommandResult(true, result, null, null); }

    public static CommandResult error(ErrorCode code, String message) {
        return new CommandResult(false, null, code, message);
    }
}
