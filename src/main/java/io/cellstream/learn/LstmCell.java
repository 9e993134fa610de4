package io.cellstream.learn;

import io.cellstream.lstm.Bptt;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.PreparedWeights;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.lstm.Window;

/**
 * The service's LSTM as a {@link Cell}: the engine's kernels, BPTT and initialisation, parameters in the
 * engine's layout ({@link Parameters}: W (4H, D+H), b (4H), Wy (K, H), by (K)). Published weights are the
 * engine's {@link PreparedWeights} (with the packed copy the vector kernel reads), exactly what a
 * {@link Model} on the models topic carries.
 */
public final class LstmCell implements Cell<PreparedWeights> {

  private final ModelSpec spec;
  private final float forgetBias;
  private final LstmKernel kernel;
  private final StepWorkspace ws;

  public LstmCell(ModelSpec spec, float forgetBias) {
    this(spec, forgetBias, LstmKernels.get());
  }

  public LstmCell(ModelSpec spec, float forgetBias, LstmKernel kernel) {
    this.spec = spec;
    this.forgetBias = forgetBias;
    this.kernel = kernel;
    this.ws = kernel.newWorkspace(spec);
  }

  @Override
  public String kind() {
    return "lstm";
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  public LstmKernel kernel() {
    return kernel;
  }

  public float forgetBias() {
    return forgetBias;
  }

  @Override
  public int parameterCount() {
    return Parameters.count(spec);
  }

  @Override
  public int hiddenStateSize() {
    return spec.hiddenSize();
  }

  @Override
  public int cellStateSize() {
    return spec.hiddenSize();
  }

  @Override
  public boolean hasGates() {
    return true;
  }

  @Override
  public void initialize(float[] params, long seed) {
    float[] init = Init.uniform(spec, seed, forgetBias).data();
    System.arraycopy(init, 0, params, 0, init.length);
  }

  /** Through {@link Model#of}: the same copy, finiteness check and eager packing as a published version. */
  @Override
  public PreparedWeights publish(float[] params) {
    return Model.of(new Parameters(spec, params), 1, 0, 0).weights();
  }

  @Override
  public void step(PreparedWeights weights, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y) {
    kernel.step(weights, x, xOffset, h, c, gates, y, ws);
  }

  @Override
  public void checkWindow(Window window) {
    window.validate(spec);
  }

  @Override
  public Backprop backprop(float[] params) {
    PreparedWeights live = PreparedWeights.live(new Parameters(spec, params));
    Bptt bptt = new Bptt(spec, kernel);
    return new Backprop() {
      @Override
      public double accumulate(Window window, float[] grads) {
        double loss = bptt.forward(live, window);
        bptt.backward(grads, null, null);
        return loss;
      }

      @Override
      public void parametersChanged() {
        live.repack();
      }
    };
  }

  @Override
  public String describe() {
    return "LSTM (cellstream engine, " + kernel.name() + " kernel), forget bias " + forgetBias + ", dense "
        + spec.task().id() + " head";
  }
}
