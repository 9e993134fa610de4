package io.cellstream.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Bptt;
import io.cellstream.lstm.Close;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.PreparedWeights;
import io.cellstream.lstm.RandomModels;
import io.cellstream.lstm.Task;
import io.cellstream.lstm.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class MinibatchTrainerTest {

  final ModelSpec spec = new ModelSpec(3, 6, 2, Task.BINARY);

  @Test
  void minibatchGradientIsTheSumOfItsWindowsOfDifferentLengths() {
    SplittableRandom r = new SplittableRandom(1);
    List<Window> windows = List.of(RandomModels.window(r, spec, 2, 1), RandomModels.window(r, spec, 7, 0.5),
        RandomModels.window(r, spec, 4, 0.7));
    Parameters p = Init.uniform(spec, 3);
    float[] expected = new float[p.size()];
    Bptt bptt = new Bptt(spec, LstmKernels.scalar());
    for (Window w : windows) {
      bptt.forward(PreparedWeights.copyOf(p), w);
      bptt.backward(expected, null, null);
    }
    MinibatchTrainer t = lstm(p.copy(), AdamConfig.DEFAULTS,
        TrainerConfig.DEFAULTS.withReduction(TrainerConfig.Reduction.SUM), LstmKernels.get());
    for (Window w : windows) {
      t.accumulate(w);
    }
    Close.assertClose("summed gradient", t.pendingGradient(), expected, 1e-6, 1e-5);
    assertThat(t.pendingWindows()).isEqualTo(3);
  }

  @Test
  void meanReductionDividesByLabelledStepsAndClippingCapsTheNorm() {
    SplittableRandom r = new SplittableRandom(2);
    List<Window> windows = new ArrayList<>();
    int labels = 0;
    for (int i = 0; i < 4; i++) {
      Window w = RandomModels.window(r, spec, 5, 0.6);
      windows.add(w);
      labels += w.labelCount();
    }
    // summed gradient, for reference
    MinibatchTrainer sum = lstm(Init.uniform(spec, 4), AdamConfig.DEFAULTS,
        TrainerConfig.DEFAULTS.withReduction(TrainerConfig.Reduction.SUM).withClipNorm(0), LstmKernels.get());
    windows.forEach(sum::accumulate);
    double sumNorm = norm(sum.pendingGradient());

    float clip = (float) (0.1 * sumNorm / labels);
    MinibatchTrainer t = lstm(Init.uniform(spec, 4), AdamConfig.DEFAULTS,
        TrainerConfig.DEFAULTS.withReduction(TrainerConfig.Reduction.MEAN).withClipNorm(clip), LstmKernels.get());
    UpdateResult res = t.train(windows);
    assertThat(res.applied()).isTrue();
    assertThat(res.labelledSteps()).isEqualTo(labels);
    assertThat(res.gradNorm()).isCloseTo(sumNorm / labels, Offset.offset(1e-5 * sumNorm));
    assertThat(res.clipped()).isTrue();
    // after one Adam step m = (1 - β1)·g, so the clipped gradient's norm is |m| / (1 - β1)
    assertThat(norm(t.optimizer().m()) / (1 - AdamConfig.DEFAULTS.beta1())).isCloseTo(clip, Offset.offset(1e-4 * clip));
    assertThat(t.pendingWindows()).isZero();
  }

  @Test
  void nonFiniteGradientIsRefusedAndNothingChanges() {
    ModelSpec s = new ModelSpec(2, 4, 1, Task.REGRESSION);
    MinibatchTrainer t = lstm(Init.uniform(s, 1), AdamConfig.DEFAULTS, TrainerConfig.DEFAULTS,
        LstmKernels.get());
    float[] before = t.parameters().clone();
    float[] huge = {3e38f, 3e38f, 3e38f, 3e38f}; // d loss/d by = Σ (y - t) overflows float
    Window w = new Window(new float[4], new float[4], new float[8], huge, new boolean[] {true, true, true, true});
    UpdateResult res = t.train(List.of(w));
    assertThat(res.outcome()).isEqualTo(UpdateResult.Outcome.REFUSED_NON_FINITE_GRADIENT);
    assertThat(res.reason()).contains("non-finite");
    assertThat(t.parameters()).isEqualTo(before);
    assertThat(t.optimizer().steps()).isZero();
    assertThat(t.optimizer().m()).containsOnly(0f);
    assertThat(t.refusedUpdates()).isEqualTo(1);
    assertThat(t.pendingGradient()).containsOnly(0f); // the refused minibatch is cleared
  }

  @Test
  void updateThatWouldOverflowIsRefusedAndNothingChanges() {
    MinibatchTrainer t = lstm(Init.uniform(spec, 1), new AdamConfig(1e38f, 0.9f, 0.999f, 1e-8f),
        TrainerConfig.DEFAULTS, LstmKernels.get());
    float[] before = t.parameters().clone();
    UpdateResult res = t.train(List.of(RandomModels.window(new SplittableRandom(3), spec, 4, 1)));
    assertThat(res.outcome()).isEqualTo(UpdateResult.Outcome.REFUSED_NON_FINITE_UPDATE);
    assertThat(t.parameters()).isEqualTo(before);
    assertThat(t.optimizer().steps()).isZero();
  }

  @Test
  void lossGuardsRefuseBlowUps() {
    SplittableRandom r = new SplittableRandom(4);
    MinibatchTrainer absolute = lstm(Init.uniform(spec, 1), AdamConfig.DEFAULTS,
        TrainerConfig.DEFAULTS.withMaxLossPerLabel(1e-3), LstmKernels.get());
    UpdateResult res = absolute.train(List.of(RandomModels.window(r, spec, 4, 1)));
    assertThat(res.outcome()).isEqualTo(UpdateResult.Outcome.REFUSED_LOSS_BLOW_UP);
    assertThat(res.reason()).contains("above the limit");

    ModelSpec s = new ModelSpec(1, 3, 1, Task.REGRESSION);
    MinibatchTrainer relative = lstm(Init.uniform(s, 1), AdamConfig.DEFAULTS,
        TrainerConfig.DEFAULTS.withBlowUpGuard(10, 0), LstmKernels.get());
    Window calm = new Window(new float[3], new float[3], new float[] {0.1f}, new float[] {0.1f}, new boolean[] {true});
    Window wild = new Window(new float[3], new float[3], new float[] {0.1f}, new float[] {100f}, new boolean[] {true});
    assertThat(relative.train(List.of(calm)).applied()).isTrue();
    assertThat(relative.train(List.of(wild)).outcome()).isEqualTo(UpdateResult.Outcome.REFUSED_LOSS_BLOW_UP);
    assertThat(relative.acceptedUpdates()).isEqualTo(1);
  }

  @Test
  void minibatchWithoutLabelsIsEmpty() {
    MinibatchTrainer t = lstm(Init.uniform(spec, 1), AdamConfig.DEFAULTS, TrainerConfig.DEFAULTS,
        LstmKernels.get());
    assertThat(t.update().outcome()).isEqualTo(UpdateResult.Outcome.EMPTY);
    assertThat(t.train(List.of(RandomModels.window(new SplittableRandom(5), spec, 3, 0))).outcome())
        .isEqualTo(UpdateResult.Outcome.EMPTY);
  }

  @Test
  void malformedWindowsAreRefusedAndNothingIsAccumulated() {
    MinibatchTrainer t = lstm(Init.uniform(spec, 1), AdamConfig.DEFAULTS, TrainerConfig.DEFAULTS,
        LstmKernels.get());
    float[] x = new float[2 * 3];
    x[4] = Float.NaN;
    Window nan = new Window(new float[6], new float[6], x, new float[4], new boolean[] {true, true});
    assertThatThrownBy(() -> t.accumulate(nan)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entity 1, index 1");
    Window shape = new Window(new float[6], new float[6], new float[5], new float[4], new boolean[] {true, true});
    assertThatThrownBy(() -> t.accumulate(shape)).hasMessageContaining("inputs must be (T=2, D=3)");
    assertThat(t.pendingWindows()).isZero();
  }

  /** End to end: learns to report the sign of the input two steps back, which needs the cell's memory. */
  @Test
  void learnsATaskThatNeedsMemory() {
    ModelSpec s = new ModelSpec(1, 8, 1, Task.BINARY);
    MinibatchTrainer t = lstm(Init.uniform(s, 11), AdamConfig.DEFAULTS.withLearningRate(0.02f),
        TrainerConfig.DEFAULTS, LstmKernels.get());
    SplittableRandom r = new SplittableRandom(12);
    double first = 0;
    double last = 0;
    int updates = 300;
    for (int u = 0; u < updates; u++) {
      List<Window> batch = new ArrayList<>();
      for (int b = 0; b < 8; b++) {
        int steps = 4 + r.nextInt(4);
        float[] x = RandomModels.gaussian(r, steps, 1);
        float[] target = new float[steps];
        boolean[] labelled = new boolean[steps];
        for (int i = 2; i < steps; i++) {
          target[i] = x[i - 2] > 0 ? 1 : 0;
          labelled[i] = true;
        }
        batch.add(new Window(new float[8], new float[8], x, target, labelled));
      }
      UpdateResult res = t.train(batch);
      assertThat(res.applied()).as(res.reason()).isTrue();
      if (u < 20) {
        first += res.meanLoss() / 20;
      } else if (u >= updates - 20) {
        last += res.meanLoss() / 20;
      }
    }
    assertThat(first).isGreaterThan(0.6); // about ln 2 at the start
    assertThat(last).isLessThan(0.25);
  }

  /** A trainer of the LSTM cell over {@code p}'s buffer (updated in place). */
  static MinibatchTrainer lstm(Parameters p, AdamConfig adam, TrainerConfig config, LstmKernel kernel) {
    return MinibatchTrainer.create(new LstmCell(p.spec(), Init.DEFAULT_FORGET_BIAS, kernel), p.data(), adam, config);
  }

  static double norm(float[] g) {
    double s = 0;
    for (float v : g) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }
}
