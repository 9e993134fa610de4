package io.cellstream.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything a report shows: the task, the run's parameters, the options, and one result per model.
 *
 * @param task          the task
 * @param run           run parameters (entities, events, seed, label policy, command …), shown as is
 * @param options       scoring options
 * @param models        per model, in the order they were given
 * @param wallSeconds   wall-clock duration of the run
 */
public record EvalResult(TaskInfo task, Map<String, Object> run, EvalOptions options, List<ModelResult> models,
    double wallSeconds) {

  /** The model of that name, or null. */
  public ModelResult model(String name) {
    for (ModelResult m : models) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return null;
  }
}
