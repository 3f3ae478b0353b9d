package org.conveyord.printer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Lost on restart; see {@link PrintQueue}. Not thread-safe: the printer guards it. */
public class InMemoryPrintQueue implements PrintQueue {

    static final int REMEMBERED = 10_000;

    private final LinkedHashMap<String, Entry> jobs = new LinkedHashMap<>();
    private final LinkedHashMap<String, Outcome> done = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Outcome> e) {
            return size() > REMEMBERED;
        }
    };

    @Override public void add(PrintJob job) { jobs.put(job.job(), new Entry(job, State.QUEUED, -1)); }

    @Override public List<Entry> entries() { return new ArrayList<>(jobs.values()); }

    @Override public Optional<Entry> entry(String job) { return Optional.ofNullable(jobs.get(job)); }

    @Override
    public void update(String job, State state, long expectOdometer) {
        Entry e = jobs.get(job);
        if (e != null) jobs.put(job, new Entry(e.job(), state, expectOdometer));
    }

    @Override
    public void finish(String job, Outcome outcome) {
        jobs.remove(job);
        done.put(job, outcome);
    }

    @Override public Optional<Outcome> outcome(String job) { return Optional.ofNullable(done.get(job)); }

    @Override public int size() { return jobs.size(); }

    /** Puts an entry back as it was read from disk (order kept). */
    void restore(Entry e) { jobs.put(e.job().job(), e); }

    void restoreOutcome(String job, Outcome o) { done.put(job, o); }

    Map<String, Outcome> outcomes() { return done; }
}
