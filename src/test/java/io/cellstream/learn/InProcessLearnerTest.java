package io.cellstream.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Bptt;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.PreparedWeights;
import io.cellstream.lstm.Task;
import io.cellstream.lstm.Window;
import io.cellstream.state.EntityState;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InProcessLearnerTest {

  static final ModelSpec SPEC = new ModelSpec(2, 3, 2, Task.MULTICLASS);

  static LearnerSettings settings() {
    // W = 6, T = 3, a checkpoint every step: the window of a label at step s starts exactly at s − 2
    return LearnerSettings.DEFAULTS.withWindow(6, 3).withCheckpointEvery(1).withReplay(0, 0).withClipNorm(0)
        .withAdam(new AdamConfig(1e-3f, 0.9f, 0.999f, 1e-8f)).withPublish(1, null).withSeed(5);
  }

  @Test
  void aDelayedLabelTrainsOnTheWindowEndingAtItsStepFromTheStateBeforeIt() {
    LstmCell cell = new LstmCell(SPEC, 3.0f, LstmKernels.scalar());
    InProcessLearner<PreparedWeights> l = new InProcessLearner<>("lstm", cell, settings(), true);
    float[] p0 = Init.uniform(SPEC, 5, 3.0f).data();
    float[][] x = new float[6][];
    Random r = new Random(1);
    float[] h = new float[3];
    float[] c = new float[3];
    float[] h1 = null;
    float[] c1 = null;
    PreparedWeights w0 = PreparedWeights.copyOf(new Parameters(SPEC, p0.clone()));
    for (int t = 0; t < 6; t++) {
      x[t] = new float[] {(float) r.nextGaussian(), (float) r.nextGaussian()};
      float[] y = l.predict("a", "a:" + t, 1000L + t, x[t]);
      float[] expected = new float[2];
      LstmKernels.scalar().step(w0, x[t], 0, h, c, null, expected, LstmKernels.scalar().newWorkspace(SPEC));
      assertThat(y).as("step %d uses version 1", t).containsExactly(expected);
      if (t == 0) {
        h1 = h.clone();
        c1 = c.clone();
      }
    }
    assertThat(l.learn("a", "a:3", new float[] {0, 1})).isEqualTo(LabelOutcome.MATCHED);
    assertThat(l.version()).isEqualTo(2);
    // the same update by hand: BPTT over steps 1..3 from the state after step 0, target at step 3, one Adam step
    float[] inputs = new float[6];
    System.arraycopy(x[1], 0, inputs, 0, 2);
    System.arraycopy(x[2], 0, inputs, 2, 2);
    System.arraycopy(x[3], 0, inputs, 4, 2);
    Window win = new Window(h1, c1, inputs, new float[] {0, 0, 0, 0, 0, 1}, new boolean[] {false, false, true});
    float[] expected = p0.clone();
    MinibatchTrainer.create(cell, expected, settings().adam(), settings().trainerConfig()).train(java.util.List.of(win));
    assertThat(l.trainer().parameters()).containsExactly(expected);
    assertThat(l.weights().parametersCopy().data()).as("published").containsExactly(expected);

    assertThat(l.learn("a", "a:3", new float[] {0, 1})).isEqualTo(LabelOutcome.DUPLICATE);
    // Not (yet) in a window: held for their events, which may still come (labels travel on another topic).
    assertThat(l.learn("a", "a:nope", new float[] {0, 1})).isEqualTo(LabelOutcome.HELD);
    assertThat(l.learn("b", "b:0", new float[] {0, 1})).isEqualTo(LabelOutcome.HELD);
    assertThat(l.heldLabels()).isEqualTo(2);
    for (int t = 6; t < 20; t++) {
      l.predict("a", "a:" + t, 1000L + t, x[t % 6]);
    }
    // The window holds steps 14..19; the ids of the W + k = 7 steps that left it last (7..13) are remembered.
    assertThat(l.learn("a", "a:10", new float[] {1, 0})).isEqualTo(LabelOutcome.EXPIRED);
    assertThat(l.learn("a", "a:4", new float[] {1, 0})).as("older than what is remembered: held, in case")
        .isEqualTo(LabelOutcome.HELD);
    assertThat(l.describe()).containsEntry("labels.matched", 1L).containsEntry("labels.expired", 1L);
    l.flush(); // the end of the run: the events of the held labels never came
    assertThat(l.heldLabels()).isZero();
    assertThat(l.entity("b")).as("an entity known only by a label it held").isNull();
    assertThat(l.describe()).containsEntry("labels.held", 3L).containsEntry("labels.unmatched", 3L);
  }

  @Test
  void predictionsUseTheNewestPublishedVersionOnly() {
    InProcessLearner<float[]> l = new InProcessLearner<>("rnn", new RnnCell(SPEC), settings().withPublish(3, null), true);
    Random r = new Random(2);
    for (int t = 0; t < 7; t++) {
      l.predict("a", "a:" + t, t, new float[] {(float) r.nextGaussian(), 1});
      l.learn("a", "a:" + t, new float[] {1, 0});
      assertThat(l.version()).as("after %d examples", t + 1).isEqualTo(1 + (t + 1) / 3);
    }
    // between versions the trainer has moved on, the predictions have not
    assertThat(java.util.Arrays.equals(l.weights(), l.trainer().parameters())).isFalse();
    l.flush();
    assertThat(l.version()).isEqualTo(4);
    assertThat(l.weights()).containsExactly(l.trainer().parameters());
  }

  @Test
  void aCellWithoutMemoryKeepsOnlyTheWindowOfInputs() {
    InProcessLearner<float[]> l = new InProcessLearner<>("nomemory", new NoMemoryCell(SPEC),
        settings().withWindow(4, 1), true);
    l.predict("a", "a:0", 0, new float[] {1, 2});
    EntityState s = l.entity("a");
    assertThat(s.h).isEmpty();
    assertThat(s.c).isEmpty();
    assertThat(l.learn("a", "a:0", new float[] {0, 1})).isEqualTo(LabelOutcome.MATCHED);
  }
}
