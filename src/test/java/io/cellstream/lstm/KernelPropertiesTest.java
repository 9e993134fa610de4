package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The kernels against each other and against themselves: vector = scalar on awkward sizes (1, 7, 13,
 * 33, 65 and any size up to 70, most not a multiple of the lane count), batched = the same steps one by
 * one, and the forward pass against a float64 reference. Tolerance 1e-5 + 1e-4·|x| per element, over
 * several steps of state feedback (the vector tanh/σ approximation is within 4e-7 of the exact one).
 */
class KernelPropertiesTest {

  static final double ABS = 1e-5;
  static final double REL = 1e-4;

  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.oneOf(Arbitraries.of(1, 7, 13, 16, 33, 65), Arbitraries.integers().between(1, 70));
  }

  @Provide
  Arbitrary<Float> scales() {
    return Arbitraries.of(0.5f, 1f, 3f); // 3: large pre-activations, saturated gates
  }

  @Property(tries = 60)
  void vectorStepEqualsScalarStep(@ForAll("sizes") int d, @ForAll("sizes") int h, @ForAll @IntRange(min = 1, max = 5) int k,
      @ForAll Task task, @ForAll("scales") float scale, @ForAll long seed) {
    assumeTrue(LstmKernels.vectorAvailable());
    ModelSpec s = RandomModels.spec(d, h, k, task);
    Model model = Model.of(RandomModels.params(s, seed, scale), 1, 0, 0);
    LstmKernel scalar = LstmKernels.scalar();
    LstmKernel vector = LstmKernels.vector();
    StepWorkspace wsS = scalar.newWorkspace(s);
    StepWorkspace wsV = vector.newWorkspace(s);
    SplittableRandom r = new SplittableRandom(seed);
    float[] hS = RandomModels.gaussian(r, h, 0.5);
    float[] cS = RandomModels.gaussian(r, h, 1.0);
    float[] hV = hS.clone();
    float[] cV = cS.clone();
    float[] gS = new float[4 * h];
    float[] gV = new float[4 * h];
    float[] yS = new float[s.outputSize()];
    float[] yV = new float[s.outputSize()];
    for (int step = 0; step < 3; step++) {
      float[] x = RandomModels.gaussian(r, d + 3, 2.0); // offset 3 exercises xOffset
      scalar.step(model, x, 3, hS, cS, gS, yS, wsS);
      vector.step(model, x, 3, hV, cV, gV, yV, wsV);
      Close.assertClose("h", hV, hS, ABS, REL);
      Close.assertClose("c", cV, cS, ABS, REL);
      Close.assertClose("gates", gV, gS, ABS, REL);
      Close.assertClose("y", yV, yS, ABS, REL);
      for (int o = 0; o < s.outputSize(); o++) {
        assertThat((double) wsV.logit(o)).isCloseTo(wsS.logit(o), org.assertj.core.data.Offset.offset(ABS + REL * Math.abs(wsS.logit(o))));
      }
    }
  }

  @Property(tries = 40)
  void batchEqualsOneByOne(@ForAll("sizes") int d, @ForAll("sizes") int h, @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll Task task, @ForAll @IntRange(min = 1, max = 19) int n, @ForAll boolean vector, @ForAll long seed) {
    assumeTrue(!vector || LstmKernels.vectorAvailable());
    ModelSpec s = RandomModels.spec(d, h, k, task);
    int kk = s.outputSize();
    LstmKernel kernel = vector ? LstmKernels.vector() : LstmKernels.scalar();
    Model model = Model.of(RandomModels.params(s, seed, 1.5f), 1, 0, 0);
    SplittableRandom r = new SplittableRandom(seed);
    float[] hB = RandomModels.gaussian(r, n * h, 0.5);
    float[] cB = RandomModels.gaussian(r, n * h, 1.0);
    float[] h1 = hB.clone();
    float[] c1 = cB.clone();
    float[] yB = new float[n * kk];
    float[] y1 = new float[n * kk];
    BatchWorkspace bws = kernel.newBatchWorkspace(s, 1); // grows on the first call
    StepWorkspace ws = kernel.newWorkspace(s);
    float[] hRow = new float[h];
    float[] cRow = new float[h];
    float[] yRow = new float[kk];
    for (int step = 0; step < 3; step++) {
      float[] x = RandomModels.gaussian(r, n * d, 1.5);
      kernel.stepBatch(model, n, x, hB, cB, yB, bws);
      for (int e = 0; e < n; e++) {
        System.arraycopy(h1, e * h, hRow, 0, h);
        System.arraycopy(c1, e * h, cRow, 0, h);
        kernel.step(model, x, e * d, hRow, cRow, null, yRow, ws);
        System.arraycopy(hRow, 0, h1, e * h, h);
        System.arraycopy(cRow, 0, c1, e * h, h);
        System.arraycopy(yRow, 0, y1, e * kk, kk);
      }
      Close.assertClose("h", hB, h1, ABS, REL);
      Close.assertClose("c", cB, c1, ABS, REL);
      Close.assertClose("y", yB, y1, ABS, REL);
    }
  }

  @Property(tries = 30)
  void forwardMatchesFloat64Reference(@ForAll("sizes") int d, @ForAll @IntRange(min = 1, max = 40) int h,
      @ForAll @IntRange(min = 1, max = 4) int k, @ForAll Task task, @ForAll boolean vector, @ForAll long seed) {
    assumeTrue(!vector || LstmKernels.vectorAvailable());
    ModelSpec s = RandomModels.spec(d, h, k, task);
    LstmKernel kernel = vector ? LstmKernels.vector() : LstmKernels.scalar();
    Parameters p = RandomModels.params(s, seed, 1f);
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    Window w = RandomModels.window(r, s, 5, 0.6);
    Bptt bptt = new Bptt(s, kernel);
    double loss = bptt.forward(PreparedWeights.copyOf(p), w);
    ReferenceLstm.Forward ref = ReferenceLstm.forward(s, ReferenceLstm.toDoubles(p.data()),
        ReferenceLstm.toDoubles(w.h0()), ReferenceLstm.toDoubles(w.c0()), w.inputs(), w.targets(), w.labelled());
    float[] row = new float[Math.max(h, s.outputSize())];
    for (int t = 0; t < w.length(); t++) {
      bptt.copyHidden(t, row);
      Close.assertClose("h[" + t + "]", java.util.Arrays.copyOf(row, h), java.util.Arrays.copyOfRange(ref.h(), t * h, (t + 1) * h), ABS, REL);
      bptt.copyCell(t, row);
      Close.assertClose("c[" + t + "]", java.util.Arrays.copyOf(row, h), java.util.Arrays.copyOfRange(ref.c(), t * h, (t + 1) * h), ABS, REL);
      bptt.copyOutput(t, row);
      int kk = s.outputSize();
      Close.assertClose("y[" + t + "]", java.util.Arrays.copyOf(row, kk), java.util.Arrays.copyOfRange(ref.y(), t * kk, (t + 1) * kk), ABS, REL);
    }
    Close.assertClose("loss", loss, ref.loss(), ABS, REL);
  }

  @Test
  void nonFiniteInputIsRefusedBeforeTheStateChanges() {
    ModelSpec s = new ModelSpec(4, 9, 2, Task.MULTICLASS);
    Model model = Model.of(Init.uniform(s, 3), 1, 0, 0);
    for (LstmKernel kernel : kernels()) {
      float[] h = new float[9];
      float[] c = new float[9];
      h[0] = 0.25f;
      float[] x = {0.1f, 0.2f, Float.NaN, 0.4f};
      assertThatThrownBy(() -> kernel.step(model, x, 0, h, c, null, null, kernel.newWorkspace(s)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x[2]").hasMessageContaining("NaN");
      assertThat(h[0]).isEqualTo(0.25f);
      float[] xb = new float[3 * 4];
      xb[2 * 4 + 1] = Float.POSITIVE_INFINITY;
      float[] hb = new float[3 * 9];
      float[] cb = new float[3 * 9];
      assertThatThrownBy(() -> kernel.stepBatch(model, 3, xb, hb, cb, null, kernel.newBatchWorkspace(s, 3)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entity 2, index 1")
          .hasMessageContaining("Infinity");
      assertThat(hb).containsOnly(0f);
    }
  }

  @Test
  void workspaceOfAnotherShapeIsRefused() {
    ModelSpec s = new ModelSpec(4, 9, 1, Task.BINARY);
    ModelSpec other = new ModelSpec(4, 10, 1, Task.BINARY);
    Model model = Model.of(Init.uniform(s, 3), 1, 0, 0);
    for (LstmKernel kernel : kernels()) {
      assertThatThrownBy(() -> kernel.step(model, new float[4], 0, new float[9], new float[9], null, null,
          kernel.newWorkspace(other))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workspace");
    }
  }

  static java.util.List<LstmKernel> kernels() {
    return LstmKernels.vectorAvailable() ? java.util.List.of(LstmKernels.scalar(), LstmKernels.vector())
        : java.util.List.of(LstmKernels.scalar());
  }
}
