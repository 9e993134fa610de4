package io.cellstream.config;

import java.util.List;

/** The configuration has problems; one line per problem, each saying the key, the value's source and the fix. */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("configuration has " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  - "
        + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
