package io.cellstream.learn;

import io.cellstream.lstm.InputStatistics;
import io.cellstream.state.EntityState;
import io.cellstream.state.HeldLabel;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one online learner hosted in-process (no Kafka): per entity an {@link EntityState} in a map, the
 * {@link Cell}'s step, the {@link LabelJoin}, the {@link OnlineTrainer} and its publish policy — the very code
 * the service's processors call, driven record by record. Predictions use the newest published version, as in
 * the service; with the default policy (publish after every example) that is the freshest model, and
 * {@link LearnerSettings#publishEveryExamples()} &gt; 1 reproduces the service's delay between learning and
 * using what was learned.
 *
 * <p>A label that comes before its event is held in the entity's state and learned from right after the event's
 * prediction, as in the service ({@link LabelJoin#offer}). The hold time runs on this learner's clock: the
 * latest event time or label time it was given (the service's counterpart is stream time, the latest record
 * timestamp), so the same stream gives up the same labels in both hosts. {@link #flush()} gives up the labels
 * still held at the end of a run.
 *
 * <p>Inputs the input layer made from a record's fields ({@link EventInputs}) are completed from the entity's
 * feature memory and standardised with the input statistics of the version in use, the entity's window keeping
 * them raw, and a label learned from is told to the {@link FeatureMemory}: as the service's step does.
 *
 * <p>{@code eval}, the demo's and replay's baselines and strict replay drive it; the parity tests keep it
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
  private final float[] u;             // (D) scratch: raw inputs of the event
  private final float[] x;             // (D) scratch: what the cell reads, standardised
  private final FeatureMemory featureMemory;
  private W weights;
  private InputStatistics statistics;  // of the version in use
  private long version;
  private long examplesAtVersion;
  private final long[] outcomes = new long[LabelOutcome.values().length];
  private long updatesRefused;
  private String lastRefusal;
  private long clock; // the latest event or label time seen (ms): what held labels age by

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
    this(name, cell, settings, LabelJoin.Holding.DEFAULTS, training, startParams, startVersion, startExamples);
  }

  /** A fresh learner that holds labels which come before their event as {@code holding} says. */
  public InProcessLearner(String name, Cell<W> cell, LearnerSettings settings, LabelJoin.Holding holding,
      boolean training) {
    this(name, cell, settings, holding, training, null, 1, 0);
  }

  /** The general form: as above, holding labels that come before their event as {@code holding} says. */
  public InProcessLearner(String name, Cell<W> cell, LearnerSettings settings, LabelJoin.Holding holding,
      boolean training, float[] startParams, long startVersion, long startExamples) {
    this(name, cell, settings, holding, training, startParams, InputStatistics.none(cell.spec().inputSize()),
        FeatureMemory.NONE, startVersion, startExamples);
  }

  /**
   * The most general form: inputs read as {@code startStatistics} say (the feature list, its standardised columns
   * and what was learned of them with {@code startParams}; {@link InputStatistics#empty} for a fresh model), and
   * the targets learned from told to {@code featureMemory}.
   */
  public InProcessLearner(String name, Cell<W> cell, LearnerSettings settings, LabelJoin.Holding holding,
      boolean training, float[] startParams, InputStatistics startStatistics, FeatureMemory featureMemory,
      long startVersion, long startExamples) {
    this.name = name;
    this.statistics = startStatistics;
    this.featureMemory = featureMemory;
    this.cell = cell;
    this.settings = settings;
    this.join = new LabelJoin(settings.bpttSteps(), holding);
    float[] params = new float[cell.parameterCount()];
    if (startParams == null) {
      cell.initialize(params, settings.seed());
    } else {
      System.arraycopy(startParams, 0, params, 0, params.length);
    }
    this.weights = cell.publish(params);
    this.version = startVersion;
    this.examplesAtVersion = startExamples;
    this.trainer = training
        ? OnlineTrainer.fresh(cell, settings, params, startStatistics, startVersion, startExamples, 0L, null) : null;
    this.u = new float[cell.spec().inputSize()];
    this.x = new float[cell.spec().inputSize()];
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
   * The next event of {@code entityId}: one step with the published weights, the entity's memory advanced; a
   * label held for this event is learned from right after (with the version it may publish used from the next
   * event on).
   *
   * @return (K) the prediction, a fresh array
   */
  public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
    EntityState s = entityFor(entityId, eventTime);
    return step(entityId, eventId, eventTime, s, features);
  }

  /**
   * As {@link #predict(String, String, long, float[])} for an event whose raw inputs the input layer made: they are
   * completed from the entity's feature memory first ({@link EventInputs#write}), then standardised.
   */
  public float[] predict(String entityId, String eventId, long eventTime, EventInputs inputs) {
    EntityState s = entityFor(entityId, eventTime);
    inputs.write(s, u);
    return step(entityId, eventId, eventTime, s, u);
  }

  private EntityState entityFor(String entityId, long eventTime) {
    clock = Math.max(clock, eventTime);
    EntityState s = entities.get(entityId);
    if (s == null) {
      s = cell.newEntityState(settings.windowSteps(), settings.checkpointEvery());
      entities.put(entityId, s);
    }
    return s;
  }

  private float[] step(String entityId, String eventId, long eventTime, EntityState s, float[] raw) {
    if (statistics.isIdentity()) {
      cell.stepEntity(weights, version, s, eventId, eventTime, raw, 0, gates, y);
    } else {
      statistics.standardise(raw, 0, x, 0, 1);
      cell.stepEntity(weights, version, s, eventId, eventTime, raw, 0, x, 0, gates, y);
    }
    float[] prediction = y.clone();
    LabelJoin.AfterStep after = join.afterStep(entityId, s, eventId, clock);
    giveUp(after.givenUp());
    if (after.example() != null) {
      outcomes[LabelOutcome.MATCHED.ordinal()]++;
      featureMemory.targetLearned(s, after.joined().target());
      train(after.example());
    }
    return prediction;
  }

  /**
   * A label for an event of {@code entityId} at this learner's clock (inline: right after its prediction).
   * Matched, it is learned from at once, and a new version is published when the policy says so; before its
   * event, it is held until the event comes.
   *
   * @param target (K) the head's target vector ({@link Targets#toVector})
   */
  public LabelOutcome learn(String entityId, String eventId, float[] target) {
    return learn(entityId, eventId, target, clock);
  }

  /** As {@link #learn(String, String, float[])}, for a label that arrived at {@code labelTime} (ms). */
  public LabelOutcome learn(String entityId, String eventId, float[] target, long labelTime) {
    clock = Math.max(clock, labelTime);
    EntityState s = entities.get(entityId);
    boolean known = s != null;
    if (!known) {
      s = cell.newEntityState(settings.windowSteps(), settings.checkpointEvery());
    }
    LabelJoin.Result r = join.offer(entityId, s, eventId, target, clock, null);
    outcomes[r.outcome().ordinal()]++;
    giveUp(r.givenUp());
    if (!known && !s.isEmpty()) {
      entities.put(entityId, s); // an entity first seen through a label held for its event
    } else if (known && s.isEmpty()) {
      entities.remove(entityId);
    }
    if (r.matched()) {
      featureMemory.targetLearned(s, target);
      train(r.example());
    }
    return r.outcome();
  }

  private void train(io.cellstream.state.TrainingExample example) {
    if (trainer == null) {
      return;
    }
    OnlineTrainer.Learned l = trainer.learn(example, null, 0L);
    note(l);
    if (l.publishDue()) {
      publish();
    }
  }

  private void giveUp(List<HeldLabel> labels) {
    outcomes[LabelOutcome.UNMATCHED.ordinal()] += labels.size();
  }

  /** Labels held for an event that has not come, over all entities. */
  public int heldLabels() {
    int n = 0;
    for (EntityState s : entities.values()) {
      n += s.heldCount();
    }
    return n;
  }

  /**
   * Gives up the labels held longer than the hold time at {@code now} (and moves the clock there), as the
   * service's sweep does for entities that see no record: returns how many.
   */
  public int expireHeldLabels(long now) {
    clock = Math.max(clock, now);
    int n = 0;
    for (Iterator<EntityState> it = entities.values().iterator(); it.hasNext(); ) {
      EntityState s = it.next();
      List<HeldLabel> gone = join.expire(s, clock);
      n += gone.size();
      giveUp(gone);
      if (s.isEmpty()) {
        it.remove();
      }
    }
    return n;
  }

  /**
   * The end of a run: gives up the labels still held (their events never came), applies an unfinished minibatch
   * and publishes what was learned.
   */
  public void flush() {
    for (Iterator<EntityState> it = entities.values().iterator(); it.hasNext(); ) {
      EntityState s = it.next();
      outcomes[LabelOutcome.UNMATCHED.ordinal()] += s.heldCount();
      while (s.heldCount() > 0) {
        s.removeHeld(0);
      }
      if (s.isEmpty()) {
        it.remove();
      }
    }
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
    statistics = trainer.statistics();
    examplesAtVersion = trainer.examplesSeen();
    trainer.published(version, 0L);
  }

  /** The version that makes predictions now. */
  public long version() {
    return version;
  }

  /** The input statistics of the version in use. */
  public InputStatistics statistics() {
    return statistics;
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
