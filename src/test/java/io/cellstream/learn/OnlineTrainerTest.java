package io.cellstream.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSnapshotCodec;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.RandomModels;
import io.cellstream.lstm.SnapshotFormatException;
import io.cellstream.lstm.Task;
import io.cellstream.lstm.Window;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OnlineTrainerTest {

  static final ModelSpec SPEC = new ModelSpec(3, 5, 1, Task.BINARY);

  /** A store that counts what is written, so that the cost of an example can be asserted. */
  static final class MapStore implements TrainerStore {
    final Map<String, byte[]> map = new HashMap<>();
    long bytesWritten;
    final List<String> keysWritten = new ArrayList<>();

    @Override
    public byte[] get(String key) {
      return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
      map.put(key, value.clone());
      bytesWritten += value.length;
      keysWritten.add(key);
    }

    @Override
    public void delete(String key) {
      map.remove(key);
    }

    MapStore copy() {
      MapStore s = new MapStore();
      map.forEach((k, v) -> s.map.put(k, v.clone()));
      return s;
    }
  }

  static List<TrainingExample> examples(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TrainingExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int steps = 2 + r.nextInt(5);
      Window w = RandomModels.window(r, SPEC, steps, 0);
      boolean[] mask = new boolean[steps];
      mask[steps - 1] = true;
      float[] targets = new float[steps];
      targets[steps - 1] = r.nextBoolean() ? 1 : 0;
      out.add(new TrainingExample("e" + (i % 3), "ev" + i, i, 1_700_000_000_000L + i, 1, steps, 3, 5, 1, w.h0(), w.c0(),
          w.inputs(), targets, mask, new float[] {0.5f}));
    }
    return out;
  }

  static LearnerSettings settings(int batch, int replayCapacity, int replayUpdates) {
    return LearnerSettings.DEFAULTS.withWindow(8, 6).withBatchSize(batch).withReplay(replayCapacity, replayUpdates)
        .withAdam(new AdamConfig(0.01f, 0.9f, 0.999f, 1e-8f, true)).withPublish(4, Duration.ofSeconds(1)).withSeed(5);
  }

  static OnlineTrainer fresh(LearnerSettings s, TrainerStore store) {
    LstmCell cell = new LstmCell(SPEC, s.forgetBias(), LstmKernels.scalar());
    return OnlineTrainer.fresh(cell, s, Init.uniform(SPEC, 9, s.forgetBias()).data(), 1, 0, 0, store);
  }

  static OnlineTrainer restore(LearnerSettings s, TrainerStore store) {
    return OnlineTrainer.restore(new LstmCell(SPEC, s.forgetBias(), LstmKernels.scalar()), s, store,
        why -> { throw new AssertionError(why); });
  }

  @Test
  void everyNewExampleIsLearnedOnceAndReplayedAsConfigured() {
    OnlineTrainer t = fresh(settings(1, 50, 3), null);
    for (TrainingExample e : examples(10, 1)) {
      OnlineTrainer.Learned l = t.learn(e, null, 0);
      assertThat(l.updatesApplied()).isEqualTo(4); // the new example, then 3 replayed minibatches
    }
    assertThat(t.examplesSeen()).isEqualTo(10); // replays are not counted as examples seen
    assertThat(t.acceptedUpdates()).isEqualTo(40);
    assertThat(t.replayHeld()).isEqualTo(10);

    OnlineTrainer batched = fresh(settings(3, 0, 0), null);
    int updates = 0;
    for (TrainingExample e : examples(10, 1)) {
      updates += batched.learn(e, null, 0).updatesApplied();
    }
    assertThat(updates).isEqualTo(3);
    assertThat(batched.pendingExamples()).isEqualTo(1);
    assertThat(batched.flush(0).updatesApplied()).isEqualTo(1);
    assertThat(batched.examplesSeen()).isEqualTo(10);
  }

  @Test
  void aVersionIsDueAfterEnoughExamplesOrEnoughTime() {
    OnlineTrainer t = fresh(settings(1, 0, 0), null);
    List<TrainingExample> ex = examples(6, 2);
    for (int i = 0; i < 3; i++) {
      assertThat(t.learn(ex.get(i), null, 10).publishDue()).isFalse();
    }
    assertThat(t.learn(ex.get(3), null, 10).publishDue()).isTrue(); // 4 examples
    t.published(2, 10);
    assertThat(t.learn(ex.get(4), null, 500).publishDue()).isFalse();
    assertThat(t.publishDue(1_010)).isTrue();                       // 1 s since version 2
    t.published(3, 1_010);
    assertThat(t.publishDue(100_000)).isFalse();                    // nothing learned since
  }

  @Test
  void aRestoredTrainerContinuesExactlyAsIfItHadNeverStopped() {
    // batch 3 (so a restart can fall inside a minibatch) and replay (so the draws must resume too)
    LearnerSettings s = settings(3, 7, 2);
    List<TrainingExample> ex = examples(40, 3);
    OnlineTrainer uninterrupted = fresh(s, new MapStore());
    for (TrainingExample e : ex) {
      uninterrupted.learn(e, null, 0);
    }
    MapStore store = new MapStore();
    OnlineTrainer first = fresh(s, store);
    for (int i = 0; i < 40; i++) {
      if (i == 11 || i == 25) {
        store = store.copy(); // a new process: only what was stored survives
        first = restore(s, store);
      }
      first.learn(ex.get(i), TrainingExampleCodec.encode(ex.get(i)), 0);
    }
    assertThat(first.parameters()).containsExactly(uninterrupted.parameters());
    assertThat(first.optimizer().m()).containsExactly(uninterrupted.optimizer().m());
    assertThat(first.acceptedUpdates()).isEqualTo(uninterrupted.acceptedUpdates());
    assertThat(first.pendingExamples()).isEqualTo(1);
  }

  @Test
  void anExampleWritesOnlyWhatChanged() {
    LearnerSettings s = settings(4, 1000, 0);
    MapStore store = new MapStore();
    OnlineTrainer t = fresh(s, store);
    List<TrainingExample> ex = examples(8, 4);
    for (int i = 0; i < 4; i++) {
      t.learn(ex.get(i), null, 0);
    }
    store.keysWritten.clear();
    store.bytesWritten = 0;
    byte[] bytes = TrainingExampleCodec.encode(ex.get(4));
    t.learn(ex.get(4), bytes, 0); // first of a new minibatch: no update
    assertThat(store.keysWritten).containsExactly("pending/0", "replay/4", "meta");
    assertThat(store.bytesWritten).isLessThan(2L * bytes.length + 200);
    assertThat(store.map).doesNotContainKey("pending/1");
  }

  @Test
  void refusedExamplesChangeNothing() {
    MapStore store = new MapStore();
    OnlineTrainer t = fresh(settings(1, 10, 1), store);
    float[] before = t.parameters().clone();
    TrainingExample good = examples(1, 5).getFirst();
    float[] x = good.inputs().clone();
    x[0] = Float.NaN;
    TrainingExample nan = new TrainingExample("e", "nan", 0, 0, 1, good.steps(), 3, 5, 1, good.h0(), good.c0(), x,
        good.targets(), good.mask(), good.prediction());
    assertThatThrownBy(() -> t.learn(nan, null, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(t.parameters()).containsExactly(before);
    assertThat(t.replayHeld()).isZero();
    assertThat(store.map).doesNotContainKey("replay/0");
  }

  @Test
  void countersRoundTripAndDamageIsRefused() {
    TrainerStateCodec.Meta m = new TrainerStateCodec.Meta(SPEC, 7, 100, 3, 2, 1.5, 4, 1_700_000_000_000L, 50, 2, 0.25, 1,
        130, 0x1234_5678_9abcL, TrainerStateCodec.META_VERSION);
    byte[] b = TrainerStateCodec.encodeMeta(m);
    assertThat(TrainerStateCodec.decodeMeta(b, null)).isEqualTo(m);
    b[20] ^= 1;
    assertThatThrownBy(() -> TrainerStateCodec.decodeMeta(b, null)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("corrupt");
    byte[] p = TrainerStateCodec.encodeParameters(SPEC, new float[] {1, 2, 3});
    assertThatThrownBy(() -> TrainerStateCodec.decodeParameters(p, new ModelSpec(3, 6, 1, Task.BINARY), 3))
        .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("expected");
  }

  /**
   * A trainer store written by the previous trainer (one key per kind: model snapshot, optimiser, counters in
   * format 1, the pending examples as one list), recorded from a run of that code
   * (src/test/resources/state/trainer-v1: D=3 H=5 K=1 binary, batch 4, version 2 published, 8 examples seen,
   * one example pending).
   */
  @Test
  void theStoreOfThePreviousTrainerIsReadAndRewrittenInTheNewLayout() throws IOException {
    MapStore store = new MapStore();
    for (String key : List.of("model", "optimizer", "meta", "pending")) {
      try (InputStream in = getClass().getResourceAsStream("/state/trainer-v1/" + key + ".bin")) {
        store.map.put(key, in.readAllBytes());
      }
    }
    float[] stored = ModelSnapshotCodec.decode(store.map.get("model")).parametersCopy().data();
    LearnerSettings s = LearnerSettings.DEFAULTS.withWindow(8, 6).withCheckpointEvery(4).withBatchSize(4)
        .withReplay(0, 0).withAdam(new AdamConfig(0.01f, 0.9f, 0.999f, 1e-8f)).withForgetBias(1.0f);
    OnlineTrainer t = OnlineTrainer.restore(new LstmCell(SPEC, 1.0f), s, store, why -> { throw new AssertionError(why); });
    assertThat(t).isNotNull();
    assertThat(t.publishedVersion()).isEqualTo(2);
    assertThat(t.examplesSeen()).isEqualTo(8);
    assertThat(t.pendingExamples()).isEqualTo(1);
    assertThat(t.optimizer().steps()).isEqualTo(2);
    assertThat(t.parameters()).containsExactly(stored);
    assertThat(store.map).doesNotContainKeys("model", "pending").containsKeys("params", "pending/0", "meta");
    // and the rewritten store restores to the same trainer
    OnlineTrainer again = OnlineTrainer.restore(new LstmCell(SPEC, 1.0f), s, store, why -> { throw new AssertionError(why); });
    assertThat(again.parameters()).containsExactly(stored);
    assertThat(again.pendingExamples()).isEqualTo(1);
    assertThat(again.examplesSeen()).isEqualTo(8);
  }

  @Test
  void aStoreOfAnotherShapeIsNotRestored() {
    MapStore store = new MapStore();
    fresh(settings(1, 0, 0), store);
    List<String> why = new ArrayList<>();
    ModelSpec other = new ModelSpec(3, 6, 1, Task.BINARY);
    assertThat(OnlineTrainer.restore(new LstmCell(other, 1f), settings(1, 0, 0), store, why::add)).isNull();
    assertThat(why).singleElement().asString().contains("H=5").contains("H=6");
  }
}
