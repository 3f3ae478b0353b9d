package org.conveyord.printer;

import java.util.List;
import java.util.Optional;

/**
 * Jobs accepted but not yet reported printed or failed, oldest first. The seam for a durable queue
 * (a restart must not lose an accepted label); {@link InMemoryPrintQueue} is the only one so far.
 * Implementations are called under the printer's lock and must not block for long.
 */
public interface PrintQueue {

    void add(PrintJob job);

    Optional<PrintJob> head();

    boolean remove(String job);

    List<PrintJob> jobs();

    int size();
}
