package io.cellstream.eval;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model needs to know about a task, and what a report says about it: the head type, the input
 * size D and output size K (a {@link ModelSpec} but for the hidden size), a BPTT window long enough for
 * the task's dependencies, the headline metric with its chance level, and the generator's parameters.
 *
 * @param benchmark       which family (decides the task-specific criteria)
 * @param name            short name, e.g. {@code long-lag}
 * @param title           one-line human description, e.g. {@code long-lag recall, K=4, L=50}
 * @param task            binary, multiclass or regression
 * @param inputSize       D
 * @param outputSize      K (1 for binary and regression)
 * @param suggestedWindow steps of truncated BPTT that cover the longest dependency of the task
 * @param primaryMetric   key of the headline metric ({@link MetricInfo})
 * @param chanceLevels    per metric key, what a model without memory reaches at best (by construction)
 * @param parameters      the generator's parameters (for the report)
 * @param featureLayout   what each of the D features means
 */
public record TaskInfo(
    Benchmark benchmark,
    String name,
    String title,
    Task task,
    int inputSize,
    int outputSize,
    int suggestedWindow,
    String primaryMetric,
    Map<String, Double> chanceLevels,
    Map<String, Object> parameters,
    String featureLayout) {

  public TaskInfo {
    chanceLevels = Collections.unmodifiableMap(new LinkedHashMap<>(chanceLevels));
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    new ModelSpec(inputSize, 1, outputSize, task); // validates D, K, task
  }

  /** Any other stream (replay of a topic, a CSV): base metrics of its task type only. */
  public static TaskInfo custom(String name, Task task, int inputSize, int outputSize, int window) {
    String primary = switch (task) {
      case BINARY -> MetricInfo.AUC.key();
      case MULTICLASS -> MetricInfo.ACCURACY.key();
      case REGRESSION -> MetricInfo.MAE.key();
    };
    return new TaskInfo(Benchmark.CUSTOM, name, name, task, inputSize, outputSize, window, primary,
        Map.of(), Map.of(), "");
  }

  /** The model shape for this task with {@code hiddenSize} cells. */
  public ModelSpec modelSpec(int hiddenSize) {
    return new ModelSpec(inputSize, hiddenSize, outputSize, task);
  }

  /** Chance level of {@code metricKey}, or NaN when none is defined. */
  public double chance(String metricKey) {
    Double c = chanceLevels.get(metricKey);
    return c == null ? Double.NaN : c;
  }

  /** The metrics a {@link MetricSet} reports for this task, primary first. */
  public List<MetricInfo> metrics() {
    List<MetricInfo> m = new ArrayList<>();
    switch (task) {
      case BINARY -> m.addAll(List.of(MetricInfo.ACCURACY, MetricInfo.LOG_LOSS, MetricInfo.AUC));
      case MULTICLASS -> m.addAll(List.of(MetricInfo.ACCURACY, MetricInfo.LOG_LOSS));
      case REGRESSION -> m.addAll(List.of(MetricInfo.MAE, MetricInfo.RMSE));
    }
    switch (benchmark) {
      case ADDING -> m.add(MetricInfo.WITHIN_TOLERANCE);
      case REBER -> m.addAll(List.of(MetricInfo.LEGAL_ACCURACY, MetricInfo.STRING_ACCURACY,
          MetricInfo.STRING_ACCURACY_STRICT, MetricInfo.PENULTIMATE_ACCURACY));
      default -> { }
    }
    MetricInfo p = MetricInfo.of(primaryMetric);
    m.remove(p);
    m.addFirst(p);
    return m;
  }
}
