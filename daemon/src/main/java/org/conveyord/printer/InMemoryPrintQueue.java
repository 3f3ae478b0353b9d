package org.conveyord.printer;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/** Lost on restart; see {@link PrintQueue}. Not thread-safe: the printer guards it. */
public final class InMemoryPrintQueue implements PrintQueue {

    private final ArrayDeque<PrintJob> jobs = new ArrayDeque<>();

    @Override public void add(PrintJob job) { jobs.add(job); }

    @Override public Optional<PrintJob> head() { return Optional.ofNullable(jobs.peek()); }

    @Override public boolean remove(String job) { return jobs.removeIf(j -> j.job().equals(job)); }

    @Override public List<PrintJob> jobs() { return List.copyOf(jobs); }

    @Override public int size() { return jobs.size(); }
}
