package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.PreparedWeights;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one learner, two hosts: the same stream through the topology (TopologyTestDriver, which runs the trainer
 * and the model swap synchronously, so "publish after every example" means the very next event sees the new
 * version) and through the in-process learner that {@code eval} runs. Every prediction, and the version that
 * made it, must agree.
 */
class LearnerParityTest {

  @Test
  void theTopologyAndTheInProcessLearnerMakeTheSamePredictions() throws Exception {
    // Long-lag recall at L = 3 with inline and delayed labels, 6 interleaved entities; minibatch 1, replay on.
    StreamConfig stream = StreamConfig.of(6, 1_500, 5).withLabels(new LabelPolicy(0.3, 2));
    TaskGenerator gen = LongLagTask.generator(stream, LongLagTask.Config.DEFAULTS.withLag(3));
    ModelSpec spec = gen.info().modelSpec(6);
    LearnerSettings learner = Baselines.settings(gen.info(), stream.labels(),
        LearnerSettings.DEFAULTS.withReplay(30, 2).withPublish(1, null).withCheckpointEvery(4).withSeed(13));
    StreamSettings settings = new StreamSettings(TopologyFixture.uniqueTopics(), "m", spec, learner, true, 4096, true);

    List<float[]> inProcess = new ArrayList<>();
    List<Long> inProcessVersions = new ArrayList<>();
    InProcessLearner<PreparedWeights> local = new InProcessLearner<>("lstm",
        new LstmCell(spec, learner.forgetBias()), learner, true);
    List<Prediction> topology = new ArrayList<>();
    int labels = 0;
    try (TopologyFixture f = new TopologyFixture(settings)) {
      for (StreamRecord r : gen) {
        switch (r) {
          case TaskEvent e -> {
            inProcessVersions.add(local.version());
            inProcess.add(local.predict(e.entityId(), e.eventId(), e.eventTimeMillis(), e.features()));
            if (e.target() != null) {
              local.learn(e.entityId(), e.eventId(), Targets.of(spec, e.target()));
              labels++;
            }
            f.send(event(e));
          }
          case TaskLabel l -> {
            local.learn(l.entityId(), l.eventId(), Targets.of(spec, l.target()));
            labels++;
            f.sendLabel(l.entityId(), l.eventId(), l.target());
          }
        }
        topology.addAll(f.readPredictions());
      }
    }
    assertThat(labels).isGreaterThan(200);
    assertThat(topology).hasSameSizeAs(inProcess);
    assertThat(local.version()).as("a version per example, and version 1").isEqualTo(local.trainer().examplesSeen() + 1);
    for (int i = 0; i < topology.size(); i++) {
      Prediction p = topology.get(i);
      assertThat(p.getModelVersion()).as("version of prediction %d", i).isEqualTo(inProcessVersions.get(i));
      float[] y = inProcess.get(i);
      for (int k = 0; k < y.length; k++) {
        assertThat(p.getOutputs().get(k)).as("prediction %d output %d", i, k).isCloseTo(y[k], within(1e-6f));
      }
    }
    // and it learned something on the way (the comparison is not between two untrained models)
    assertThat(local.trainer().acceptedUpdates()).isGreaterThan(3L * 200);
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
