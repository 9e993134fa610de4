package io.cellstream.learn;

import io.cellstream.lstm.Adam;
import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.InputStatistics;
import io.cellstream.lstm.InputStatisticsCodec;
import io.cellstream.lstm.ModelSnapshotCodec;
import io.cellstream.lstm.OptimizerStateCodec;
import io.cellstream.lstm.Window;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one online trainer: takes training examples one at a time (made by {@link LabelJoin}), collects them
 * into minibatches of {@link LearnerSettings#batchSize()}, runs truncated BPTT + Adam on each
 * ({@link MinibatchTrainer}: clipping, guards, refusals), adds {@link LearnerSettings#replayUpdates()} extra
 * updates per new example, each on {@link LearnerSettings#replayBatchSize()} examples drawn uniformly from a
 * bounded buffer of recent examples (experience replay),
 * and says when a new version is due ({@link LearnerSettings#publishEveryExamples()},
 * {@link LearnerSettings#publishInterval()}). The service's trainer task and every in-process learner run it.
 *
 * <p>A model that standardises its inputs ({@link InputStatistics} with standardised columns) learns the
 * statistics here: every step of every new example (replayed ones are not counted again) updates them before the
 * example is learned from, and each BPTT pass standardises its window with the statistics of that moment, the ones
 * published with the parameters. Examples (pending, replayed) keep their raw inputs. Without standardised columns
 * nothing of this happens and the windows are used as they are.
 *
 * <p>With a {@link TrainerStore} it writes, per new example, only what changed: the example under its own key
 * (pending or replay), the parameters and moments when an update was applied, and a small record of counters
 * ({@link TrainerStateCodec}). {@link #restore} continues exactly where the stored trainer stopped, replay
 * draws included. Not thread-safe: one per trainer thread.
 */
public final class OnlineTrainer {

  /** What one {@link #learn} did. */
  public record Learned(int updatesApplied, int updatesRefused, UpdateResult lastApplied, UpdateResult lastRefusal,
      boolean publishDue) {}

  static final String KEY_META = "meta";
  static final String KEY_PARAMS = "params";
  static final String KEY_OPTIMIZER = "optimizer";
  /** The learned input statistics ({@link InputStatisticsCodec}); absent when nothing is standardised. */
  static final String KEY_STATISTICS = "statistics";
  static final String PENDING_PREFIX = "pending/";
  static final String REPLAY_PREFIX = "replay/";
  // the store's layout before it was split by key (format 1): read once, then rewritten
  static final String V1_MODEL = "model";
  static final String V1_PENDING = "pending";

  private final Cell<?> cell;
  private final LearnerSettings settings;
  private final TrainerStore store; // null: nothing is persisted
  private MinibatchTrainer trainer;
  private final List<TrainingExample> pending = new ArrayList<>();
  private final TrainingExample[] replay; // ring of the newest examples; slot = added mod capacity
  private long replayAdded;
  private long random;                    // SplitMix64 state of the replay's draws
  private InputStatistics statistics;     // learned from the new examples' raw inputs
  private float[][] standardised = new float[0][]; // scratch by window length T: (T, D) standardised inputs

  private long publishedVersion;          // newest version published (or adopted)
  private long examplesSeen;              // new examples learned from over the model's life (replays not counted)
  private long examplesSincePublish;
  private long updatesSincePublish;
  private double lossSincePublish;        // summed loss of the updates since the last version
  private long labelsSincePublish;
  private long lastPublishMillis;

  private OnlineTrainer(Cell<?> cell, LearnerSettings settings, float[] params, Adam adam, TrainerStore store,
      InputStatistics statistics) {
    if (params.length != cell.parameterCount()) {
      throw new IllegalArgumentException(cell.kind() + " needs " + cell.parameterCount() + " parameters, got " + params.length);
    }
    if (statistics.inputSize() != cell.spec().inputSize()) {
      throw new IllegalArgumentException("input statistics for D=" + statistics.inputSize() + ", the cell reads D="
          + cell.spec().inputSize());
    }
    this.statistics = statistics;
    this.cell = cell;
    this.settings = settings;
    this.store = store;
    this.trainer = new MinibatchTrainer(params, cell.backprop(params), adam, settings.trainerConfig());
    this.replay = new TrainingExample[settings.replayCapacity()];
    this.random = settings.seed() ^ 0x5DEECE66DL;
  }

  /**
   * A trainer starting from {@code params} (taken, not copied) with fresh moments, which has published
   * {@code publishedVersion} after learning from {@code examplesSeen} examples.
   */
  public static OnlineTrainer fresh(Cell<?> cell, LearnerSettings settings, float[] params, long publishedVersion,
      long examplesSeen, long nowMillis, TrainerStore store) {
    return fresh(cell, settings, params, InputStatistics.none(cell.spec().inputSize()), publishedVersion, examplesSeen,
        nowMillis, store);
  }

  /** As above, continuing from the input {@code statistics} published with {@code params}. */
  public static OnlineTrainer fresh(Cell<?> cell, LearnerSettings settings, float[] params, InputStatistics statistics,
      long publishedVersion, long examplesSeen, long nowMillis, TrainerStore store) {
    OnlineTrainer t = new OnlineTrainer(cell, settings, params, new Adam(settings.adam(), params.length), store,
        statistics);
    t.publishedVersion = publishedVersion;
    t.examplesSeen = examplesSeen;
    t.lastPublishMillis = nowMillis;
    t.clearStoredExamples();
    t.persistModel();
    t.persistMeta();
    return t;
  }

  /**
   * The trainer as {@code store} holds it (either layout), or null when it holds none or one of another
   * shape ({@code mismatch} then receives a sentence saying which). The configured Adam hyper-parameters win
   * over the stored ones; the moments carry over.
   */
  public static OnlineTrainer restore(Cell<?> cell, LearnerSettings settings, TrainerStore store,
      java.util.function.Consumer<String> mismatch) {
    return restore(cell, settings, InputStatistics.none(cell.spec().inputSize()), store, mismatch);
  }

  /**
   * As above for a model whose inputs are laid out as {@code layout} says (feature list, standardised columns):
   * stored statistics of another layout are a mismatch; a store without statistics starts from {@code layout}.
   */
  public static OnlineTrainer restore(Cell<?> cell, LearnerSettings settings, InputStatistics layout,
      TrainerStore store, java.util.function.Consumer<String> mismatch) {
    byte[] meta = store.get(KEY_META);
    byte[] optimizer = store.get(KEY_OPTIMIZER);
    if (meta == null || optimizer == null) {
      return null;
    }
    float[] params;
    TrainerStateCodec.Meta m;
    byte[] v1Model = store.get(V1_MODEL);
    if (v1Model != null && store.get(KEY_PARAMS) == null) {
      var model = ModelSnapshotCodec.decode(v1Model);
      if (!model.spec().equals(cell.spec())) {
        mismatch.accept("the trainer's stored model is " + model.spec() + " but the configuration says " + cell.spec());
        return null;
      }
      params = model.parametersCopy().data();
      m = TrainerStateCodec.decodeMeta(meta, model.spec());
    } else {
      m = TrainerStateCodec.decodeMeta(meta, null);
      if (!m.spec().equals(cell.spec())) {
        mismatch.accept("the trainer's stored model is " + m.spec() + " but the configuration says " + cell.spec());
        return null;
      }
      params = TrainerStateCodec.decodeParameters(store.get(KEY_PARAMS), cell.spec(), cell.parameterCount());
    }
    byte[] storedStatistics = store.get(KEY_STATISTICS);
    InputStatistics statistics = storedStatistics == null ? layout : InputStatisticsCodec.decode(storedStatistics);
    if (!statistics.sameLayout(layout)) {
      mismatch.accept("the trainer's stored input statistics are for " + describe(statistics)
          + " but the configuration says " + describe(layout));
      return null;
    }
    Adam stored = OptimizerStateCodec.decode(optimizer, params.length);
    AdamConfig configured = settings.adam();
    Adam adam = new Adam(configured, stored.m(), stored.v(),
        stored.vMax() != null ? stored.vMax() : stored.v().clone(), stored.steps());
    OnlineTrainer t = new OnlineTrainer(cell, settings, params, adam, store, statistics);
    t.publishedVersion = m.publishedVersion();
    t.examplesSeen = m.examplesSeen();
    t.examplesSincePublish = m.examplesSincePublish();
    t.updatesSincePublish = m.updatesSincePublish();
    t.lossSincePublish = m.lossSincePublish();
    t.labelsSincePublish = m.labelsSincePublish();
    t.lastPublishMillis = m.lastPublishMillis();
    t.trainer.restoreGuard(m.acceptedUpdates(), m.refusedUpdates(), m.lossMovingAverage());
    if (m.formatVersion() == 1) {
      t.readV1Pending(store.get(V1_PENDING));
      store.delete(V1_MODEL);
      store.delete(V1_PENDING);
      for (int i = 0; i < t.pending.size(); i++) {
        store.put(PENDING_PREFIX + i, TrainingExampleCodec.encode(t.pending.get(i)));
      }
      t.persistModel();
      t.persistMeta();
    } else {
      for (int i = 0; i < m.pending(); i++) {
        t.pending.add(TrainingExampleCodec.decode(store.get(PENDING_PREFIX + i)));
      }
      t.replayAdded = m.replayAdded();
      t.random = m.replayRandomState();
      long held = Math.min(t.replayAdded, t.replay.length);
      for (long n = t.replayAdded - held; n < t.replayAdded; n++) {
        int slot = (int) (n % t.replay.length);
        byte[] bytes = store.get(REPLAY_PREFIX + slot);
        if (bytes != null) {
          t.replay[slot] = TrainingExampleCodec.decode(bytes);
        }
      }
    }
    return t;
  }

  private static String describe(InputStatistics s) {
    return (s.features().isEmpty() ? "ready-made features" : "features '" + s.features() + "'") + " with "
        + s.size() + " standardised of D=" + s.inputSize();
  }

  private void readV1Pending(byte[] p) {
    if (p == null) {
      return;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(p))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        byte[] e = new byte[in.readInt()];
        in.readFully(e);
        pending.add(TrainingExampleCodec.decode(e));
      }
    } catch (IOException e) {
      throw new IllegalStateException("the trainer's pending examples (format 1) are unreadable", e);
    }
  }

  // ------------------------------------------------------------------ learning

  /**
   * Learns from one new example: into the minibatch (an update when it is full), into the replay buffer, then
   * the replay updates. {@code encoded} is the example's bytes when the caller has them (saves encoding it for
   * the store), else null. A window that does not fit the cell is refused with an IllegalArgumentException
   * before anything changes.
   */
  public Learned learn(TrainingExample example, byte[] encoded, long nowMillis) {
    Window window = example.window();
    int applied = 0;
    int refused = 0;
    UpdateResult lastApplied = null;
    UpdateResult lastRefusal = null;
    cell.checkWindow(window); // a bad example changes nothing
    statistics = statistics.plus(example.inputs(), example.steps());
    pending.add(example);
    byte[] bytes = store == null ? null : (encoded != null ? encoded : TrainingExampleCodec.encode(example));
    if (pending.size() >= settings.batchSize()) {
      for (TrainingExample e : pending) {
        trainer.accumulate(standardised(e.window()));
      }
      UpdateResult r = trainer.update();
      if (r.applied()) {
        applied++;
        lastApplied = r;
        examplesSeen += pending.size();
        examplesSincePublish += pending.size();
        count(r);
      } else if (r.outcome() != UpdateResult.Outcome.EMPTY) {
        refused++;
        lastRefusal = r;
      }
      if (store != null) {
        for (int i = 0; i < pending.size() - 1; i++) {
          store.delete(PENDING_PREFIX + i);
        }
      }
      pending.clear();
    } else {
      // Not yet a full minibatch: its gradients are computed when it is complete, with the parameters the
      // update is applied to.
      if (store != null) {
        store.put(PENDING_PREFIX + (pending.size() - 1), bytes);
      }
    }
    if (replay.length > 0) {
      int slot = (int) (replayAdded % replay.length);
      replay[slot] = example;
      replayAdded++;
      if (store != null) {
        store.put(REPLAY_PREFIX + slot, bytes);
      }
      long held = Math.min(replayAdded, replay.length);
      for (int u = 0; u < settings.replayUpdates(); u++) {
        for (int b = 0; b < settings.replayBatchSize(); b++) {
          trainer.accumulate(standardised(replay[(int) Math.floorMod(nextRandom(), held)].window()));
        }
        UpdateResult r = trainer.update();
        if (r.applied()) {
          applied++;
          lastApplied = r;
          count(r);
        } else if (r.outcome() != UpdateResult.Outcome.EMPTY) {
          refused++;
          lastRefusal = r;
        }
      }
    }
    if (applied > 0) {
      persistModel();
    }
    persistMeta();
    return new Learned(applied, refused, lastApplied, lastRefusal, publishDue(nowMillis));
  }

  /**
   * The window as the cell must read it: its raw inputs standardised with the statistics of now, in a scratch
   * buffer of its length (the window is used at once, by one BPTT pass). Unchanged when nothing is standardised.
   */
  private Window standardised(Window w) {
    if (statistics.isIdentity()) {
      return w;
    }
    int t = w.length();
    if (t >= standardised.length) {
      standardised = java.util.Arrays.copyOf(standardised, t + 1);
    }
    float[] x = standardised[t];
    if (x == null) {
      x = new float[w.inputs().length];
      standardised[t] = x;
    }
    statistics.standardise(w.inputs(), 0, x, 0, t);
    return new Window(w.h0(), w.c0(), x, w.targets(), w.labelled());
  }

  private void count(UpdateResult r) {
    updatesSincePublish++;
    lossSincePublish += r.loss();
    labelsSincePublish += r.labelledSteps();
  }

  /** SplitMix64: specified here so that a restored trainer draws the very same replay examples. */
  private long nextRandom() {
    random += 0x9E3779B97F4A7C15L;
    long z = random;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) >>> 1;
  }

  /**
   * Whether a new version should be published now: something was learned since the last one, and either
   * enough new examples or (with an interval) enough time has passed.
   */
  public boolean publishDue(long nowMillis) {
    if (updatesSincePublish == 0) {
      return false;
    }
    if (examplesSincePublish >= settings.publishEveryExamples()) {
      return true;
    }
    Duration interval = settings.publishInterval();
    return interval != null && nowMillis - lastPublishMillis >= interval.toMillis();
  }

  /** Applies a partial minibatch (the end of an in-process run). */
  public Learned flush(long nowMillis) {
    if (pending.isEmpty()) {
      return new Learned(0, 0, null, null, publishDue(nowMillis));
    }
    for (TrainingExample e : pending) {
      trainer.accumulate(standardised(e.window()));
    }
    UpdateResult r = trainer.update();
    int n = pending.size();
    if (store != null) {
      for (int i = 0; i < n; i++) {
        store.delete(PENDING_PREFIX + i);
      }
    }
    pending.clear();
    if (r.applied()) {
      examplesSeen += n;
      examplesSincePublish += n;
      count(r);
      persistModel();
    }
    persistMeta();
    boolean refusal = !r.applied() && r.outcome() != UpdateResult.Outcome.EMPTY;
    return new Learned(r.applied() ? 1 : 0, refusal ? 1 : 0, r.applied() ? r : null, refusal ? r : null,
        publishDue(nowMillis));
  }

  /** Records that {@code version} was published now; the counters since the last version start again. */
  public void published(long version, long nowMillis) {
    publishedVersion = version;
    examplesSincePublish = 0;
    updatesSincePublish = 0;
    lossSincePublish = 0;
    labelsSincePublish = 0;
    lastPublishMillis = nowMillis;
    persistMeta();
  }

  /**
   * Continues from other parameters (a rollback to an old version): fresh moments, since the old ones belong
   * to another trajectory; the unfinished minibatch is dropped, the replay buffer kept.
   */
  public void resetTo(float[] params, long examplesSeenByThem) {
    resetTo(params, statistics, examplesSeenByThem);
  }

  /** As above, with the input statistics of that version: they belong to its parameters. */
  public void resetTo(float[] params, InputStatistics statisticsOfThem, long examplesSeenByThem) {
    if (!statisticsOfThem.sameLayout(statistics)) {
      throw new IllegalArgumentException("the version's inputs are " + describe(statisticsOfThem)
          + ", the trainer's " + describe(statistics));
    }
    this.statistics = statisticsOfThem;
    this.trainer = new MinibatchTrainer(params, cell.backprop(params), new Adam(settings.adam(), params.length),
        settings.trainerConfig());
    this.examplesSeen = examplesSeenByThem;
    clearStoredExamples();
    persistModel();
    persistMeta();
  }

  private void clearStoredExamples() {
    if (store != null) {
      for (int i = 0; i < pending.size(); i++) {
        store.delete(PENDING_PREFIX + i);
      }
    }
    pending.clear();
  }

  // ------------------------------------------------------------------ persistence

  private void persistModel() {
    if (store == null) {
      return;
    }
    store.put(KEY_PARAMS, TrainerStateCodec.encodeParameters(cell.spec(), trainer.parameters()));
    store.put(KEY_OPTIMIZER, OptimizerStateCodec.encode(trainer.optimizer()));
  }

  private void persistMeta() {
    if (store == null) {
      return;
    }
    if (!statistics.isIdentity()) {
      store.put(KEY_STATISTICS, InputStatisticsCodec.encode(statistics));
    }
    store.put(KEY_META, TrainerStateCodec.encodeMeta(new TrainerStateCodec.Meta(cell.spec(), publishedVersion,
        examplesSeen, examplesSincePublish, updatesSincePublish, lossSincePublish, labelsSincePublish,
        lastPublishMillis, trainer.acceptedUpdates(), trainer.refusedUpdates(), trainer.lossMovingAverage(),
        pending.size(), replayAdded, random, TrainerStateCodec.META_VERSION)));
  }

  // ------------------------------------------------------------------ reading

  /** The live parameters (updated in place; copy before publishing). */
  public float[] parameters() {
    return trainer.parameters();
  }

  /** The input statistics learned so far: what a version published now carries. */
  public InputStatistics statistics() {
    return statistics;
  }

  public Adam optimizer() {
    return trainer.optimizer();
  }

  public Cell<?> cell() {
    return cell;
  }

  public LearnerSettings settings() {
    return settings;
  }

  public long publishedVersion() {
    return publishedVersion;
  }

  public long examplesSeen() {
    return examplesSeen;
  }

  public int pendingExamples() {
    return pending.size();
  }

  /** Examples in the replay buffer now. */
  public int replayHeld() {
    return (int) Math.min(replayAdded, replay.length);
  }

  public long acceptedUpdates() {
    return trainer.acceptedUpdates();
  }

  public long refusedUpdates() {
    return trainer.refusedUpdates();
  }

  /** Mean loss per labelled step of the updates since the last version, or null when there was none. */
  public Double lossSincePublish() {
    return labelsSincePublish == 0 ? null : lossSincePublish / labelsSincePublish;
  }
}
