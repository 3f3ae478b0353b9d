package org.conveyord.state;

import java.nio.file.Path;

/**
 * A state or outbox file written by a newer conveyord than this one (after a downgrade). Reading it
 * anyway could reuse event seqs, resend or lose queued messages, or drop orders, so the daemon
 * refuses to start instead (exit code 2) and names the file, the version it found and the versions it
 * reads. A file without a version is version 1, the format of the releases before versions existed.
 */
public final class NewerStateVersionException extends RuntimeException {

    private final transient Path file;
    private final int found;
    private final int supported;

    /**
     * @param lost what moving the file away would lose, for the operator deciding whether to do so
     */
    public NewerStateVersionException(Path file, int found, int supported, String lost) {
        super(file + " is state format version " + found + ", written by a newer conveyord; this conveyord reads"
                + (supported == 1 ? " version 1" : " versions 1 to " + supported) + " of it and does not start rather than misread it. Install the newer"
                + " conveyord again, or move the file away only if losing " + lost + " is acceptable");
        this.file = file;
        this.found = found;
        this.supported = supported;
    }

    /** Throws when {@code found} is above {@code supported}. */
    public static void check(Path file, int found, int supported, String lost) {
        if (found > supported) throw new NewerStateVersionException(file, found, supported, lost);
    }

    public Path file() { return file; }

    public int found() { return found; }

    public int supported() { return supported; }
}
