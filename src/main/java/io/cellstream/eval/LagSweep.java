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
   * @param seconds           the model's processing time
   */
  public record Row(int lag, String model, long events, long queries, double windowAccuracy, long eventsToTarget,
      double seconds) {}

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
      int i = 0;
      for (String name : ordered.keySet()) {
        ModelResult m = r.models().get(i++);
        MetricValue acc = m.metric(MetricInfo.ACCURACY.key());
        rows.add(new Row(lag, name, m.events(), m.scored(), acc.window(),
            eventsToReach(m, MetricInfo.ACCURACY.key(), target, options.window()), m.seconds()));
      }
    }
    return rows;
  }

  /**
   * Events seen at the first curve point where the windowed {@code key} reached {@code target} with at
   * least {@code fullWindow} pairs scored (so that the window is full), or −1.
   */
  public static long eventsToReach(ModelResult m, String key, double target, int fullWindow) {
    Curve c = m.curve(key);
    if (c == null) {
      return -1;
    }
    boolean higher = MetricInfo.of(key).higherIsBetter();
    for (int i = 0; i < c.size(); i++) {
      double v = c.window()[i];
      if (c.scored()[i] >= fullWindow && (higher ? v >= target : v <= target)) {
        return c.events()[i];
      }
    }
    return -1;
  }

  /** A Markdown table: lag, model, events, queries, final windowed accuracy, events to target. */
  public static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| L | model | events | queries | accuracy (last window) | events to target | seconds |\n");
    b.append("|---:|---|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      b.append(String.format(Locale.ROOT, "| %d | %s | %d | %d | %.3f | %s | %.1f |%n", r.lag(), r.model(), r.events(),
          r.queries(), r.windowAccuracy(), r.eventsToTarget() < 0 ? "not reached" : String.valueOf(r.eventsToTarget()),
          r.seconds()));
    }
    return b.toString();
  }
}
