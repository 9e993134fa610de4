package io.cellstream.eval;

import io.cellstream.lstm.Adam;
import io.cellstream.lstm.ModelSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Online training of any {@link RecurrentCell} the way the service trains the LSTM: per entity a state
 * and a ring of recent steps (inputs, event ids, and a checkpoint of the state before each step); a label
 * for step s becomes a training example "state at the window start, inputs of up to {@code window} steps
 * ending at s, the target at s"; examples are collected into minibatches; each minibatch runs truncated
 * BPTT from the checkpoints with the current parameters, averages the gradients over the batch, clips
 * them by global norm and takes one {@link Adam} step.
 *
 * <p>A label whose step has left the ring is {@link LearnOutcome#EXPIRED}; when the ring holds fewer than
 * {@code window} steps up to s, the example's window starts at the oldest step held.
 */
public class RecurrentLearner implements OnlineLearner {

  private static final class Entity {
    float[] state;
    float[] next;
    final EntityRing ring;

    Entity(int stateSize, int capacity, int d) {
      state = new float[stateSize];
      next = new float[stateSize];
      ring = new EntityRing(capacity, d, stateSize);
    }
  }

  private final String name;
  private final RecurrentCell cell;
  private final ModelSpec spec;
  private final LearnerConfig config;
  private final float[] params;
  private final float[] grads;
  private final Adam adam;
  private final Map<String, Entity> entities = new HashMap<>();
  private final int d;
  private final int stateSize;
  private final int win;
  // minibatch of examples
  private final float[] exState0;
  private final float[] exX;
  private final int[] exN;
  private final float[] exTarget;
  private int batched;
  private final float[] state0;
  private final float[] xs;
  // counters
  private long accepted;
  private long expired;
  private long unknown;
  private long updates;
  private long refused;
  private double lastLoss = Double.NaN;
  private double lastGradNorm = Double.NaN;

  public RecurrentLearner(String name, RecurrentCell cell, LearnerConfig config) {
    if (cell.spec().hiddenSize() != config.hiddenSize()) {
      throw new IllegalArgumentException(
          "cell H=" + cell.spec().hiddenSize() + " but config H=" + config.hiddenSize());
    }
    this.name = name;
    this.cell = cell;
    this.spec = cell.spec();
    this.config = config;
    params = new float[cell.parameterCount()];
    grads = new float[params.length];
    cell.initialize(params, config.seed());
    cell.parametersChanged(params);
    adam = new Adam(config.adam(), params.length);
    d = spec.inputSize();
    stateSize = cell.stateSize();
    win = config.window();
    int b = config.batchSize();
    exState0 = new float[b * stateSize];
    exX = new float[b * win * d];
    exN = new int[b];
    exTarget = new float[b];
    state0 = new float[stateSize];
    xs = new float[win * d];
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
    Entity e = entities.computeIfAbsent(entityId, k -> new Entity(stateSize, config.ringCapacity(), d));
    e.ring.push(eventId, features, e.state); // checkpoint: the state before this step
    cell.step(params, features, e.state, e.next);
    float[] t = e.state;
    e.state = e.next;
    e.next = t;
    float[] out = new float[spec.outputSize()];
    cell.output(params, e.state, out);
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
    e.ring.copyCheckpoint(start, exState0, i * stateSize);
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
    double loss = 0;
    for (int i = 0; i < batched; i++) {
      int n = exN[i];
      System.arraycopy(exState0, i * stateSize, state0, 0, stateSize);
      System.arraycopy(exX, i * win * d, xs, 0, n * d);
      loss += cell.windowGradient(params, state0, xs, n, exTarget[i], grads);
    }
    float inv = 1f / batched;
    float wd = config.weightDecay();
    for (int j = 0; j < grads.length; j++) {
      grads[j] = grads[j] * inv + wd * params[j];
    }
    lastLoss = loss / batched;
    lastGradNorm = Head.clipByGlobalNorm(grads, config.clipNorm());
    if (adam.step(params, grads)) {
      cell.parametersChanged(params);
      updates++;
    } else {
      refused++;
    }
    batched = 0;
  }

  /** The parameters (not a copy), in the cell's layout. */
  public float[] parameters() {
    return params;
  }

  public LearnerConfig config() {
    return config;
  }

  public RecurrentCell cell() {
    return cell;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", cell.describe());
    m.put("hiddenSize", spec.hiddenSize());
    m.put("parameters", params.length);
    m.put("window", win);
    m.put("ringCapacity", config.ringCapacity());
    m.put("batchSize", config.batchSize());
    m.put("learningRate", config.learningRate());
    m.put("amsgrad", config.adam().amsgrad());
    m.put("clipNorm", config.clipNorm());
    m.put("weightDecay", config.weightDecay());
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
