package io.cellstream.eval;

import io.cellstream.lstm.Bptt;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.PreparedWeights;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.lstm.Window;

/**
 * The service's LSTM (the engine's kernels and BPTT, the same initialisation) as a {@link RecurrentCell}, so
 * that it runs in-process under the very same {@link RecurrentLearner} as the vanilla RNN: same window, same
 * minibatches, same Adam, same clipping. That makes the lag sweep a comparison of the cells and nothing else.
 *
 * <p>State: h then c (2H floats). Parameters: the engine's flat layout ({@link Parameters}).
 */
public final class LstmCell implements RecurrentCell {

  private final ModelSpec spec;
  private final float forgetBias;
  private final LstmKernel kernel;
  private final StepWorkspace ws;
  private final Bptt bptt;
  private final float[] h;       // (H) scratch: the kernel updates h, c in place
  private final float[] c;       // (H)
  private final float[] logits;  // (K)
  private PreparedWeights weights;

  public LstmCell(ModelSpec spec, float forgetBias) {
    this(spec, forgetBias, LstmKernels.get());
  }

  public LstmCell(ModelSpec spec, float forgetBias, LstmKernel kernel) {
    this.spec = spec;
    this.forgetBias = forgetBias;
    this.kernel = kernel;
    this.ws = kernel.newWorkspace(spec);
    this.bptt = new Bptt(spec, kernel);
    this.h = new float[spec.hiddenSize()];
    this.c = new float[spec.hiddenSize()];
    this.logits = new float[spec.outputSize()];
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public int parameterCount() {
    return Parameters.count(spec);
  }

  @Override
  public int stateSize() {
    return 2 * spec.hiddenSize();
  }

  @Override
  public void initialize(float[] params, long seed) {
    float[] init = Init.uniform(spec, seed, forgetBias).data();
    System.arraycopy(init, 0, params, 0, init.length);
  }

  @Override
  public void parametersChanged(float[] params) {
    weights = PreparedWeights.copyOf(new Parameters(spec, params));
  }

  @Override
  public void step(float[] params, float[] x, float[] stateIn, float[] stateOut) {
    int hs = spec.hiddenSize();
    System.arraycopy(stateIn, 0, h, 0, hs);
    System.arraycopy(stateIn, hs, c, 0, hs);
    kernel.step(weights, x, 0, h, c, null, null, ws);
    System.arraycopy(h, 0, stateOut, 0, hs);
    System.arraycopy(c, 0, stateOut, hs, hs);
  }

  @Override
  public void output(float[] params, float[] state, float[] out) {
    // y = act(Wy h + by); Wy (K, H) and by (K) sit at the end of the flat buffer.
    int hs = spec.hiddenSize();
    int k = spec.outputSize();
    Parameters p = new Parameters(spec, params);
    int wy = p.wyOffset();
    int by = p.byOffset();
    for (int o = 0; o < k; o++) {
      float z = params[by + o];
      for (int j = 0; j < hs; j++) {
        z += params[wy + o * hs + j] * state[j];
      }
      logits[o] = z;
    }
    Head.activate(spec.task(), logits, out, k);
  }

  @Override
  public double windowGradient(float[] params, float[] state0, float[] xs, int n, float target, float[] grads) {
    int hs = spec.hiddenSize();
    int d = spec.inputSize();
    int k = spec.outputSize();
    float[] h0 = new float[hs];
    float[] c0 = new float[hs];
    System.arraycopy(state0, 0, h0, 0, hs);
    System.arraycopy(state0, hs, c0, 0, hs);
    float[] inputs = new float[n * d];
    System.arraycopy(xs, 0, inputs, 0, n * d);
    float[] targets = new float[n * k];      // (n, K); only the last row is read
    switch (spec.task()) {
      case MULTICLASS -> targets[(n - 1) * k + (int) target] = 1f;
      case BINARY, REGRESSION -> targets[(n - 1) * k] = target;
    }
    boolean[] labelled = new boolean[n];
    labelled[n - 1] = true;
    double loss = bptt.forward(weights, new Window(h0, c0, inputs, targets, labelled));
    bptt.backward(grads, null, null);
    return loss;
  }

  @Override
  public String describe() {
    return "LSTM (cellstream engine, " + kernel.name() + " kernel), forget bias " + forgetBias + ", dense "
        + spec.task().id() + " head";
  }
}
