package io.cellstream.eval;

import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.Targets;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Regression: predicts the entity's last label (persistence); for an entity without one yet, the mean
 * of all labels so far (0 before the first).
 */
public final class LastValueLearner implements OnlineLearner {

  private static final io.cellstream.lstm.ModelSpec REGRESSION_1 =
      new io.cellstream.lstm.ModelSpec(1, 1, 1, io.cellstream.lstm.Task.REGRESSION);

  private final Map<String, Float> last = new HashMap<>();
  private double sum;
  private long n;

  @Override
  public String name() {
    return "last-value";
  }

  @Override
  public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
    Float v = last.get(entityId);
    return new float[] {v != null ? v : n == 0 ? 0f : (float) (sum / n)};
  }

  @Override
  public LabelOutcome learn(String entityId, String eventId, float target) {
    Targets.of(REGRESSION_1, target); // refuses a non-finite value
    last.put(entityId, target);
    sum += target;
    n++;
    return LabelOutcome.MATCHED;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", "the entity's last label (else the running mean)");
    m.put("labels", n);
    m.put("entities", last.size());
    return m;
  }
}
