package org.conveyord.printer;

import java.util.List;
import java.util.Optional;

/**
 * A printer's jobs: accepted and not yet finished (oldest first, with their state), and the outcome of
 * recently finished ones (so a job id sent again is recognised, not printed twice).
 * {@link FilePrintQueue} keeps them across a restart; {@link InMemoryPrintQueue} is for tests.
 * Implementations are called under the printer's lock; a durable one writes before it returns.
 */
public interface PrintQueue {

    /** Where a job is: waiting in the daemon, in the printer's buffer, or lost in a way nobody can tell. */
    enum State { QUEUED, SENT, UNCERTAIN }

    /**
     * @param expectOdometer for SENT jobs on a printer with an odometer: the reading at which this
     *                       label has been printed; -1 otherwise
     */
    record Entry(PrintJob job, State state, long expectOdometer) {}

    /** How a job ended: printed, failed, discarded. */
    enum Outcome { PRINTED, FAILED, DISCARDED }

    void add(PrintJob job);

    List<Entry> entries();

    Optional<Entry> entry(String job);

    void update(String job, State state, long expectOdometer);

    /** Takes the job out and remembers its outcome. */
    void finish(String job, Outcome outcome);

    /** The outcome of a finished job still remembered (at least the last 10,000). */
    Optional<Outcome> outcome(String job);

    int size();
}
