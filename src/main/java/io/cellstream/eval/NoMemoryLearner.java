package io.cellstream.eval;

import io.cellstream.lstm.Adam;
import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Task;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The memoryless baseline: logistic (binary), softmax (multiclass) or linear (regression) regression on
 * the current event's features only, {@code y = head(W x + b)} with W (K, D), b (K) in one flat buffer
 * (W row-major, then b), zero-initialised, trained online with minibatches of Adam. It keeps, per entity,
 * a ring of the recent inputs only so that a delayed label finds the features it refers to.
 */
public final class NoMemoryLearner implements OnlineLearner {

  /**
   * Tuned default learning rate: best final-window log-loss (Reber) and MAE (adding, T = 100) among
   * 1e-3 … 1e-1 (1e-2 starts faster but settles noisier).
   */
  public static final float DEFAULT_LEARNING_RATE = 3e-3f;

  private final String name;
  private final Task task;
  private final int d;
  private final int k;
  private final int batchSize;
  private final int ringCapacity;
  private final float clipNorm;
  private final float[] params;
  private final float[] grads;
  private final Adam adam;
  private final Map<String, EntityRing> entities = new HashMap<>();
  private final float[] exX;
  private final float[] exTarget;
  private int batched;
  private final float[] logits;
  private final float[] y;
  private final float[] dl;
  private long accepted;
  private long expired;
  private long unknown;
  private long updates;
  private long refused;

  /**
   * @param task         head type
   * @param inputSize    D
   * @param outputSize   K
   * @param adam         optimiser
   * @param batchSize    examples per update
   * @param ringCapacity steps kept per entity for delayed labels
   * @param clipNorm     gradient clipping (≤ 0 off)
   */
  public NoMemoryLearner(String name, Task task, int inputSize, int outputSize, AdamConfig adam, int batchSize,
      int ringCapacity, float clipNorm) {
    this.name = name;
    this.task = task;
    this.d = inputSize;
    this.k = outputSize;
    this.batchSize = batchSize;
    this.ringCapacity = ringCapacity;
    this.clipNorm = clipNorm;
    params = new float[k * d + k];
    grads = new float[params.length];
    this.adam = new Adam(adam, params.length);
    exX = new float[batchSize * d];
    exTarget = new float[batchSize];
    logits = new float[k];
    y = new float[k];
    dl = new float[k];
  }

  /** For a task: the same batch size, ring and clipping as the recurrent learners, its own learning rate. */
  public static NoMemoryLearner forTask(TaskInfo t, LearnerConfig c) {
    return new NoMemoryLearner("nomemory", t.task(), t.inputSize(), t.outputSize(), c.adam(), c.batchSize(),
        c.ringCapacity(), c.clipNorm());
  }

  /** For a task with the tuned defaults. */
  public static NoMemoryLearner forTask(TaskInfo t) {
    return forTask(t, LearnerConfig.of(t, 1, DEFAULT_LEARNING_RATE));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public float[] predict(String entityId, String eventId, float[] features) {
    if (features.length != d) {
      throw new IllegalArgumentException("expected " + d + " features, got " + features.length);
    }
    entities.computeIfAbsent(entityId, e -> new EntityRing(ringCapacity, d, 0)).push(eventId, features, null);
    float[] out = new float[k];
    forward(features, 0, out);
    return out;
  }

  private void forward(float[] x, int off, float[] out) {
    for (int i = 0; i < k; i++) {
      float z = params[k * d + i];
      for (int j = 0; j < d; j++) {
        z += params[i * d + j] * x[off + j];
      }
      logits[i] = z;
    }
    Head.activate(task, logits, out, k);
  }

  @Override
  public LearnOutcome learn(String entityId, String eventId, float target) {
    EntityRing r = entities.get(entityId);
    if (r == null) {
      unknown++;
      return LearnOutcome.UNKNOWN;
    }
    long s = r.find(eventId);
    if (s < 0) {
      expired++;
      return LearnOutcome.EXPIRED;
    }
    Head.checkTarget(task, target, k);
    r.copyInputs(s, exX, batched * d);
    exTarget[batched++] = target;
    accepted++;
    if (batched == batchSize) {
      train();
    }
    return LearnOutcome.ACCEPTED;
  }

  @Override
  public void flush() {
    if (batched > 0) {
      train();
    }
  }

  private void train() {
    Arrays.fill(grads, 0f);
    for (int e = 0; e < batched; e++) {
      forward(exX, e * d, y);
      Head.gradient(task, y, exTarget[e], dl, k);
      for (int i = 0; i < k; i++) {
        grads[k * d + i] += dl[i];
        for (int j = 0; j < d; j++) {
          grads[i * d + j] += dl[i] * exX[e * d + j];
        }
      }
    }
    float inv = 1f / batched;
    for (int j = 0; j < grads.length; j++) {
      grads[j] *= inv;
    }
    Head.clipByGlobalNorm(grads, clipNorm);
    if (adam.step(params, grads)) {
      updates++;
    } else {
      refused++;
    }
    batched = 0;
  }

  /** W (K, D) row-major then b (K); not a copy. */
  public float[] parameters() {
    return params;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", switch (task) {
      case BINARY -> "logistic regression";
      case MULTICLASS -> "softmax regression";
      case REGRESSION -> "linear regression";
    } + " on the current event");
    m.put("parameters", params.length);
    m.put("batchSize", batchSize);
    m.put("learningRate", adam.config().learningRate());
    m.put("amsgrad", adam.config().amsgrad());
    m.put("clipNorm", clipNorm);
    m.put("ringCapacity", ringCapacity);
    m.put("entities", entities.size());
    m.put("labelsAccepted", accepted);
    m.put("labelsExpired", expired);
    m.put("labelsUnknown", unknown);
    m.put("updates", updates);
    m.put("updatesRefused", refused);
    return m;
  }
}
