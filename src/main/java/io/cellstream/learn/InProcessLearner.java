package io.cellstream.learn;

import io.cellstream.state.EntityState;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one online learner hosted in-process (no Kafka): per entity an {@link EntityState} in a map, the
 * {@link Cell}'s step, the {@link LabelJoin}, the {@link OnlineTrainer} and its publish policy — the very code
 * the service's processors call, driven record by record. Predictions use the newest published version, as in
 * the service; with the default policy (publish after every example) that is the freshest model, and
 * {@link LearnerSettings#publishEveryExamples()} &gt; 1 reproduces the service's delay between learning and
 * using what was learned.
 *
 * <p>{@code eval}, the demo's and replay's baselines and strict replay drive it; the parity test keeps it
 * equal to the topology. Not thread-safe.
 *
 * @param <W> the cell's published weights
 */
public final class InProcessLearner<W> {

  private final String name;
  private final Cell<W> cell;
  private final LearnerSettings settings;
  private final LabelJoin join;
  private final OnlineTrainer trainer; // null when training is off
  private final Map<String, EntityState> entities = new HashMap<>();
  private final float[] gates;         // (4H) scratch, for cells with gates
  private final float[] y;             // (K) scratch
  private W weights;
  private long version;
  private long examplesAtVersion;
  private final long[] outcomes = new long[LabelOutcome.values().length];
  private long updatesRefused;
  private String lastRefusal;

  /** A fresh learner: version 1 from {@code settings.seed()}, learning from labels when {@code training}. */
  public InProcessLearner(String name, Cell<W> cell, LearnerSettings settings, boolean training) {
    this(name, cell, settings, training, null, 1, 0);
  }

  /**
   * A learner that starts from {@code startParams} (a copy is taken; null: version 1 from the seed) as
   * version {@code startVersion}.
   */
  public InProcessLearner(String name, Cell<W> cell, LearnerSettings settings, boolean training, float[] startParams,
      long startVersion, long startExamples) {
    this.name = name;
    this.cell = cell;
    this.settings = settings;
    this.join = new LabelJoin(settings.bpttSteps());
    float[] params = new float[cell.parameterCount()];
    if (startParams == null) {
      cell.initialize(params, settings.seed());
    } else {
      System.arraycopy(startParams, 0, params, 0, params.length);
    }
    this.weights = cell.publish(params);
    this.version = startVersion;
    this.examplesAtVersion = startExamples;
    this.trainer = training ? OnlineTrainer.fresh(cell, settings, params, startVersion, startExamples, 0L, null) : null;
    this.gates = cell.hasGates() ? new float[4 * cell.spec().hiddenSize()] : null;
    this.y = new float[cell.spec().outputSize()];
  }

  public String name() {
    return name;
  }

  public Cell<W> cell() {
    return cell;
  }

  public LearnerSettings settings() {
    return settings;
  }

  /**
   * The next event of {@code entityId}: one step with the published weights, the entity's memory advanced.
   *
   * @return (K) the prediction, a fresh array
   */
  public float[] predict(String entityId, String eventId, long eventTime, float[] x) {
    EntityState s = entities.get(entityId);
    if (s == null) {
      s = cell.newEntityState(settings.windowSteps(), settings.checkpointEvery());
      entities.put(entityId, s);
    }
    cell.stepEntity(weights, version, s, eventId, eventTime, x, 0, gates, y);
    return y.clone();
  }

  /**
   * A label for an earlier event of {@code entityId} (inline: right after its prediction). Matched, it is
   * learned from at once, and a new version is published when the policy says so.
   *
   * @param target (K) the head's target vector ({@link Targets#toVector})
   */
  public LabelOutcome learn(String entityId, String eventId, float[] target) {
    EntityState s = entities.get(entityId);
    if (s == null) {
      outcomes[LabelOutcome.UNKNOWN_ENTITY.ordinal()]++;
      return LabelOutcome.UNKNOWN_ENTITY;
    }
    LabelJoin.Result r = join.join(entityId, s, eventId, target);
    outcomes[r.outcome().ordinal()]++;
    if (r.matched() && trainer != null) {
      OnlineTrainer.Learned l = trainer.learn(r.example(), null, 0L);
      note(l);
      if (l.publishDue()) {
        publish();
      }
    }
    return r.outcome();
  }

  /** Applies an unfinished minibatch and publishes what was learned (the end of a run). */
  public void flush() {
    if (trainer == null) {
      return;
    }
    note(trainer.flush(0L));
    if (trainer.acceptedUpdates() > 0 && trainer.examplesSeen() > examplesAtVersion) {
      publish();
    }
  }

  private void note(OnlineTrainer.Learned l) {
    updatesRefused += l.updatesRefused();
    if (l.lastRefusal() != null) {
      lastRefusal = l.lastRefusal().reason();
    }
  }

  private void publish() {
    version++;
    weights = cell.publish(trainer.parameters());
    examplesAtVersion = trainer.examplesSeen();
    trainer.published(version, 0L);
  }

  /** The version that makes predictions now. */
  public long version() {
    return version;
  }

  /** The published weights in use. */
  public W weights() {
    return weights;
  }

  /** The trainer, or null with training off. */
  public OnlineTrainer trainer() {
    return trainer;
  }

  /** The memory of {@code entityId}, or null if it has not been seen (live object: do not change it). */
  public EntityState entity(String entityId) {
    return entities.get(entityId);
  }

  public long count(LabelOutcome o) {
    return outcomes[o.ordinal()];
  }

  /** Hyper-parameters and counters, for reports. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", cell.describe());
    if (!cell.kind().equals("nomemory")) {
      m.put("hiddenSize", cell.spec().hiddenSize());
    }
    m.put("parameters", cell.parameterCount());
    m.putAll(settings.describe());
    if (!cell.kind().equals("lstm")) {
      m.remove("forgetBias");
    }
    m.put("entities", entities.size());
    for (LabelOutcome o : LabelOutcome.values()) {
      if (outcomes[o.ordinal()] > 0) {
        m.put("labels." + o.id(), outcomes[o.ordinal()]);
      }
    }
    m.put("version", version);
    if (trainer != null) {
      m.put("examplesLearned", trainer.examplesSeen());
      m.put("updates", trainer.acceptedUpdates());
      m.put("updatesRefused", updatesRefused);
      if (lastRefusal != null) {
        m.put("lastRefusal", lastRefusal);
      }
    }
    return m;
  }
}
