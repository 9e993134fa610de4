package io.cellstream.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.lstm.Init;
import io.cellstream.lstm.InputStatistics;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Window;
import io.cellstream.state.TrainingExample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer learns the input statistics from the raw inputs of the new examples it takes in, standardises every
 * BPTT pass with them, keeps them in its store (a restored trainer continues them exactly) and hands them out with
 * the parameters it publishes.
 */
class TrainerStatisticsTest {

  private static final InputStatistics LAYOUT = InputStatistics.empty("num(a), bool(b), num(c)", 3, new int[] {0, 2});

  private static LstmCell cell() {
    return new LstmCell(OnlineTrainerTest.SPEC, 1f, LstmKernels.get());
  }

  private static float[] params() {
    return Init.uniform(OnlineTrainerTest.SPEC, 3, 1f).data();
  }

  @Test
  void learnedFromEveryStepOfEveryNewExampleAndNotFromReplays() {
    List<TrainingExample> examples = OnlineTrainerTest.examples(6, 17);
    OnlineTrainerTest.MapStore store = new OnlineTrainerTest.MapStore();
    OnlineTrainer t = OnlineTrainer.fresh(cell(), OnlineTrainerTest.settings(2, 10, 3), params(), LAYOUT, 1, 0, 0L, store);
    InputStatistics expected = LAYOUT;
    for (TrainingExample e : examples) {
      t.learn(e, null, 0L);
      expected = expected.plus(e.inputs(), e.steps());
    }
    assertThat(t.statistics()).isEqualTo(expected);
    long steps = examples.stream().mapToLong(TrainingExample::steps).sum();
    assertThat(t.statistics().count(0)).isEqualTo(steps);

    // restored from its store, it continues exactly where it was: the same statistics, the same next update
    OnlineTrainerTest.MapStore copy = store.copy();
    OnlineTrainer restored = OnlineTrainer.restore(cell(), OnlineTrainerTest.settings(2, 10, 3), LAYOUT, copy, why -> {
      throw new AssertionError(why);
    });
    assertThat(restored.statistics()).isEqualTo(t.statistics());
    TrainingExample next = OnlineTrainerTest.examples(7, 99).getLast();
    t.learn(next, null, 0L);
    restored.learn(next, null, 0L);
    assertThat(restored.statistics()).isEqualTo(t.statistics());
    assertThat(restored.parameters()).containsExactly(t.parameters());

    // another feature list: the stored trainer is not taken
    List<String> why = new ArrayList<>();
    InputStatistics other = InputStatistics.empty("num(a), num(b), num(c)", 3, new int[] {0, 1, 2});
    assertThat(OnlineTrainer.restore(cell(), OnlineTrainerTest.settings(2, 10, 3), other, store.copy(), why::add)).isNull();
    assertThat(why).singleElement().asString().contains("input statistics");
  }

  @Test
  void eachPassReadsTheWindowStandardisedWithTheStatisticsOfThatMoment() {
    // A trainer with statistics learns from an example exactly as a plain trainer learns from the same example
    // standardised by hand with the statistics after taking it in.
    TrainingExample e = OnlineTrainerTest.examples(1, 5).getFirst();
    OnlineTrainer withStats = OnlineTrainer.fresh(cell(), OnlineTrainerTest.settings(1, 0, 0), params(), LAYOUT, 1, 0, 0L,
        null);
    withStats.learn(e, null, 0L);

    InputStatistics after = LAYOUT.plus(e.inputs(), e.steps());
    float[] x = new float[e.inputs().length];
    after.standardise(e.inputs(), 0, x, 0, e.steps());
    TrainingExample byHand = new TrainingExample(e.entityId(), e.eventId(), e.labelledStep(), e.eventTime(),
        e.modelVersion(), e.steps(), e.inputSize(), e.hiddenSize(), e.outputSize(), e.h0(), e.c0(), x, e.targets(),
        e.mask(), e.prediction());
    OnlineTrainer plain = OnlineTrainer.fresh(cell(), OnlineTrainerTest.settings(1, 0, 0), params(), 1, 0, 0L, null);
    plain.learn(byHand, null, 0L);
    assertThat(withStats.parameters()).containsExactly(plain.parameters());
    Window w = e.window();
    assertThat(w.inputs()).as("the example keeps its raw inputs").isSameAs(e.inputs());
  }

  @Test
  void aRollbackTakesTheVersionsStatisticsWithItsParameters() {
    OnlineTrainer t = OnlineTrainer.fresh(cell(), OnlineTrainerTest.settings(1, 0, 0), params(), LAYOUT, 1, 0, 0L, null);
    for (TrainingExample e : OnlineTrainerTest.examples(3, 8)) {
      t.learn(e, null, 0L);
    }
    InputStatistics old = LAYOUT.plus(new float[] {1, 0, 2}, 1);
    t.resetTo(params(), old, 0);
    assertThat(t.statistics()).isEqualTo(old);
  }
}
