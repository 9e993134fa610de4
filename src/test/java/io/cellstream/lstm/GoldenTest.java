package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.learn.LstmCell;
import io.cellstream.learn.MinibatchTrainer;
import io.cellstream.learn.TrainerConfig;
import io.cellstream.learn.UpdateResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine against PyTorch: every {@code *.json} in the directory named by {@code -Dlstm.golden.dir}
 * (format in its README), once per kernel, one test case each. Checked per case: the forward pass
 * (h, c, y after every step and the loss), every gradient (W, b, Wy, by, h0, c0) by truncated BPTT
 * through the whole window, and the parameters after the case's Adam steps (with the loss before each).
 *
 * <p>Tolerance: |ours − PyTorch| ≤ 1e-5 + 1e-4·|PyTorch| per element. The references are float64; we
 * compute in float32 (unit round-off 6e-8) over windows of up to 50 steps and sums of up to D+H = 144
 * products, and the vector kernel's tanh/σ approximation is within 4e-7 absolute; 1e-5 absolute leaves a
 * factor of 10 or more over the largest error seen, and the relative part covers large gradients.
 *
 * <p>The parameters after Adam get one more term. Adam divides each gradient element by its own
 * magnitude plus eps, so where the true gradient is of the order of eps (1e-8) the step hangs on the
 * gradient's rounding error: float32 BPTT leaves up to ~3e-10 absolute error on a gradient element (a
 * few per cent of the 3e-9 ones some cases have), which such an element's step amplifies by
 * lr·eps/(|g|+eps)² ≈ 6e5. So each element may also be off by the first-order effect of a gradient
 * error δ = 1e-9 over the case's steps: {@code steps · lr · eps · δ / (|g| + eps)²} with g the golden
 * gradient. For ordinary gradients (|g| ≥ 1e-6) the term is below 1e-10 and changes nothing.
 */
class GoldenTest {

  static final double ABS = 1e-5;
  static final double REL = 1e-4;

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Path file : GoldenCase.files()) {
      out.add(Arguments.of(file.getFileName().toString(), "scalar", file));
      if (LstmKernels.vectorAvailable()) {
        out.add(Arguments.of(file.getFileName().toString(), "vector", file));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} [{1}]")
  @MethodSource("cases")
  void matchesPyTorch(String name, String kernelName, Path file) {
    GoldenCase g = GoldenCase.load(file);
    LstmKernel kernel = LstmKernels.named(kernelName);
    ModelSpec s = g.spec();
    int t = g.steps();
    int h = s.hiddenSize();
    int k = s.outputSize();

    // forward
    PreparedWeights w = PreparedWeights.copyOf(new Parameters(s, g.params().clone()));
    Bptt bptt = new Bptt(s, kernel);
    double loss = bptt.forward(w, g.window());
    float[] hAll = new float[t * h];
    float[] cAll = new float[t * h];
    float[] yAll = new float[t * k];
    float[] row = new float[Math.max(h, k)];
    for (int i = 0; i < t; i++) {
      bptt.copyHidden(i, row);
      System.arraycopy(row, 0, hAll, i * h, h);
      bptt.copyCell(i, row);
      System.arraycopy(row, 0, cAll, i * h, h);
      bptt.copyOutput(i, row);
      System.arraycopy(row, 0, yAll, i * k, k);
    }
    Close.assertClose(name + " forward.h", hAll, g.forwardH(), ABS, REL);
    Close.assertClose(name + " forward.c", cAll, g.forwardC(), ABS, REL);
    Close.assertClose(name + " forward.y", yAll, g.forwardY(), ABS, REL);
    Close.assertClose(name + " forward.loss", loss, g.forwardLoss(), ABS, REL);

    // backward
    float[] grads = new float[Parameters.count(s)];
    float[] dh0 = new float[h];
    float[] dc0 = new float[h];
    bptt.backward(grads, dh0, dc0);
    Parameters view = new Parameters(s);
    checkParts(name + " grads", grads, g.gradParams(), view);
    Close.assertClose(name + " grads.h0", dh0, g.gradH0(), ABS, REL);
    Close.assertClose(name + " grads.c0", dc0, g.gradC0(), ABS, REL);

    // backward adds: a second call doubles everything
    float[] twice = grads.clone();
    bptt.backward(twice, null, null);
    for (int i = 0; i < grads.length; i++) {
      assertThat(twice[i]).isCloseTo(2 * grads[i], org.assertj.core.data.Offset.offset(1e-6f + 1e-6f * Math.abs(grads[i])));
    }

    // Adam steps on the window's summed loss, h0/c0 fixed, no clipping
    Parameters trained = new Parameters(s, g.params().clone());
    MinibatchTrainer trainer = MinibatchTrainer.create(new LstmCell(s, Init.DEFAULT_FORGET_BIAS, kernel), trained.data(),
        g.adam(), TrainerConfig.DEFAULTS.withClipNorm(0).withReduction(TrainerConfig.Reduction.SUM));
    for (int step = 0; step < g.adamSteps(); step++) {
      double before = trainer.accumulate(g.window());
      Close.assertClose(name + " adam.losses_before_each_step[" + step + "]", before,
          g.lossesBeforeEachStep()[step], ABS, REL);
      UpdateResult r = trainer.update();
      assertThat(r.applied()).as(r.reason()).isTrue();
    }
    checkAdam(name + " adam.params_after", trained.data(), g);
  }

  /** Gradient error the Adam check propagates (see the class comment). */
  static final double GRADIENT_ROUNDING = 1e-9;

  private static void checkAdam(String what, float[] actual, GoldenCase g) {
    double[] expected = g.paramsAfter();
    double eps = g.adam().eps();
    double lr = g.adam().learningRate();
    int worst = -1;
    double worstExcess = 0;
    int bad = 0;
    for (int i = 0; i < actual.length; i++) {
      double grad = Math.abs(g.gradParams()[i]);
      double sensitivity = eps / ((grad + eps) * (grad + eps));
      double allowed = ABS + REL * Math.abs(expected[i]) + g.adamSteps() * lr * sensitivity * GRADIENT_ROUNDING;
      double err = Math.abs(actual[i] - expected[i]);
      if (!(err <= allowed)) {
        bad++;
        if (worst < 0 || err / allowed > worstExcess) {
          worst = i;
          worstExcess = err / allowed;
        }
      }
    }
    double excess = worstExcess;
    assertThat(bad).as(() -> what + ": " + worstDescription(actual, expected, g, excess)).isZero();
  }

  private static String worstDescription(float[] a, double[] e, GoldenCase g, double excess) {
    int worst = 0;
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - e[i]) > Math.abs(a[worst] - e[worst])) {
        worst = i;
      }
    }
    return "worst [" + worst + "] = " + a[worst] + ", expected " + e[worst] + " (golden gradient "
        + g.gradParams()[worst] + ", " + excess + "× the tolerance)";
  }

  /** Compares part by part, so a failure names W, b, Wy or by. */
  private static void checkParts(String what, float[] actual, double[] expected, Parameters v) {
    int[] starts = {v.wOffset(), v.bOffset(), v.wyOffset(), v.byOffset(), v.size()};
    String[] names = {"W", "b", "Wy", "by"};
    for (int i = 0; i < 4; i++) {
      Close.assertClose(what + "." + names[i], Arrays.copyOfRange(actual, starts[i], starts[i + 1]),
          Arrays.copyOfRange(expected, starts[i], starts[i + 1]), ABS, REL);
    }
  }
}
