package io.cellstream.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.lstm.Window;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The baselines' cells against float64 references written apart from them, and finite differences. */
class CellsTest {

  private static final List<ModelSpec> SPECS = List.of(new ModelSpec(3, 4, 3, Task.MULTICLASS),
      new ModelSpec(2, 5, 1, Task.BINARY), new ModelSpec(4, 3, 1, Task.REGRESSION), new ModelSpec(1, 1, 2, Task.MULTICLASS));

  /** Loss of one labelled step from the logits, float64, as the golden vectors define it (½Σ(z−t)² for regression). */
  static double headLoss(Task task, double[] z, float[] t, int tOff) {
    int k = z.length;
    return switch (task) {
      case BINARY -> {
        double l = 0;
        for (int i = 0; i < k; i++) {
          l += t[tOff + i] * Math.log1p(Math.exp(-z[i])) + (1 - t[tOff + i]) * Math.log1p(Math.exp(z[i]));
        }
        yield l;
      }
      case MULTICLASS -> {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
          max = Math.max(max, v);
        }
        double se = 0;
        for (double v : z) {
          se += Math.exp(v - max);
        }
        double l = 0;
        for (int i = 0; i < k; i++) {
          l -= t[tOff + i] * (z[i] - max - Math.log(se));
        }
        yield l;
      }
      case REGRESSION -> {
        double l = 0;
        for (int i = 0; i < k; i++) {
          double e = z[i] - t[tOff + i];
          l += 0.5 * e * e;
        }
        yield l;
      }
    };
  }

  /** Float64 reference of the RNN + head over a window, written apart from {@link RnnCell}. */
  static double rnnLoss(ModelSpec s, double[] p, double[] h0, Window w) {
    int d = s.inputSize();
    int h = s.hiddenSize();
    int k = s.outputSize();
    int cols = d + h;
    int bOff = h * cols;
    int wyOff = bOff + h;
    int byOff = wyOff + k * h;
    double[] prev = h0.clone();
    double loss = 0;
    for (int t = 0; t < w.length(); t++) {
      double[] cur = new double[h];
      for (int r = 0; r < h; r++) {
        double a = p[bOff + r];
        for (int j = 0; j < d; j++) {
          a += p[r * cols + j] * w.inputs()[t * d + j];
        }
        for (int j = 0; j < h; j++) {
          a += p[r * cols + d + j] * prev[j];
        }
        cur[r] = Math.tanh(a);
      }
      if (w.labelled()[t]) {
        double[] z = new double[k];
        for (int i = 0; i < k; i++) {
          z[i] = p[byOff + i];
          for (int j = 0; j < h; j++) {
            z[i] += p[wyOff + i * h + j] * cur[j];
          }
        }
        loss += headLoss(s.task(), z, w.targets(), t * k);
      }
      prev = cur;
    }
    return loss;
  }

  /** Float64 reference of the memoryless model: the head on each labelled step's own input. */
  static double noMemoryLoss(ModelSpec s, double[] p, Window w) {
    int d = s.inputSize();
    int k = s.outputSize();
    double loss = 0;
    for (int t = 0; t < w.length(); t++) {
      if (w.labelled()[t]) {
        double[] z = new double[k];
        for (int i = 0; i < k; i++) {
          z[i] = p[k * d + i];
          for (int j = 0; j < d; j++) {
            z[i] += p[i * d + j] * w.inputs()[t * d + j];
          }
        }
        loss += headLoss(s.task(), z, w.targets(), t * k);
      }
    }
    return loss;
  }

  static Window window(Random rnd, ModelSpec s, int hSize, int n, boolean[] mask) {
    float[] h0 = new float[hSize];
    for (int i = 0; i < h0.length; i++) {
      h0[i] = (float) (rnd.nextDouble() * 1.6 - 0.8);
    }
    float[] xs = new float[n * s.inputSize()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rnd.nextGaussian();
    }
    int k = s.outputSize();
    float[] targets = new float[n * k];
    for (int t = 0; t < n; t++) {
      switch (s.task()) {
        case BINARY -> targets[t * k] = rnd.nextBoolean() ? 1 : 0;
        case MULTICLASS -> targets[t * k + rnd.nextInt(k)] = 1;
        case REGRESSION -> targets[t * k] = (float) rnd.nextGaussian();
      }
    }
    return new Window(h0, new float[0], xs, targets, mask);
  }

  private static void checkGradient(String what, float[] p, Backprop bp, Window w, ToDoubleFunction<double[]> ref) {
    float[] grads = new float[p.length];
    double loss = bp.accumulate(w, grads);
    double[] pd = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      pd[i] = p[i];
    }
    double refLoss = ref.applyAsDouble(pd);
    assertThat(loss).as(what + " loss").isCloseTo(refLoss, within(1e-4 + 1e-4 * Math.abs(refLoss)));
    double eps = 1e-6;
    for (int i = 0; i < p.length; i++) {
      double keep = pd[i];
      pd[i] = keep + eps;
      double up = ref.applyAsDouble(pd);
      pd[i] = keep - eps;
      double down = ref.applyAsDouble(pd);
      pd[i] = keep;
      double fd = (up - down) / (2 * eps);
      assertThat((double) grads[i]).as("%s d/dp[%d]", what, i).isCloseTo(fd, within(1e-4 + 1e-3 * Math.abs(fd)));
    }
    // backward adds: a second window accumulates on top
    float[] twice = grads.clone();
    bp.accumulate(w, twice);
    for (int i = 0; i < p.length; i++) {
      assertThat(twice[i]).isCloseTo(2 * grads[i], within(1e-6f + 1e-6f * Math.abs(grads[i])));
    }
  }

  @Test
  void rnnGradientsMatchFiniteDifferencesOfAFloat64Reference() {
    Random rnd = new Random(7);
    for (ModelSpec s : SPECS) {
      RnnCell cell = new RnnCell(s);
      assertThat(cell.parameterCount()).isEqualTo(RnnCell.parameterCount(s));
      float[] p = new float[cell.parameterCount()];
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) (rnd.nextGaussian() * 0.6);
      }
      Window w = window(rnd, s, s.hiddenSize(), 6, new boolean[] {false, true, false, false, true, true});
      double[] h0 = new double[s.hiddenSize()];
      for (int i = 0; i < h0.length; i++) {
        h0[i] = w.h0()[i];
      }
      checkGradient("rnn " + s, p, cell.backprop(p), w, pd -> rnnLoss(s, pd, h0, w));
    }
  }

  @Test
  void noMemoryGradientsMatchFiniteDifferencesOfAFloat64Reference() {
    Random rnd = new Random(8);
    for (ModelSpec s : SPECS) {
      NoMemoryCell cell = new NoMemoryCell(s);
      float[] p = new float[cell.parameterCount()];
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) (rnd.nextGaussian() * 0.6);
      }
      Window w = window(rnd, s, 0, 4, new boolean[] {true, false, true, true});
      checkGradient("nomemory " + s, p, cell.backprop(p), w, pd -> noMemoryLoss(s, pd, w));
    }
  }

  @Test
  void stepsAgreeWithTheTrainingForwardPass() {
    // The step a host runs and the first step of BPTT are the same function: one labelled step from h0.
    Random rnd = new Random(9);
    ModelSpec s = new ModelSpec(3, 4, 1, Task.REGRESSION);
    RnnCell rnn = new RnnCell(s);
    float[] p = new float[rnn.parameterCount()];
    rnn.initialize(p, 3);
    Window w = window(rnd, s, 4, 1, new boolean[] {true});
    float[] h = w.h0().clone();
    float[] y = new float[1];
    rnn.step(rnn.publish(p), w.inputs(), 0, h, new float[0], null, y);
    double loss = rnn.backprop(p).accumulate(w, new float[p.length]);
    double e = y[0] - w.targets()[0];
    assertThat(loss).isCloseTo(0.5 * e * e, within(1e-6));
  }

  @Test
  void lstmCellIsTheEngine() {
    ModelSpec s = new ModelSpec(3, 5, 2, Task.MULTICLASS);
    LstmCell cell = new LstmCell(s, 3.0f, LstmKernels.scalar());
    float[] p = new float[cell.parameterCount()];
    cell.initialize(p, 11);
    assertThat(p).containsExactly(Init.uniform(s, 11, 3.0f).data());
    assertThat(cell.hiddenStateSize()).isEqualTo(5);
    assertThat(cell.cellStateSize()).isEqualTo(5);
    float[] published = p.clone();
    var weights = cell.publish(p);
    p[0] += 1; // published weights are a copy
    assertThat(weights.parametersCopy().data()).containsExactly(published);
  }

  @Test
  void windowsOfTheWrongShapeOrWithNaNAreRefusedBeforeAnythingIsAdded() {
    ModelSpec s = new ModelSpec(2, 3, 1, Task.BINARY);
    for (Cell<?> cell : List.of(new RnnCell(s), new NoMemoryCell(s), new LstmCell(s, 1f))) {
      int hs = cell.hiddenStateSize();
      int cs = cell.cellStateSize();
      float[] x = {1, Float.NaN};
      Window nan = new Window(new float[hs], new float[cs], x, new float[1], new boolean[] {true});
      assertThatThrownBy(() -> cell.checkWindow(nan)).as(cell.kind()).isInstanceOf(IllegalArgumentException.class);
      Window shape = new Window(new float[hs], new float[cs], new float[3], new float[1], new boolean[] {true});
      assertThatThrownBy(() -> cell.checkWindow(shape)).as(cell.kind()).isInstanceOf(IllegalArgumentException.class);
      float[] grads = new float[cell.parameterCount()];
      float[] params = new float[cell.parameterCount()];
      assertThatThrownBy(() -> cell.backprop(params).accumulate(nan, grads)).isInstanceOf(IllegalArgumentException.class);
      assertThat(grads).containsOnly(0f);
    }
  }
}
