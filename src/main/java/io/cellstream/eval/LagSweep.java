package io.cellstream.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntToLongFunction;

/**
 * Accuracy against lag on long-lag recall, models side by side: for each lag L a fresh stream and fresh
 * models, run prequentially; per model the final windowed accuracy and the number of events it took to
 * first reach a target accuracy over a full window.
 *
 * <pre>{@code
 * List<LagSweep.Row> rows = LagSweep.run(new int[] {5, 10, 25, 50}, lag -> 2_000_000L,
 *     StreamConfig.of(100, 0, 1), LongLagTask.Config.DEFAULTS,
 *     Map.of("rnn", task -> CellLearner.rnn("rnn", task, 32, settings)), 0.95, EvalOptions.DEFAULTS.withThreads(2));
 * System.out.println(LagSweep.markdown(rows));
 * }</pre>
 */
public final class LagSweep {

  /**
   * @param lag               L
   * @param model             model name
   * @param events            events in the run
   * @param queries           queries scored
   * @param windowAccuracy    accuracy over the last window of queries at the end
   * @param eventsToTarget    events seen when the windowed accuracy first reached the target over a full
   *                          window, or −1 if it never did
   * @param queriesToTarget   labelled sequences (queries) scored by then, or −1
   * @param seconds           the model's processing time
   * @param seed              the stream's seed
   */
  public record Row(int lag, String model, long events, long queries, double windowAccuracy, long eventsToTarget,
      long queriesToTarget, double seconds, long seed) {}

  /** A row of a run's result for one model. */
  public static Row row(int lag, long seed, ModelResult m, double target, int fullWindow) {
    MetricValue acc = m.metric(MetricInfo.ACCURACY.key());
    int at = indexToReach(m, MetricInfo.ACCURACY.key(), target, fullWindow);
    Curve c = m.curve(MetricInfo.ACCURACY.key());
    return new Row(lag, m.name(), m.events(), m.scored(), acc.window(), at < 0 ? -1 : c.events()[at],
        at < 0 ? -1 : c.scored()[at], m.seconds(), seed);
  }

  private LagSweep() {}

  public static List<Row> run(int[] lags, IntToLongFunction eventsForLag, StreamConfig stream,
      LongLagTask.Config task, Map<String, Function<TaskInfo, OnlineLearner>> models, double target,
      EvalOptions options) {
    List<Row> rows = new ArrayList<>();
    for (int lag : lags) {
      TaskGenerator g = LongLagTask.generator(stream.withEvents(eventsForLag.applyAsLong(lag)), task.withLag(lag));
      List<OnlineLearner> learners = new ArrayList<>();
      Map<String, Function<TaskInfo, OnlineLearner>> ordered = new LinkedHashMap<>(models);
      ordered.forEach((name, f) -> learners.add(f.apply(g.info())));
      EvalResult r = Evaluator.run(g, learners, options);
      for (ModelResult m : r.models()) {
        rows.add(row(lag, stream.seed(), m, target, options.window()));
      }
    }
    return rows;
  }

  /**
   * Events seen at the first curve point where the windowed {@code key} reached {@code target} with at
   * least {@code fullWindow} pairs scored (so that the window is full), or −1.
   */
  public static long eventsToReach(ModelResult m, String key, double target, int fullWindow) {
    int i = indexToReach(m, key, target, fullWindow);
    return i < 0 ? -1 : m.curve(key).events()[i];
  }

  private static int indexToReach(ModelResult m, String key, double target, int fullWindow) {
    Curve c = m.curve(key);
    if (c == null) {
      return -1;
    }
    boolean higher = MetricInfo.of(key).higherIsBetter();
    for (int i = 0; i < c.size(); i++) {
      double v = c.window()[i];
      if (c.scored()[i] >= fullWindow && (higher ? v >= target : v <= target)) {
        return i;
      }
    }
    return -1;
  }

  /** A Markdown table: lag, seed, model, events, queries, final windowed accuracy, events and queries to target. */
  public static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| L | seed | model | events | queries | accuracy (last window) | events to target | queries to target | seconds |\n");
    b.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      boolean reached = r.eventsToTarget() >= 0;
      b.append(String.format(Locale.ROOT, "| %d | %d | %s | %d | %d | %.3f | %s | %s | %.1f |%n", r.lag(), r.seed(),
          r.model(), r.events(), r.queries(), r.windowAccuracy(),
          reached ? String.valueOf(r.eventsToTarget()) : "not reached",
          reached ? String.valueOf(r.queriesToTarget()) : "-", r.seconds()));
    }
    return b.toString();
  }
}
