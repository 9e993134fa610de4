package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.eval.Baselines;
import io.cellstream.eval.LabelPolicy;
import io.cellstream.eval.LongLagTask;
import io.cellstream.eval.StreamConfig;
import io.cellstream.eval.StreamRecord;
import io.cellstream.eval.TaskEvent;
import io.cellstream.eval.TaskGenerator;
import io.cellstream.eval.TaskLabel;
import io.cellstream.learn.InProcessLearner;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.PreparedWeights;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LearnerParityTest}'s sibling for labels that overtake their event: two thirds of the delayed labels of the same
 * stream are moved to just before their event (as a label produced 0.2 s after its event, read first, arrives),
 * and labels for events that never come are mixed in. Both hosts hold the early labels, learn from them right
 * after the event's prediction, publish a version per example and give the orphans up: every prediction and the
 * version that made it agree, and so do the counts of what became of the labels.
 */
class EarlyLabelParityTest {

  @Test
  void aLabelBeforeItsEventIsLearnedFromIdenticallyInBothHosts() throws Exception {
    StreamConfig stream = StreamConfig.of(6, 1_500, 5).withLabels(new LabelPolicy(0.3, 2));
    TaskGenerator gen = LongLagTask.generator(stream, LongLagTask.Config.DEFAULTS.withLag(3));
    ModelSpec spec = gen.info().modelSpec(6);
    LearnerSettings learner = Baselines.settings(gen.info(), stream.labels(),
        LearnerSettings.DEFAULTS.withReplay(30, 2).withPublish(1, null).withCheckpointEvery(4).withSeed(13));
    // Room for every early label at once (so that which one a full hold gives up cannot differ), a short wait.
    LabelJoin.Holding holding = new LabelJoin.Holding(16, 2_000);
    StreamSettings settings = new StreamSettings(TopologyFixture.uniqueTopics(), "m", spec, learner, true, 4096, true)
        .withHolding(holding);

    List<Item> records = reorder(gen);
    long early = records.stream().filter(r -> r instanceof Lb l && l.kind() == Kind.EARLY).count();
    long orphans = records.stream().filter(r -> r instanceof Lb l && l.kind() == Kind.ORPHAN).count();
    assertThat(early).isGreaterThan(40);

    List<float[]> inProcess = new ArrayList<>();
    List<Long> inProcessVersions = new ArrayList<>();
    InProcessLearner<PreparedWeights> local = new InProcessLearner<>("lstm",
        new LstmCell(spec, learner.forgetBias()), learner, holding, true);
    List<Prediction> topology = new ArrayList<>();
    long lastTime = 0;
    try (TopologyFixture f = new TopologyFixture(settings)) {
      for (Item r : records) {
        switch (r) {
          case Ev(TaskEvent e) -> {
            inProcessVersions.add(local.version());
            inProcess.add(local.predict(e.entityId(), e.eventId(), e.eventTimeMillis(), e.features()));
            if (e.target() != null) {
              local.learn(e.entityId(), e.eventId(), Targets.of(spec, e.target()));
            }
            f.send(event(e));
            lastTime = e.eventTimeMillis();
          }
          case Lb l -> label(local, f, spec, l.entityId(), l.eventId(), l.target(), l.time());
        }
        topology.addAll(f.readPredictions());
      }
      // The end: stream time moves past the hold, so that the sweep gives up what is still held; in-process, flush.
      List<Float> zeros = new ArrayList<>();
      for (int i = 0; i < spec.inputSize(); i++) {
        zeros.add(0f);
      }
      f.send(Event.newBuilder().setEntityId("closing").setEventId("closing-0").setFeatures(zeros)
          .setEventTime(Instant.ofEpochMilli(lastTime + holding.maxAgeMillis() + 10_000)).build());
      f.driver.advanceWallClockTime(java.time.Duration.ofSeconds(1)); // the sweep's tick
      topology.addAll(f.readPredictions());
      local.flush();

      topology = topology.subList(0, inProcess.size()); // without the closing event
      assertThat(topology).hasSameSizeAs(inProcess);
      for (int i = 0; i < topology.size(); i++) {
        Prediction p = topology.get(i);
        assertThat(p.getModelVersion()).as("version of prediction %d", i).isEqualTo(inProcessVersions.get(i));
        float[] y = inProcess.get(i);
        for (int k = 0; k < y.length; k++) {
          assertThat(p.getOutputs().get(k)).as("prediction %d output %d", i, k).isCloseTo(y[k], within(1e-6f));
        }
      }
      assertThat(f.metrics.labels(LabelOutcome.HELD)).isEqualTo(local.count(LabelOutcome.HELD)).isEqualTo(early + orphans);
      assertThat(f.metrics.labels(LabelOutcome.MATCHED)).isEqualTo(local.count(LabelOutcome.MATCHED));
      assertThat(local.count(LabelOutcome.UNMATCHED)).isEqualTo(orphans);
      List<DeadLetter> dead = f.readDeadLetters();
      assertThat(dead).extracting(DeadLetter::getReason).containsOnly("label-unmatched").hasSize((int) orphans);
    }
    assertThat(local.trainer().examplesSeen()).isEqualTo(local.count(LabelOutcome.MATCHED));
    assertThat(local.trainer().acceptedUpdates()).isGreaterThan(3L * 200);
  }

  private static void label(InProcessLearner<PreparedWeights> local, TopologyFixture f, ModelSpec spec, String entity,
      String eventId, float target, long time) {
    local.learn(entity, eventId, Targets.of(spec, target), time);
    f.sendLabel(entity, eventId, target, time);
  }

  /** The reordered stream: events, and labels that come after their event, before it, or for none. */
  sealed interface Item permits Ev, Lb {}

  record Ev(TaskEvent event) implements Item {}

  enum Kind { DELAYED, EARLY, ORPHAN }

  record Lb(String entityId, String eventId, float target, long time, Kind kind) implements Item {}

  /** Two of three delayed labels go just before their event (at its time); one orphan every 100 events. */
  private static List<Item> reorder(TaskGenerator gen) {
    List<Item> out = new ArrayList<>();
    Map<String, Integer> position = new HashMap<>();
    Map<String, Long> time = new HashMap<>();
    int delayed = 0;
    int events = 0;
    for (StreamRecord r : gen) {
      switch (r) {
        case TaskEvent e -> {
          position.put(e.eventId(), out.size());
          time.put(e.eventId(), e.eventTimeMillis());
          out.add(new Ev(e));
          if (++events % 100 == 0) {
            out.add(new Lb(e.entityId(), "never-" + events, 1f, e.eventTimeMillis(), Kind.ORPHAN));
          }
        }
        case TaskLabel l -> {
          Integer at = position.get(l.eventId());
          if (at != null && delayed++ % 3 != 2) {
            out.add(at, new Lb(l.entityId(), l.eventId(), l.target(), time.get(l.eventId()), Kind.EARLY));
            shift(position, at);
          } else {
            out.add(new Lb(l.entityId(), l.eventId(), l.target(), l.labelTimeMillis(), Kind.DELAYED));
          }
        }
      }
    }
    return out;
  }

  private static void shift(Map<String, Integer> position, int from) {
    position.replaceAll((k, v) -> v >= from ? v + 1 : v);
  }

  private static Event event(TaskEvent e) {
    List<Float> f = new ArrayList<>();
    for (float v : e.features()) {
      f.add(v);
    }
    return Event.newBuilder().setEntityId(e.entityId()).setEventId(e.eventId())
        .setEventTime(Instant.ofEpochMilli(e.eventTimeMillis())).setFeatures(f).setTarget(e.target()).build();
  }
}
