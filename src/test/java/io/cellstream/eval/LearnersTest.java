package io.cellstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearnersTest {

  // -------------------------------------------------------------------- RNN learns

  @Test
  void rnnSolvesShortLagLongLagRecall() {
    // L = 3: window L + 2 = 5 covers cue … query
    TaskGenerator g = LongLagTask.generator(StreamConfig.of(20, 40_000, 2), LongLagTask.Config.DEFAULTS.withLag(3));
    LearnerSettings settings = Baselines.settings(g.info(), LabelPolicy.INLINE, LearnerSettings.DEFAULTS)
        .withLearningRate(CellLearner.RNN_LEARNING_RATE);
    assertThat(settings.bpttSteps()).isEqualTo(5);
    CellLearner rnn = CellLearner.rnn("rnn", g.info(), 16, settings);
    EvalResult r = Evaluator.run(g, List.of(rnn), EvalOptions.DEFAULTS.withWindow(500));
    MetricValue acc = r.models().getFirst().metric("accuracy");
    assertThat(acc.window()).isGreaterThanOrEqualTo(0.95);
    assertThat(rnn.describe()).containsEntry("updatesRefused", 0L);
  }

  @Test
  void rnnLearnsFromDelayedLabelsAndCountsExpiredOnes() {
    StreamConfig sc = StreamConfig.of(20, 40_000, 4).withLabels(LabelPolicy.delayed(3));
    TaskGenerator g = LongLagTask.generator(sc, LongLagTask.Config.DEFAULTS.withLag(3));
    LearnerSettings settings = Baselines.settings(g.info(), sc.labels(), LearnerSettings.DEFAULTS)
        .withLearningRate(CellLearner.RNN_LEARNING_RATE);
    assertThat(settings.windowSteps()).isEqualTo(8); // BPTT window 5 + label delay 3
    CellLearner rnn = CellLearner.rnn("rnn", g.info(), 16, settings);
    EvalResult r = Evaluator.run(g, List.of(rnn), EvalOptions.DEFAULTS.withWindow(500));
    assertThat(r.models().getFirst().metric("accuracy").window()).isGreaterThanOrEqualTo(0.9);
    assertThat(rnn.describe()).doesNotContainKey("labels.expired");

    // a window of 2 steps cannot hold a step labelled 3 steps later
    CellLearner small = CellLearner.rnn("rnn", g.info(), 8, settings.withWindow(2, 2).withCheckpointEvery(1));
    Evaluator.run(g.withConfig(sc.withEvents(2000)), List.of(small), EvalOptions.DEFAULTS);
    assertThat((Long) small.describe().get("labels.expired")).isPositive();
    // only labels flushed when the stream ends can still find their step: at most two per entity
    assertThat((Long) small.describe().get("labels.matched")).isLessThanOrEqualTo(40L);
  }

  // -------------------------------------------------------------------- no memory, majority, …

  /** A memoryless stream: x uniform in [-1,1]^3, labelled every event by a fixed linear rule. */
  private static TaskGenerator linearTask(Task task, int k, long events) {
    TaskInfo info = TaskInfo.custom("linear", task, 3, k, 1);
    return new TaskGenerator(info, StreamConfig.of(10, events, 3), (index, rng) -> () -> {
      float[] x = new float[3];
      for (int j = 0; j < 3; j++) {
        x[j] = (float) (2 * rng.nextDouble() - 1);
      }
      double z = 2 * x[0] - x[1] + 0.5 * x[2];
      float target = switch (task) {
        case BINARY -> z > 0 ? 1 : 0;
        case MULTICLASS -> z < -0.7 ? 0 : z < 0.7 ? 1 : 2;
        case REGRESSION -> (float) (0.3 + 0.5 * x[0] - 0.2 * x[1]);
      };
      return new EntityProcess.Step(x, target, EventRole.STEP, 0, 0, 1, 0);
    });
  }

  private static CellLearner noMemory(TaskGenerator g) {
    return CellLearner.noMemory("nomemory", g.info(), Baselines.settings(g.info(), LabelPolicy.INLINE,
        LearnerSettings.DEFAULTS).withLearningRate(CellLearner.NO_MEMORY_LEARNING_RATE));
  }

  @Test
  void noMemoryLearnsLinearlySeparableTasks() {
    TaskGenerator bin = linearTask(Task.BINARY, 1, 30_000);
    EvalResult r = Evaluator.run(bin, List.of(noMemory(bin)), EvalOptions.DEFAULTS);
    assertThat(r.models().getFirst().metric("accuracy").window()).isGreaterThan(0.97);
    assertThat(r.models().getFirst().metric("auc").window()).isGreaterThan(0.99);

    TaskGenerator mc = linearTask(Task.MULTICLASS, 3, 30_000);
    r = Evaluator.run(mc, List.of(noMemory(mc)), EvalOptions.DEFAULTS);
    assertThat(r.models().getFirst().metric("accuracy").window()).isGreaterThan(0.93);

    TaskGenerator reg = linearTask(Task.REGRESSION, 1, 30_000);
    r = Evaluator.run(reg, List.of(noMemory(reg)), EvalOptions.DEFAULTS);
    assertThat(r.models().getFirst().metric("mae").window()).isLessThan(0.02);
  }

  @Test
  void majorityPredictsTheMajority() {
    MajorityLearner m = new MajorityLearner(Task.MULTICLASS, 3);
    for (float t : new float[] {0, 1, 1, 2, 1, 0}) {
      m.learn("e", "x", t);
    }
    // counts 2, 3, 1 of 6: (c + 1) / (6 + 3)
    assertThat(m.predict("e", "y", 0L, new float[0])).containsExactly(3f / 9, 4f / 9, 2f / 9);
    assertThat(m.majority()).isEqualTo(1);
    MajorityLearner b = new MajorityLearner(Task.BINARY, 1);
    for (float t : new float[] {0, 0, 0, 1}) {
      b.learn("e", "x", t);
    }
    assertThat(b.predict("e", "y", 0L, new float[0])[0]).isEqualTo(2f / 6); // (1 + 1) / (4 + 2) < 0.5 -> 0
    assertThat(b.majority()).isZero();
  }

  @Test
  void regressionBaselines() {
    RunningMeanLearner mean = new RunningMeanLearner();
    LastValueLearner last = new LastValueLearner();
    assertThat(mean.predict("a", "1", 0L, new float[0])).containsExactly(0f);
    for (OnlineLearner l : List.of(mean, last)) {
      l.learn("a", "1", 1f);
      l.learn("b", "2", 3f);
      l.learn("a", "3", 2f);
    }
    assertThat(mean.predict("c", "4", 0L, new float[0])).containsExactly(2f);
    assertThat(last.predict("a", "4", 0L, new float[0])).containsExactly(2f);
    assertThat(last.predict("b", "4", 0L, new float[0])).containsExactly(3f);
    assertThat(last.predict("c", "4", 0L, new float[0])).containsExactly(2f); // unseen: running mean
  }

  @Test
  void baselinesForEachTask() {
    assertThat(Baselines.forTask(LongLagTask.info(LongLagTask.Config.DEFAULTS), 8)).extracting(OnlineLearner::name)
        .containsExactly("nomemory", "rnn", "majority");
    assertThat(Baselines.forTask(AddingTask.info(AddingTask.Config.DEFAULTS), 8)).extracting(OnlineLearner::name)
        .containsExactly("nomemory", "rnn", "mean", "last-value");
  }
}
