package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.lstm.Task;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** The topology under TopologyTestDriver: every processor, against the engine run by hand. */
class CellstreamTopologyTest {

  /** The engine run by hand, entity by entity: what the topology must reproduce exactly. */
  static final class HandRun {
    final ModelSpec spec;
    Model model;
    final Map<String, float[][]> states = new HashMap<>();
    final StepWorkspace ws;
    final TopologyFixture f;

    HandRun(TopologyFixture f) {
      this.f = f;
      this.spec = f.settings.spec();
      this.model = Model.of(Init.uniform(spec, f.settings.seed(), f.settings.forgetBias()), 1, 0, 0);
      this.ws = f.kernel.newWorkspace(spec);
    }

    float[][] state(String entity) {
      return states.computeIfAbsent(entity, e -> new float[][] {new float[spec.hiddenSize()], new float[spec.hiddenSize()]});
    }

    float[] step(String entity, float[] x) {
      float[][] s = state(entity);
      float[] y = new float[spec.outputSize()];
      f.kernel.step(model, x, 0, s[0], s[1], null, y, ws);
      return y;
    }
  }

  private static float[] randomX(SplittableRandom r, int d) {
    float[] x = new float[d];
    for (int i = 0; i < d; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  static long entries(KeyValueStore<?, ?> store) {
    long n = 0;
    try (var it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  private static float[] outputs(Prediction p) {
    float[] y = new float[p.getOutputs().size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = p.getOutputs().get(i);
    }
    return y;
  }

  @Test
  void predictionsAndMemoryEqualTheEngineRunByHand() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(false))) {
      HandRun hand = new HandRun(f);
      SplittableRandom r = new SplittableRandom(1);
      List<float[]> expected = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String entity = "e" + r.nextInt(3);
        float[] x = randomX(r, 3);
        expected.add(hand.step(entity, x));
        f.send(f.event(entity, "ev" + i, x, null));
      }
      List<Prediction> got = f.readPredictions();
      assertThat(got).hasSize(30);
      for (int i = 0; i < 30; i++) {
        assertThat(outputs(got.get(i))).as("prediction %d", i).containsExactly(expected.get(i));
        assertThat(got.get(i).getModelVersion()).isEqualTo(1);
        assertThat(got.get(i).getEventId()).isEqualTo("ev" + i);
      }
      KeyValueStore<String, byte[]> store = f.driver.getKeyValueStore(CellstreamTopology.ENTITY_STORE);
      for (var e : hand.states.entrySet()) {
        EntityState s = new EntityState(3, 5, 1, 8, 4);
        new EntityStateCodec().decode(store.get(e.getKey()), s);
        assertThat(s.h).as("h of %s", e.getKey()).containsExactly(e.getValue()[0]);
        assertThat(s.c).as("c of %s", e.getKey()).containsExactly(e.getValue()[1]);
        assertThat(s.modelVersion).isEqualTo(1);
        assertThat(s.hasGates).isTrue();
      }
      assertThat(f.metrics.events()).isEqualTo(30);
      assertThat(f.metrics.predictions()).isEqualTo(30);
      assertThat(f.training.isEmpty()).isTrue();
    }
  }

