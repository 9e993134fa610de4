package io.cellstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.lstm.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

  /** Remembers every label it is taught and predicts it with certainty if it ever sees that event again. */
  private static final class Cheat implements OnlineLearner {
    final Map<String, Float> known = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    final int k;

    Cheat(int k) {
      this.k = k;
    }

    @Override
    public String name() {
      return "cheat";
    }

    @Override
    public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
      calls.add("p " + eventId);
      float[] out = new float[k];
      Float t = known.get(eventId);
      if (t != null) {
        out[Math.round(t)] = 1f;
      } else {
        java.util.Arrays.fill(out, 1f / k);
        out[0] += 1e-3f; // a fixed guess: class 0
      }
      return out;
    }

    @Override
    public io.cellstream.learn.LabelOutcome learn(String entityId, String eventId, float target) {
      calls.add("l " + eventId);
      known.put(eventId, target);
      return io.cellstream.learn.LabelOutcome.MATCHED;
    }

    @Override
    public Map<String, Object> describe() {
      return Map.of();
    }
  }

  @Test
  void predictionsAreScoredBeforeTheirLabelIsLearned() {
    for (LabelPolicy policy : List.of(LabelPolicy.INLINE, LabelPolicy.delayed(2), new LabelPolicy(0.5, 0))) {
      TaskGenerator g = LongLagTask.generator(StreamConfig.of(10, 20_000, 1).withLabels(policy),
          LongLagTask.Config.DEFAULTS.withLag(3));
      Cheat cheat = new Cheat(4);
      EvalResult r = Evaluator.run(g, List.of(cheat), EvalOptions.DEFAULTS);
      // had the label been learned first, the cheat would score 1.0
      assertThat(r.models().getFirst().metric("accuracy").cumulative()).isCloseTo(0.25, within(0.03));
      Set<String> predicted = new HashSet<>();
      for (String c : cheat.calls) {
        String id = c.substring(2);
        if (c.startsWith("p ")) {
          predicted.add(id);
        } else {
          assertThat(predicted).as("learned %s before predicting it", id).contains(id);
        }
      }
    }
  }

  @Test
  void parallelRunsEqualTheSequentialOne() {
    TaskGenerator g = AddingTask.generator(StreamConfig.of(8, 20_000, 3), AddingTask.Config.of(20));
    EvalResult seq = Evaluator.run(g, Baselines.forTask(g.info(), 8), EvalOptions.DEFAULTS.withCurveEvery(20));
    EvalResult par = Evaluator.run(g, Baselines.forTask(g.info(), 8), EvalOptions.DEFAULTS.withCurveEvery(20).withThreads(2));
    assertThat(par.models()).hasSameSizeAs(seq.models());
    for (int i = 0; i < seq.models().size(); i++) {
      ModelResult a = seq.models().get(i);
      ModelResult b = par.models().get(i);
      assertThat(b.name()).isEqualTo(a.name());
      assertThat(b.metrics()).isEqualTo(a.metrics());
      assertThat(b.curve("mae").window()).containsExactly(a.curve("mae").window());
      assertThat(b.curve("mae").events()).containsExactly(a.curve("mae").events());
    }
    assertThat(seq.model("rnn").metric("within_tolerance")).isNotNull();
    assertThat(seq.run()).containsEntry("task", "adding").containsEntry("entities", 8).containsEntry("T", 20);
  }

  @Test
  void externalModelsArePairedWithLabelsInAnyOrder() {
    // an "external" model that knows every answer, reporting its predictions late (as a consumer of a
    // predictions topic would): some after their delayed label, some before it
    StreamConfig sc = StreamConfig.of(5, 5000, 9).withLabels(new LabelPolicy(0.5, 4));
    TaskGenerator g = LongLagTask.generator(sc, LongLagTask.Config.DEFAULTS.withLag(2));
    Map<String, Float> answers = new HashMap<>();
    for (StreamRecord r : g) {
      if (r instanceof TaskLabel l) {
        answers.put(l.eventId(), l.target());
      } else if (r instanceof TaskEvent e && e.target() != null) {
        answers.put(e.eventId(), e.target());
      }
    }
    EvalSession s = new EvalSession(g.info(), EvalOptions.DEFAULTS.withCurveEvery(50));
    s.add(MajorityLearner.forTask(g.info()));
    ModelTrack oracle = s.addExternal("oracle");
    List<TaskEvent> late = new ArrayList<>();
    for (StreamRecord r : g) {
      s.accept(r);
      if (r instanceof TaskEvent e) {
        late.add(e);
        if (late.size() > 3) { // predictions arrive 3 events late
          TaskEvent p = late.removeFirst();
          float[] out = new float[4];
          if (answers.containsKey(p.eventId())) {
            out[Math.round(answers.get(p.eventId()))] = 1f;
          }
          oracle.prediction(p.entityId(), p.eventId(), out);
        }
      }
    }
    for (TaskEvent p : late) {
      float[] out = new float[4];
      if (answers.containsKey(p.eventId())) {
        out[Math.round(answers.get(p.eventId()))] = 1f;
      }
      oracle.prediction(p.entityId(), p.eventId(), out);
    }
    s.finish();
    EvalResult r = s.result(Map.of("note", "test"));
    assertThat(r.model("oracle").metric("accuracy").cumulative()).isEqualTo(1.0);
    assertThat(r.model("oracle").scored()).isEqualTo(answers.size());
    assertThat(r.model("majority").scored()).isEqualTo(answers.size());
    assertThat(oracle.pendingCount()).isZero();
    assertThat(oracle.ignoredPredictions()).isEqualTo(5000 - answers.size()); // unlabelled events
    assertThat(r.model("oracle").curve("accuracy").size()).isGreaterThan(5);
  }

  @Test
  void progressIsReported() {
    TaskGenerator g = ReberTask.generator(StreamConfig.of(4, 10_000, 2), ReberTask.Config.DEFAULTS);
    List<Progress> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    Evaluator.run(g, List.of(Baselines.forTask(g.info(), 4).getFirst(), MajorityLearner.forTask(g.info())),
        EvalOptions.DEFAULTS.withProgressEvery(2500), seen::add);
    assertThat(seen).hasSize(8); // 4 reports × 2 models
    Progress last = seen.getLast();
    assertThat(last.events()).isEqualTo(10_000);
    assertThat(last.totalEvents()).isEqualTo(10_000);
    assertThat(last.metric()).isEqualTo("string_accuracy");
    assertThat(last.format()).contains("string_accuracy");
  }

  @Test
  void sweepPicksTheBestLearningRate() {
    // (a regression task: AUC would not do, it is blind to the scale that a tiny learning rate leaves)
    TaskInfo info = TaskInfo.custom("linear", Task.REGRESSION, 2, 1, 1);
    TaskGenerator g = new TaskGenerator(info, StreamConfig.of(4, 8000, 1), (i, rng) -> () -> {
      float[] x = {(float) rng.nextGaussian(), (float) rng.nextGaussian()};
      return new EntityProcess.Step(x, x[0] - 0.5f * x[1] + 1, EventRole.STEP, 0, 0, 1, 0);
    });
    AtomicInteger made = new AtomicInteger();
    LearningRateSweep.SweepResult r = LearningRateSweep.run(g, lr -> {
      made.incrementAndGet();
      return CellLearner.noMemory("nomemory", info, Baselines.settings(info, LabelPolicy.INLINE,
          io.cellstream.learn.LearnerSettings.DEFAULTS.withReplay(0, 0).withBatchSize(16)).withLearningRate(lr));
    }, new float[] {1e-6f, 3e-2f}, EvalOptions.DEFAULTS.withThreads(2));
    assertThat(made.get()).isEqualTo(2);
    assertThat(r.metric()).isEqualTo("mae");
    assertThat(r.bestLearningRate()).isEqualTo(3e-2f);
    assertThat(r.points()).extracting(p -> p.result().name()).containsExactly("nomemory@1.0E-6", "nomemory@0.03");
    Map<Float, Double> byLr = new LinkedHashMap<>();
    r.points().forEach(p -> byLr.put(p.learningRate(), p.window()));
    assertThat(byLr.get(3e-2f)).isLessThan(0.05);
    assertThat(byLr.get(1e-6f)).isGreaterThan(0.5);
  }
}
