package io.cellstream.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** Regression: predicts the mean of all labels seen so far (over all entities); 0 before the first. */
public final class RunningMeanLearner implements OnlineLearner {

  private double sum;
  private long n;

  @Override
  public String name() {
    return "mean";
  }

  @Override
  public float[] predict(String entityId, String eventId, float[] features) {
    return new float[] {n == 0 ? 0f : (float) (sum / n)};
  }

  @Override
  public LearnOutcome learn(String entityId, String eventId, float target) {
    Head.checkTarget(io.cellstream.lstm.Task.REGRESSION, target, 1);
    sum += target;
    n++;
    return LearnOutcome.ACCEPTED;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", "running mean of all labels");
    m.put("labels", n);
    return m;
  }
}
