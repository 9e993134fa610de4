package io.cellstream.eval;

import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.Targets;

import java.util.LinkedHashMap;
import java.util.Map;

/** Regression: predicts the mean of all labels seen so far (over all entities); 0 before the first. */
public final class RunningMeanLearner implements OnlineLearner {

  private static final io.cellstream.lstm.ModelSpec REGRESSION_1 =
      new io.cellstream.lstm.ModelSpec(1, 1, 1, io.cellstream.lstm.Task.REGRESSION);

  private double sum;
  private long n;

  @Override
  public String name() {
    return "mean";
  }

  @Override
  public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
    return new float[] {n == 0 ? 0f : (float) (sum / n)};
  }

  @Override
  public LabelOutcome learn(String entityId, String eventId, float target) {
    Targets.of(REGRESSION_1, target); // refuses a non-finite value
    sum += target;
    n++;
    return LabelOutcome.MATCHED;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", "running mean of all labels");
    m.put("labels", n);
    return m;
  }
}
