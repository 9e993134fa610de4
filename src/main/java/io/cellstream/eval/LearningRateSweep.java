package io.cellstream.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Tries a learner at several learning rates on the same stream and picks the best by the task's primary
 * metric over the final window — the same care for every model ("never weaken a baseline").
 *
 * <pre>{@code
 * SweepResult r = LearningRateSweep.run(gen,
 *     lr -> CellLearner.rnn("rnn", task, 32, settings.withLearningRate(lr)), new float[] {1e-3f, 3e-3f, 1e-2f},
 *     EvalOptions.DEFAULTS.withThreads(2));
 * }</pre>
 */
public final class LearningRateSweep {

  /** Makes a fresh learner for a learning rate. */
  @FunctionalInterface
  public interface Factory {
    OnlineLearner create(float learningRate);
  }

  /** One learning rate's outcome: the final windowed value of the primary metric and the full result. */
  public record Point(float learningRate, double window, double cumulative, ModelResult result) {}

  /** All points in the order given, and the best learning rate. */
  public record SweepResult(String metric, List<Point> points, float bestLearningRate) {}

  private LearningRateSweep() {}

  /** Sweeps by the task's primary metric over the final window. */
  public static SweepResult run(TaskGenerator gen, Factory factory, float[] learningRates, EvalOptions options) {
    return run(gen, factory, learningRates, options, gen.info().primaryMetric());
  }

  /**
   * Sweeps by {@code metricKey} over the final window (e.g. {@code logloss} where the primary metric is
   * flat for the models compared, like string accuracy for memoryless models on Reber).
   */
  public static SweepResult run(TaskGenerator gen, Factory factory, float[] learningRates, EvalOptions options,
      String metricKey) {
    List<OnlineLearner> learners = new ArrayList<>();
    for (float lr : learningRates) {
      OnlineLearner l = factory.create(lr);
      learners.add(new Renamed(l, l.name() + "@" + lr));
    }
    EvalResult r = Evaluator.run(gen, learners, options);
    String key = metricKey;
    MetricInfo mi = MetricInfo.of(key);
    List<Point> points = new ArrayList<>();
    float best = learningRates[0];
    double bestValue = Double.NaN;
    for (int i = 0; i < learningRates.length; i++) {
      ModelResult m = r.models().get(i);
      MetricValue v = m.metric(key);
      double w = v == null ? Double.NaN : v.window();
      points.add(new Point(learningRates[i], w, v == null ? Double.NaN : v.cumulative(), m));
      if (mi.better(w, bestValue)) {
        bestValue = w;
        best = learningRates[i];
      }
    }
    return new SweepResult(key, points, best);
  }

  /** The same learner under another name. */
  private record Renamed(OnlineLearner delegate, String name) implements OnlineLearner {
    @Override
    public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
      return delegate.predict(entityId, eventId, eventTime, features);
    }

    @Override
    public io.cellstream.learn.LabelOutcome learn(String entityId, String eventId, float target) {
      return delegate.learn(entityId, eventId, target);
    }

    @Override
    public void flush() {
      delegate.flush();
    }

    @Override
    public java.util.Map<String, Object> describe() {
      return delegate.describe();
    }
  }
}
