package io.cellstream.eval;

import io.cellstream.lstm.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Majority class (binary, multiclass): predicts the label frequencies seen so far over all entities,
 * add-one smoothed — {@code (count_k + 1) / (n + K)} per class (binary: P(1) = (ones + 1)/(n + 2)) — so its
 * predicted class is the majority and its log-loss is that of the running prior.
 */
public final class MajorityLearner implements OnlineLearner {

  private final Task task;
  private final int classes; // K for multiclass, 2 for binary
  private final long[] counts;
  private long n;

  public MajorityLearner(Task task, int outputSize) {
    if (task == Task.REGRESSION) {
      throw new IllegalArgumentException("majority class needs a binary or multiclass task");
    }
    this.task = task;
    this.classes = task == Task.BINARY ? 2 : outputSize;
    counts = new long[classes];
  }

  public static MajorityLearner forTask(TaskInfo t) {
    return new MajorityLearner(t.task(), t.outputSize());
  }

  @Override
  public String name() {
    return "majority";
  }

  @Override
  public float[] predict(String entityId, String eventId, float[] features) {
    if (task == Task.BINARY) {
      return new float[] {(float) ((counts[1] + 1.0) / (n + 2.0))};
    }
    float[] p = new float[classes];
    for (int k = 0; k < classes; k++) {
      p[k] = (float) ((counts[k] + 1.0) / (n + classes));
    }
    return p;
  }

  @Override
  public LearnOutcome learn(String entityId, String eventId, float target) {
    Head.checkTarget(task, target, task == Task.BINARY ? 1 : classes);
    counts[Math.round(target)]++;
    n++;
    return LearnOutcome.ACCEPTED;
  }

  /** The majority class so far (lowest index on ties). */
  public int majority() {
    int best = 0;
    for (int k = 1; k < classes; k++) {
      if (counts[k] > counts[best]) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", "majority class (label frequencies, add-one smoothed)");
    m.put("labels", n);
    m.put("majority", majority());
    return m;
  }
}
