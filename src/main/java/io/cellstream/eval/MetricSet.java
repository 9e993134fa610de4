package io.cellstream.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prequential metrics of one model on one task: every (prediction, label) pair handed to {@link #score}
 * was predicted before the model learned from that label (the caller's contract).
 *
 * <ul>
 *   <li>binary ({@code outputs[0]} = P(1)): accuracy (predicted 1 when p ≥ 0.5), log-loss, ROC AUC;</li>
 *   <li>multiclass ({@code outputs} = class probabilities): accuracy (argmax, lowest index on ties),
 *       log-loss;</li>
 *   <li>regression ({@code outputs[0]} = value): MAE, RMSE;</li>
 *   <li>adding: fraction of sequences with |error| &lt; tolerance;</li>
 *   <li>Reber: legal-symbol accuracy, string accuracy (every prediction of a string legal), the paper's
 *       strict string accuracy (legal symbols are the most probable at every step), penultimate-symbol
 *       accuracy.</li>
 * </ul>
 * Each metric is cumulative and over a sliding window of the last N pairs (strings for string metrics,
 * penultimate predictions for the penultimate metric).
 *
 * <p>Log-loss is natural-log cross-entropy with the predicted probability clipped to
 * [{@value #LOG_LOSS_EPS}, 1 − {@value #LOG_LOSS_EPS}] (about float32's machine epsilon), so one confident
 * mistake costs at most −ln(1e-7) ≈ 16.12, not infinity. Multiclass outputs are not renormalised.
 *
 * <p>A non-finite output (NaN, ±∞) is counted in {@link #invalidOutputs()} and scored as the
 * uninformed prediction (p = 0.5, uniform class probabilities, value 0).
 */
public final class MetricSet {

  public static final double LOG_LOSS_EPS = 1e-7;

  private final TaskInfo info;
  private final int window;
  private final List<Criterion> criteria = new ArrayList<>();
  private long scored;
  private long invalid;

  public MetricSet(TaskInfo info, int window) {
    this.info = info;
    this.window = window;
    switch (info.task()) {
      case BINARY -> criteria.add(new BinaryCriterion(window));
      case MULTICLASS -> criteria.add(new MulticlassCriterion(window, info.outputSize()));
      case REGRESSION -> criteria.add(new RegressionCriterion(window));
    }
    switch (info.benchmark()) {
      case ADDING -> criteria.add(new ToleranceCriterion(window,
          ((Number) info.parameters().getOrDefault("tolerance", 0.04)).doubleValue()));
      case REBER -> criteria.add(new ReberCriterion(window));
      default -> { }
    }
  }

  /**
   * Scores one pair. {@code event} carries what task-specific criteria need (roles, sequences, legal
   * symbols); with a null event only the task type's base metrics are updated.
   */
  public void score(TaskEvent event, float[] outputs, float target) {
    float[] out = sanitize(outputs);
    scored++;
    for (Criterion c : criteria) {
      c.score(event, out, target);
    }
  }

  /** Every metric of this task, in {@link TaskInfo#metrics()} order. */
  public List<MetricValue> values() {
    Map<String, MetricValue> all = new LinkedHashMap<>();
    for (Criterion c : criteria) {
      c.values(all);
    }
    List<MetricValue> ordered = new ArrayList<>();
    for (MetricInfo m : info.metrics()) {
      MetricValue v = all.remove(m.key());
      if (v != null) {
        ordered.add(v);
      }
    }
    ordered.addAll(all.values());
    return ordered;
  }

  /** The metric of {@code key}, or null when this task has none of that name. */
  public MetricValue value(String key) {
    Map<String, MetricValue> all = new LinkedHashMap<>();
    for (Criterion c : criteria) {
      c.values(all);
    }
    return all.get(key);
  }

  public long scored() {
    return scored;
  }

  public long invalidOutputs() {
    return invalid;
  }

  public int window() {
    return window;
  }

  public TaskInfo info() {
    return info;
  }

  private float[] sanitize(float[] outputs) {
    int k = info.outputSize();
    if (outputs == null || outputs.length < k) {
      throw new IllegalArgumentException("expected " + k + " outputs, got "
          + (outputs == null ? "null" : outputs.length));
    }
    for (int i = 0; i < k; i++) {
      if (!Float.isFinite(outputs[i])) {
        invalid++;
        float[] u = new float[k];
        java.util.Arrays.fill(u, switch (info.task()) {
          case BINARY -> 0.5f;
          case MULTICLASS -> 1f / k;
          case REGRESSION -> 0f;
        });
        return u;
      }
    }
    return outputs;
  }

  static double clip(double p) {
    return Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p));
  }

  static int argmax(float[] p, int k) {
    int best = 0;
    for (int i = 1; i < k; i++) {
      if (p[i] > p[best]) {
        best = i;
      }
    }
    return best;
  }

  static int classOf(float target, int k) {
    int c = Math.round(target);
    if (c < 0 || c >= k || Math.abs(target - c) > 1e-3f) {
      throw new IllegalArgumentException("multiclass target must be a class index in 0.." + (k - 1)
          + ", got " + target);
    }
    return c;
  }

  private static MetricValue of(String key, WindowedMean m) {
    return new MetricValue(key, m.cumulative(), m.window(), m.count(), m.windowCount());
  }

  // ---------------------------------------------------------------------------------------------------

  private interface Criterion {
    void score(TaskEvent event, float[] out, float target);

    void values(Map<String, MetricValue> into);
  }

  private static final class BinaryCriterion implements Criterion {
    final WindowedMean acc;
    final WindowedMean loss;
    final RocAuc auc;

    BinaryCriterion(int w) {
      acc = new WindowedMean(w);
      loss = new WindowedMean(w);
      auc = new RocAuc(w);
    }

    @Override
    public void score(TaskEvent event, float[] out, float target) {
      if (target != 0f && target != 1f) {
        throw new IllegalArgumentException("binary target must be 0 or 1, got " + target);
      }
      boolean positive = target == 1f;
      double p = out[0];
      acc.add((p >= 0.5) == positive ? 1 : 0);
      double pc = clip(p);
      loss.add(positive ? -Math.log(pc) : -Math.log(1 - pc));
      auc.add(out[0], positive);
    }

    @Override
    public void values(Map<String, MetricValue> into) {
      into.put(MetricInfo.ACCURACY.key(), of(MetricInfo.ACCURACY.key(), acc));
      into.put(MetricInfo.LOG_LOSS.key(), of(MetricInfo.LOG_LOSS.key(), loss));
      into.put(MetricInfo.AUC.key(),
          new MetricValue(MetricInfo.AUC.key(), auc.cumulative(), auc.window(), auc.count(), auc.windowCount()));
    }
  }

  private static final class MulticlassCriterion implements Criterion {
    final WindowedMean acc;
    final WindowedMean loss;
    final int k;

    MulticlassCriterion(int w, int k) {
      acc = new WindowedMean(w);
      loss = new WindowedMean(w);
      this.k = k;
    }

    @Override
    public void score(TaskEvent event, float[] out, float target) {
      int c = classOf(target, k);
      acc.add(argmax(out, k) == c ? 1 : 0);
      loss.add(-Math.log(Math.max(LOG_LOSS_EPS, Math.min(1.0, out[c]))));
    }

    @Override
    public void values(Map<String, MetricValue> into) {
      into.put(MetricInfo.ACCURACY.key(), of(MetricInfo.ACCURACY.key(), acc));
      into.put(MetricInfo.LOG_LOSS.key(), of(MetricInfo.LOG_LOSS.key(), loss));
    }
  }

  private static final class RegressionCriterion implements Criterion {
    final WindowedMean abs;
    final WindowedMean sq;

    RegressionCriterion(int w) {
      abs = new WindowedMean(w);
      sq = new WindowedMean(w);
    }

    @Override
    public void score(TaskEvent event, float[] out, float target) {
      double e = (double) out[0] - target;
      abs.add(Math.abs(e));
      sq.add(e * e);
    }

    @Override
    public void values(Map<String, MetricValue> into) {
      into.put(MetricInfo.MAE.key(), of(MetricInfo.MAE.key(), abs));
      into.put(MetricInfo.RMSE.key(), new MetricValue(MetricInfo.RMSE.key(), Math.sqrt(sq.cumulative()),
          Math.sqrt(sq.window()), sq.count(), sq.windowCount()));
    }
  }

  private static final class ToleranceCriterion implements Criterion {
    final WindowedMean within;
    final double tolerance;

    ToleranceCriterion(int w, double tolerance) {
      within = new WindowedMean(w);
      this.tolerance = tolerance;
    }

    @Override
    public void score(TaskEvent event, float[] out, float target) {
      within.add(Math.abs((double) out[0] - target) < tolerance ? 1 : 0);
    }

    @Override
    public void values(Map<String, MetricValue> into) {
      into.put(MetricInfo.WITHIN_TOLERANCE.key(), of(MetricInfo.WITHIN_TOLERANCE.key(), within));
    }
  }

  /**
   * Reber criteria. String metrics are decided when the last of a string's labelled predictions has been
   * scored (pairs of one string may be scored in any order: labels can be delayed).
   */
  private static final class ReberCriterion implements Criterion {
    private static final class Open {
      int scored;
      boolean legal = true;
      boolean strict = true;
    }

    final WindowedMean legal;
    final WindowedMean strings;
    final WindowedMean stringsStrict;
    final WindowedMean penultimate;
    final Map<String, Open> open = new HashMap<>();

    ReberCriterion(int w) {
      legal = new WindowedMean(w);
      strings = new WindowedMean(w);
      stringsStrict = new WindowedMean(w);
      penultimate = new WindowedMean(w);
    }

    @Override
    public void score(TaskEvent event, float[] out, float target) {
      if (event == null || event.legalMask() == 0) {
        return;
      }
      int k = ReberGrammar.SYMBOL_COUNT;
      int mask = event.legalMask();
      int predicted = argmax(out, k);
      boolean isLegal = (mask & (1 << predicted)) != 0;
      float minLegal = Float.POSITIVE_INFINITY;
      float maxIllegal = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < k; i++) {
        if ((mask & (1 << i)) != 0) {
          minLegal = Math.min(minLegal, out[i]);
        } else {
          maxIllegal = Math.max(maxIllegal, out[i]);
        }
      }
      boolean isStrict = minLegal > maxIllegal;
      legal.add(isLegal ? 1 : 0);
      if (event.role() == EventRole.RECALL) {
        penultimate.add(predicted == classOf(target, k) ? 1 : 0);
      }
      String key = event.entityId() + '#' + event.sequence();
      Open o = open.computeIfAbsent(key, x -> new Open());
      o.scored++;
      o.legal &= isLegal;
      o.strict &= isStrict;
      if (o.scored == event.sequenceLength() - 1) { // every event but the final E is labelled
        open.remove(key);
        strings.add(o.legal ? 1 : 0);
        stringsStrict.add(o.strict ? 1 : 0);
      }
    }

    @Override
    public void values(Map<String, MetricValue> into) {
      into.put(MetricInfo.LEGAL_ACCURACY.key(), of(MetricInfo.LEGAL_ACCURACY.key(), legal));
      into.put(MetricInfo.STRING_ACCURACY.key(), of(MetricInfo.STRING_ACCURACY.key(), strings));
      into.put(MetricInfo.STRING_ACCURACY_STRICT.key(), of(MetricInfo.STRING_ACCURACY_STRICT.key(), stringsStrict));
      into.put(MetricInfo.PENULTIMATE_ACCURACY.key(), of(MetricInfo.PENULTIMATE_ACCURACY.key(), penultimate));
    }
  }
}
