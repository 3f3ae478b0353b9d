package org.conveyord.config;

import java.util.List;
import java.util.stream.Collectors;

/** The config cannot be used; {@link #getMessage()} lists every problem, one per line. */
public final class ConfigException extends Exception {
    private final transient List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::format).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() { return problems; }
}
