package io.cellstream.eval;

import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.Targets;

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
  private final io.cellstream.lstm.ModelSpec spec; // D and H nominal: only the head's shape matters here
  private long n;

  public MajorityLearner(Task task, int outputSize) {
    if (task == Task.REGRESSION) {
      throw new IllegalArgumentException("majority class needs a binary or multiclass task");
    }
    this.task = task;
    this.classes = task == Task.BINARY ? 2 : outputSize;
    counts = new long[classes];
    spec = new io.cellstream.lstm.ModelSpec(1, 1, outputSize, task);
  }

  public static MajorityLearner forTask(TaskInfo t) {
    return new MajorityLearner(t.task(), t.outputSize());
  }

  @Override
  public String name() {
    return "majority";
  }

  @Override
  public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
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
  public LabelOutcome learn(String entityId, String eventId, float target) {
    Targets.of(spec, target); // refuses a label outside the classes
    counts[Math.round(target)]++;
    n++;
    return LabelOutcome.MATCHED;
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