  @Test
  void anEventWithoutIdIsNamedByTopicPartitionOffset() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(false))) {
      Event e = f.event("a", null, new float[] {1, 2, 3}, null);
      f.send(e);
      f.send(e);
      List<Prediction> got = f.readPredictions();
      assertThat(got.get(0).getEventId()).isEqualTo(f.settings.topics().events() + "-0-0");
      assertThat(got.get(1).getEventId()).isEqualTo(f.settings.topics().events() + "-0-1");
      assertThat(got.get(1).getEventsSeen()).isEqualTo(2);
    }
  }

  @Test
  void inlineLabelsBecomeExamplesFromTheWindowAfterTheirPrediction() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(true))) {
      HandRun hand = new HandRun(f);
      SplittableRandom r = new SplittableRandom(2);
      List<float[]> xs = new ArrayList<>();
      List<float[][]> before = new ArrayList<>(); // (h, c) before each step of entity "a"
      for (int i = 0; i < 15; i++) {
        float[] x = randomX(r, 3);
        xs.add(x);
        float[][] s = hand.state("a");
        before.add(new float[][] {s[0].clone(), s[1].clone()});
        hand.step("a", x);
        f.send(f.event("a", "ev" + i, x, i % 5 == 4 ? 1f : null));
      }
      List<Prediction> preds = f.readPredictions();
      List<TrainingExample> examples = new ArrayList<>();
      for (byte[] b : f.training.readValuesToList()) {
        examples.add(TrainingExampleCodec.decode(b));
      }
      assertThat(examples).extracting(TrainingExample::eventId).containsExactly("ev4", "ev9", "ev14");
      for (TrainingExample ex : examples) {
        int step = (int) ex.labelledStep();
        // BPTT 6, checkpoints every 4: the window starts at the newest checkpoint at or before step - 5.
        int start = Math.max(0, ((step - 5) / 4) * 4);
        assertThat(ex.steps()).isEqualTo(step - start + 1);
        assertThat(ex.h0()).containsExactly(before.get(start)[0]);
        assertThat(ex.c0()).containsExactly(before.get(start)[1]);
        for (int t = 0; t < ex.steps(); t++) {
          for (int j = 0; j < 3; j++) {
            assertThat(ex.inputs()[t * 3 + j]).isEqualTo(xs.get(start + t)[j]);
          }
          assertThat(ex.mask()[t]).isEqualTo(t == ex.steps() - 1);
        }
        assertThat(ex.targets()[ex.steps() - 1]).isEqualTo(1f);
        assertThat(ex.prediction()).containsExactly(outputs(preds.get(step)));
      }
      assertThat(f.metrics.labels(LabelOutcome.MATCHED)).isEqualTo(3);
    }
  }

  @Test
  void everyDelayedLabelIsLearnedFromOnceOrEndsAsADeadLetterWithItsReason() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(true))) {
      SplittableRandom r = new SplittableRandom(3);
      for (int i = 0; i < 20; i++) {
        f.send(f.event("a", "a" + i, randomX(r, 3), null));
      }
      f.send(f.event("b", "b0", randomX(r, 3), null));
      f.sendLabel("a", "a19", 1f);   // matched
      f.sendLabel("a", "a19", 0f);   // duplicate
      f.sendLabel("a", "a14", 0f);   // matched (window holds 8..11 steps)
      f.sendLabel("a", "a0", 1f);    // too late: left the window (its id is among the recently departed)
      f.sendLabel("zz", "x", 1f);    // an entity not seen yet: held for its event
      f.sendLabel("b", "nope", 1f);  // an event not seen yet: held
      assertThat(f.metrics.labels(LabelOutcome.MATCHED)).isEqualTo(2);
      assertThat(f.metrics.labels(LabelOutcome.DUPLICATE)).isEqualTo(1);
      assertThat(f.metrics.labels(LabelOutcome.EXPIRED)).isEqualTo(1);
      assertThat(f.metrics.labels(LabelOutcome.HELD)).isEqualTo(2);
      List<TrainingExample> examples = new ArrayList<>();
      for (byte[] b : f.training.readValuesToList()) {
        examples.add(TrainingExampleCodec.decode(b));
      }
      assertThat(examples).extracting(TrainingExample::eventId).containsExactly("a19", "a14");
      assertThat(examples.get(0).targets()[examples.get(0).steps() - 1]).isEqualTo(1f);
      assertThat(examples.get(1).targets()[examples.get(1).steps() - 1]).isEqualTo(0f);
      List<DeadLetter> dead = f.readDeadLetters();
      assertThat(dead).extracting(DeadLetter::getReason).containsExactly("label-duplicate", "label-too-late");
      assertThat(dead.get(1).getSourceTopic()).isEqualTo(f.settings.topics().labels());
      assertThat(dead.get(1).getValue()).as("the label's own bytes").isNotNull();

      // Nothing comes for the held two: once stream time has moved on by the hold, the sweep gives them up.
      f.advance(f.settings.holding().maxAgeMillis() + 5_000);
      f.send(f.event("c", "c0", randomX(r, 3), null));
      f.driver.advanceWallClockTime(Duration.ofSeconds(1)); // the sweep's tick
      List<DeadLetter> unmatched = f.readDeadLetters();
      assertThat(unmatched).extracting(DeadLetter::getReason).containsExactly("label-unmatched", "label-unmatched");
      assertThat(unmatched).extracting(d -> new String(d.getKey().array(), StandardCharsets.UTF_8))
          .containsExactlyInAnyOrder("zz", "b");
      assertThat(unmatched.get(0).getSourceTopic()).isEqualTo(f.settings.topics().labels());
      assertThat(unmatched.get(0).getMessage()).contains("cellstream.labels.hold.seconds");
      assertThat(f.metrics.labels(LabelOutcome.UNMATCHED)).isEqualTo(2);
      KeyValueStore<String, byte[]> store = f.driver.getKeyValueStore(CellstreamTopology.ENTITY_STORE);
      assertThat(store.get("zz")).as("a memory that only held a label is gone with it").isNull();
      assertThat(entries(f.driver.getKeyValueStore(CellstreamTopology.HELD_LABELS_STORE))).isZero();
    }
  }

  @Test
  void aLabelThatComesBeforeItsEventIsHeldAndLearnedFromRightAfterTheEventsPrediction() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(true))) {
      SplittableRandom r = new SplittableRandom(5);
      f.sendLabel("new", "new0", 1f);       // before the entity's very first event
      f.send(f.event("a", "a0", randomX(r, 3), null));
      f.sendLabel("a", "a1", 0f);           // before its event
      assertThat(f.training.isEmpty()).isTrue();
      assertThat(f.metrics.labels(LabelOutcome.HELD)).isEqualTo(2);
      f.send(f.event("new", "new0", randomX(r, 3), null));
      f.send(f.event("a", "a1", randomX(r, 3), 1f)); // with an inline target too: the held label came first
      List<Prediction> preds = f.readPredictions();
      List<TrainingExample> examples = new ArrayList<>();
      for (byte[] b : f.training.readValuesToList()) {
        examples.add(TrainingExampleCodec.decode(b));
      }
      assertThat(examples).extracting(TrainingExample::eventId).containsExactly("new0", "a1");
      assertThat(examples.get(0).prediction()).as("scored with the prediction made before learning")
          .containsExactly(outputs(preds.get(1)));
      assertThat(examples.get(1).targets()[examples.get(1).steps() - 1]).as("the held label's target").isEqualTo(0f);
      assertThat(f.metrics.labels(LabelOutcome.MATCHED)).isEqualTo(2);
      assertThat(f.metrics.labels(LabelOutcome.DUPLICATE)).as("the inline target after it").isEqualTo(1);
      assertThat(f.readDeadLetters()).isEmpty();
      assertThat(entries(f.driver.getKeyValueStore(CellstreamTopology.HELD_LABELS_STORE))).isZero();
    }
  }

  @Test
  void aNewModelVersionTakesEffectBetweenTwoRecords() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(false))) {
      HandRun hand = new HandRun(f);
      float[] x1 = {0.5f, -1f, 2f};
      float[] x2 = {1f, 1f, -1f};
      hand.step("a", x1);
      f.send(f.event("a", "1", x1, null));

      Parameters p2 = Init.uniform(f.settings.spec(), 99, 0.5f);
      Model v2 = Model.of(p2, 2, 123, 10);
      f.modelsIn.pipeInput("m".getBytes(StandardCharsets.UTF_8),
          f.modelRecords.encode(new ModelVersion("m", v2, "trained", 1L, 0.5)));
      hand.model = v2;
      float[] expected = hand.step("a", x2);
      f.send(f.event("a", "2", x2, null));

      List<Prediction> got = f.readPredictions();
      assertThat(got).extracting(Prediction::getModelVersion).containsExactly(1L, 2L);
      assertThat(outputs(got.get(1))).containsExactly(expected);
      assertThat(f.models.current().version()).isEqualTo(2);
      assertThat(f.models.current().trainingLoss()).isEqualTo(0.5);
    }
  }

  @Test
  void aModelOfAnotherShapeIsNotTakenIntoUse() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(false))) {
      Model wrong = Model.of(Init.uniform(new ModelSpec(3, 6, 1, Task.BINARY), 1), 5, 0, 0);
      f.modelsIn.pipeInput("m".getBytes(StandardCharsets.UTF_8),
          f.modelRecords.encode(new ModelVersion("m", wrong, "trained", 1L, null)));
      f.send(f.event("a", "1", new float[] {1, 2, 3}, null));
      assertThat(f.readPredictions()).extracting(Prediction::getModelVersion).containsExactly(1L);
    }
  }

  @Test
  void badInputGoesToTheDeadLetterTopicWithItsReasonAndTheServiceGoesOn() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(true))) {
      String topic = f.settings.topics().events();
      byte[] good = f.serdes.events().encode(topic, f.event("a", "1", new float[] {1, 2, 3}, null));
      byte[] unknownSchema = good.clone();
      unknownSchema[1] = 0x7f; // schema id 0x7f...... does not exist
      Map<String, byte[][]> cases = new java.util.LinkedHashMap<>();
      cases.put("undecodable", new byte[][] {TopologyFixture.key("a"), "not avro at all".getBytes(StandardCharsets.UTF_8)});
      cases.put("unknown-schema", new byte[][] {TopologyFixture.key("a"), unknownSchema});
      cases.put("wrong-dimension", new byte[][] {TopologyFixture.key("a"), f.serdes.events().encode(topic, f.event("a", "2", new float[] {1, 2}, null))});
      cases.put("non-finite", new byte[][] {TopologyFixture.key("a"), f.serdes.events().encode(topic, f.event("a", "3", new float[] {1, Float.NaN, 3}, null))});
      cases.put("missing-entity-id", new byte[][] {TopologyFixture.key(""), f.serdes.events().encode(topic, f.event("", "4", new float[] {1, 2, 3}, null))});
      cases.put("missing-key", new byte[][] {null, good});
      cases.put("key-mismatch", new byte[][] {TopologyFixture.key("b"), good});
      cases.put("oversized", new byte[][] {TopologyFixture.key("a"), new byte[5000]});
      cases.put("invalid-target", new byte[][] {TopologyFixture.key("a"), f.serdes.events().encode(topic, f.event("a", "5", new float[] {1, 2, 3}, 0.5f))});
      for (byte[][] kv : cases.values()) {
        f.events.pipeInput(kv[0], kv[1]);
      }
      f.events.pipeInput(TopologyFixture.key("a"), (byte[]) null);
      List<DeadLetter> dead = f.readDeadLetters();
      List<String> expectedReasons = new ArrayList<>(cases.keySet());
      expectedReasons.add("undecodable");
      assertThat(dead).extracting(DeadLetter::getReason).containsExactlyElementsOf(expectedReasons);
      assertThat(f.readPredictions()).isEmpty();
      // The original bytes and where they came from travel with the reason.
      DeadLetter first = dead.get(0);
      assertThat(first.getSourceTopic()).isEqualTo(topic);
      assertThat(first.getOffset()).isEqualTo(0);
      ByteBuffer v = first.getValue();
      assertThat(StandardCharsets.UTF_8.decode(v.duplicate()).toString()).isEqualTo("not avro at all");
      assertThat(dead.get(7).getValue().remaining()).isEqualTo(5000);
      assertThat(dead.get(2).getMessage()).contains("2 features").contains("D=3");
      assertThat(f.metrics.deadLettersTotal()).isEqualTo(cases.size() + 1);

      f.events.pipeInput(TopologyFixture.key("a"), good);
      assertThat(f.readPredictions()).hasSize(1);
    }
  }

  @Test
  void theTrainerPublishesVersionOneOnceThenTrainedVersions() throws Exception {
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(true))) {
      f.driver.advanceWallClockTime(Duration.ofSeconds(2));
      List<byte[]> keys = new ArrayList<>();
      List<ModelVersion> published = new ArrayList<>();
      var records = f.modelsOut.readRecordsToList();
      for (var rec : records) {
        keys.add(rec.key());
        if (rec.value() != null) {
          published.add(f.modelRecords.decode(rec.value()));
        }
      }
      assertThat(keys).extracting(k -> new String(k, StandardCharsets.UTF_8))
          .containsExactly(ModelRecords.historyKey("m", 1), "m");
      assertThat(published.get(1).version()).isEqualTo(1);
      assertThat(published.get(1).origin()).isEqualTo("init");
      // Version 1 is exactly the configured initialisation, the one the step processor falls back to.
      Parameters init = Init.uniform(f.settings.spec(), 7, 1.0f);
      Parameters v1 = published.get(1).model().parametersCopy();
      assertThat(v1.data()).containsExactly(init.data());

      f.driver.advanceWallClockTime(Duration.ofSeconds(2));
      assertThat(f.modelsOut.isEmpty()).as("nothing learned: no new version").isTrue();

      SplittableRandom r = new SplittableRandom(4);
      for (int i = 0; i < 16; i++) {
        f.send(f.event("e" + (i % 2), "ev" + i, randomX(r, 3), (float) (i % 2)));
      }
      // 16 examples, batch 4, publish every 8 examples: versions 2 and 3.
      List<ModelVersion> trained = new ArrayList<>();
      for (var rec : f.modelsOut.readRecordsToList()) {
        if ("m".equals(new String(rec.key(), StandardCharsets.UTF_8))) {
          trained.add(f.modelRecords.decode(rec.value()));
        }
      }
      assertThat(trained).extracting(ModelVersion::version).containsExactly(2L, 3L);
      assertThat(trained).extracting(ModelVersion::origin).containsOnly("trained");
      assertThat(trained.get(1).parentVersion()).isEqualTo(2L);
      assertThat(trained.get(1).model().examplesSeen()).isEqualTo(16);
      assertThat(trained.get(1).trainingLoss()).isNotNull().isPositive();
      assertThat(f.metrics.updatesApplied()).isEqualTo(4);
      assertThat(trained.get(1).model().parametersCopy().data()).isNotEqualTo(init.data());
    }
  }
}
