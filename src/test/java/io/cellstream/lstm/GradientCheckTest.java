package io.cellstream.lstm;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * BPTT's gradients against central finite differences of the float64 {@link ReferenceLstm} loss, on
 * tiny random models of all three tasks with partial label masks: every parameter, h0 and c0.
 * The differences are taken in float64 (step 1e-6, truncation and rounding error below 1e-8), so the
 * comparison measures our float32 gradient: tolerance 1e-4 + 1e-3·|fd|.
 */
class GradientCheckTest {

  static final double ABS = 1e-4;
  static final double REL = 1e-3;
  static final double STEP = 1e-6;

  @Property(tries = 40)
  void bpttGradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 5) int d,
      @ForAll @IntRange(min = 1, max = 6) int h, @ForAll @IntRange(min = 1, max = 3) int k, @ForAll Task task,
      @ForAll @IntRange(min = 1, max = 6) int steps, @ForAll boolean vector, @ForAll long seed) {
    assumeTrue(!vector || LstmKernels.vectorAvailable());
    ModelSpec s = RandomModels.spec(d, h, k, task);
    LstmKernel kernel = vector ? LstmKernels.vector() : LstmKernels.scalar();
    Parameters p = RandomModels.params(s, seed, 1.5f);
    SplittableRandom r = new SplittableRandom(seed);
    Window w = RandomModels.window(r, s, steps, 0.5);

    Bptt bptt = new Bptt(s, kernel);
    bptt.forward(PreparedWeights.copyOf(p), w);
    float[] grads = new float[p.size()];
    float[] dh0 = new float[h];
    float[] dc0 = new float[h];
    bptt.backward(grads, dh0, dc0);

    double[] params = ReferenceLstm.toDoubles(p.data());
    double[] h0 = ReferenceLstm.toDoubles(w.h0());
    double[] c0 = ReferenceLstm.toDoubles(w.c0());
    double[] fdParams = new double[params.length];
    for (int i = 0; i < params.length; i++) {
      double keep = params[i];
      params[i] = keep + STEP;
      double up = loss(s, params, h0, c0, w);
      params[i] = keep - STEP;
      double down = loss(s, params, h0, c0, w);
      params[i] = keep;
      fdParams[i] = (up - down) / (2 * STEP);
    }
    Close.assertClose("d loss/d params (" + s + ", T=" + steps + ")", grads, fdParams, ABS, REL);
    Close.assertClose("d loss/d h0", dh0, fdState(s, params, h0, c0, w, true), ABS, REL);
    Close.assertClose("d loss/d c0", dc0, fdState(s, params, h0, c0, w, false), ABS, REL);
  }

  private static double[] fdState(ModelSpec s, double[] params, double[] h0, double[] c0, Window w, boolean ofH) {
    double[] v = ofH ? h0 : c0;
    double[] fd = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      double keep = v[i];
      v[i] = keep + STEP;
      double up = loss(s, params, h0, c0, w);
      v[i] = keep - STEP;
      double down = loss(s, params, h0, c0, w);
      v[i] = keep;
      fd[i] = (up - down) / (2 * STEP);
    }
    return fd;
  }

  private static double loss(ModelSpec s, double[] params, double[] h0, double[] c0, Window w) {
    return ReferenceLstm.forward(s, params, h0, c0, w.inputs(), w.targets(), w.labelled()).loss();
  }
}
