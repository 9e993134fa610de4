package io.cellstream.eval;

import io.cellstream.lstm.Adam;
import io.cellstream.lstm.ModelSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The vanilla RNN baseline, trained online the way the service trains the LSTM: per entity a hidden
 * state h and a ring of recent steps (inputs, event ids, and a checkpoint of h before each step); a label
 * for step s becomes a training example "h at the window start, inputs of up to {@code window} steps
 * ending at s, the target at s"; examples are collected into minibatches; each minibatch runs truncated
 * BPTT from the checkpoints with the current parameters, averages the gradients over the batch, clips
 * them by global norm and takes one Adam step.
 *
 * <p>A label whose step has left the ring is {@link LearnOutcome#EXPIRED}; when the ring holds fewer than
 * {@code window} steps before s, the example's window starts at the oldest step held.
 */
public final class RnnLearner implements OnlineLearner {

  /** Tuned default learning rate (see the package documentation for the sweep behind it). */
  public static final float DEFAULT_LEARNING_RATE = 1e-2f;

  private static final class Entity {
    float[] h;
    float[] next;
    final EntityRing ring;

    Entity(int hidden, int capacity, int d) {
      h = new float[hidden];
      next = new float[hidden];
      ring = new EntityRing(capacity, d, hidden);
    }
  }

  private final String name;
  private final ModelSpec spec;
  private final LearnerConfig config;
  private final RnnModel model;
  private final float[] params;
  private final float[] grads;
  private final Adam adam;
  private final Map<String, Entity> entities = new HashMap<>();
  private final int d;
  private final int hid;
  private final int win;
  // minibatch of examples
  private final float[] exH0;
  private final float[] exX;
  private final int[] exN;
  private final float[] exTarget;
  private int batched;
  // scratch
  private final float[] hs;
  private final float[] targets;
  private final boolean[] mask;
  // counters
  private long accepted;
  private long expired;
  private long unknown;
  private long updates;
  private long refused;
  private double lastLoss = Double.NaN;
  private double lastGradNorm = Double.NaN;

  /** For a task: D and K from the task, H and everything else from {@code config}. */
  public RnnLearner(TaskInfo task, LearnerConfig config) {
    this("rnn", task.modelSpec(config.hiddenSize()), config);
  }

  /** {@code spec.hiddenSize()} must equal {@code config.hiddenSize()}. */
  public RnnLearner(ModelSpec spec, LearnerConfig config) {
    this("rnn", spec, config);
  }

  public RnnLearner(String name, ModelSpec spec, LearnerConfig config) {
    if (spec.hiddenSize() != config.hiddenSize()) {
      throw new IllegalArgumentException("spec H=" + spec.hiddenSize() + " but config H=" + config.hiddenSize());
    }
    this.name = name;
    this.spec = spec;
    this.config = config;
    model = new RnnModel(spec);
    params = new float[model.size()];
    grads = new float[model.size()];
    model.initialize(params, config.seed());
    adam = new Adam(config.adam(), model.size());
    d = spec.inputSize();
    hid = spec.hiddenSize();
    win = config.window();
    int b = config.batchSize();
    exH0 = new float[b * hid];
    exX = new float[b * win * d];
    exN = new int[b];
    exTarget = new float[b];
    hs = new float[win * hid];
    targets = new float[win];
    mask = new boolean[win];
  }

  /** For a task: its D, K and window, the given hidden size and the tuned default learning rate. */
  public static RnnLearner forTask(TaskInfo task, int hiddenSize) {
    return new RnnLearner(task, LearnerConfig.of(task, hiddenSize, DEFAULT_LEARNING_RATE));
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
    Entity e = entities.computeIfAbsent(entityId, k -> new Entity(hid, config.ringCapacity(), d));
    e.ring.push(eventId, features, e.h); // checkpoint: h before this step
    model.step(params, features, 0, e.h, 0, e.next, 0);
    float[] t = e.h;
    e.h = e.next;
    e.next = t;
    float[] out = new float[spec.outputSize()];
    model.output(params, e.h, 0, out);
    return out;
  }

  @Override
  public LearnOutcome learn(String entityId, String eventId, float target) {
    Entity e = entities.get(entityId);
    if (e == null) {
      unknown++;
      return LearnOutcome.UNKNOWN;
    }
    long s = e.ring.find(eventId);
    if (s < 0) {
      expired++;
      return LearnOutcome.EXPIRED;
    }
    Head.checkTarget(spec.task(), target, spec.outputSize());
    long start = Math.max(s - win + 1, e.ring.oldest());
    int n = (int) (s - start + 1);
    int i = batched++;
    e.ring.copyCheckpoint(start, exH0, i * hid);
    for (int t = 0; t < n; t++) {
      e.ring.copyInputs(start + t, exX, (i * win + t) * d);
    }
    exN[i] = n;
    exTarget[i] = target;
    accepted++;
    if (batched == config.batchSize()) {
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
    float[] h0 = new float[hid];
    float[] xs = new float[win * d];
    double loss = 0;
    for (int i = 0; i < batched; i++) {
      int n = exN[i];
      System.arraycopy(exH0, i * hid, h0, 0, hid);
      System.arraycopy(exX, i * win * d, xs, 0, n * d);
      Arrays.fill(mask, 0, n, false);
      mask[n - 1] = true;
      targets[n - 1] = exTarget[i];
      model.forward(params, h0, xs, n, hs);
      loss += model.backward(params, h0, xs, n, hs, targets, mask, grads, null);
    }
    float inv = 1f / batched;
    for (int j = 0; j < grads.length; j++) {
      grads[j] *= inv;
    }
    lastLoss = loss / batched;
    lastGradNorm = Head.clipByGlobalNorm(grads, config.clipNorm());
    if (adam.step(params, grads)) {
      updates++;
    } else {
      refused++;
    }
    batched = 0;
  }

  /** The parameters (not a copy), layout of {@link RnnModel}. */
  public float[] parameters() {
    return params;
  }

  public LearnerConfig config() {
    return config;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", "vanilla RNN (tanh), dense " + spec.task().id() + " head");
    m.put("hiddenSize", hid);
    m.put("parameters", model.size());
    m.put("window", win);
    m.put("ringCapacity", config.ringCapacity());
    m.put("batchSize", config.batchSize());
    m.put("learningRate", config.learningRate());
    m.put("clipNorm", config.clipNorm());
    m.put("seed", config.seed());
    m.put("entities", entities.size());
    m.put("labelsAccepted", accepted);
    m.put("labelsExpired", expired);
    m.put("labelsUnknown", unknown);
    m.put("updates", updates);
    m.put("updatesRefused", refused);
    m.put("lastBatchLoss", lastLoss);
    m.put("lastGradNorm", lastGradNorm);
    return m;
  }
}
