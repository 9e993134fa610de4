package io.cellstream.eval;

import java.util.Map;

/**
 * A metric's key (as in JSON and {@link MetricValue#key()}), its display name and its direction.
 *
 * @param key            stable identifier, e.g. {@code accuracy}, {@code logloss}, {@code within_tolerance}
 * @param label          human name for tables and charts
 * @param higherIsBetter true for accuracies and AUC, false for losses and errors
 * @param unitInterval   true when the value lies in [0, 1] (charts then use a fixed [0, 1] y axis)
 */
public record MetricInfo(String key, String label, boolean higherIsBetter, boolean unitInterval) {

  public static final MetricInfo ACCURACY = new MetricInfo("accuracy", "accuracy", true, true);
  public static final MetricInfo LOG_LOSS = new MetricInfo("logloss", "log-loss", false, false);
  public static final MetricInfo AUC = new MetricInfo("auc", "ROC AUC", true, true);
  public static final MetricInfo MAE = new MetricInfo("mae", "MAE", false, false);
  public static final MetricInfo RMSE = new MetricInfo("rmse", "RMSE", false, false);
  public static final MetricInfo WITHIN_TOLERANCE =
      new MetricInfo("within_tolerance", "fraction with |error| < tolerance", true, true);
  public static final MetricInfo LEGAL_ACCURACY =
      new MetricInfo("legal_accuracy", "predicted symbol is legal", true, true);
  public static final MetricInfo STRING_ACCURACY =
      new MetricInfo("string_accuracy", "strings with every prediction legal", true, true);
  public static final MetricInfo STRING_ACCURACY_STRICT =
      new MetricInfo("string_accuracy_strict", "strings with legal symbols most probable (paper)", true, true);
  public static final MetricInfo PENULTIMATE_ACCURACY =
      new MetricInfo("penultimate_accuracy", "penultimate symbol (long-term) correct", true, true);

  private static final Map<String, MetricInfo> ALL = Map.of(
      ACCURACY.key, ACCURACY, LOG_LOSS.key, LOG_LOSS, AUC.key, AUC, MAE.key, MAE, RMSE.key, RMSE,
      WITHIN_TOLERANCE.key, WITHIN_TOLERANCE, LEGAL_ACCURACY.key, LEGAL_ACCURACY,
      STRING_ACCURACY.key, STRING_ACCURACY, STRING_ACCURACY_STRICT.key, STRING_ACCURACY_STRICT,
      PENULTIMATE_ACCURACY.key, PENULTIMATE_ACCURACY);

  /** The metric of that key; unknown keys get a neutral description. */
  public static MetricInfo of(String key) {
    MetricInfo m = ALL.get(key);
    return m != null ? m : new MetricInfo(key, key, true, false);
  }

  /** True when {@code a} is a better value than {@code b} for this metric (NaN is never better). */
  public boolean better(double a, double b) {
    if (Double.isNaN(a)) {
      return false;
    }
    if (Double.isNaN(b)) {
      return true;
    }
    return higherIsBetter ? a > b : a < b;
  }
}
