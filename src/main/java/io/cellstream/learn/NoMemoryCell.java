package io.cellstream.learn;

import io.cellstream.lstm.Head;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Window;

/**
 * The memoryless baseline: the dense head on the current event's features only, {@code y = head(W x + b)} —
 * logistic (binary), softmax (multiclass) or linear (regression) regression — with W (K, D) row-major then
 * b (K) in one buffer, zero-initialised. No state at all; of a window only the labelled steps' own inputs
 * matter (run it with one BPTT step).
 */
public final class NoMemoryCell implements Cell<float[]> {

  private final ModelSpec spec;
  private final int d;
  private final int k;
  private final float[] zStep; // (K) step scratch

  /** @param spec D, K and the task; its H is ignored */
  public NoMemoryCell(ModelSpec spec) {
    this.spec = spec;
    this.d = spec.inputSize();
    this.k = spec.outputSize();
    this.zStep = new float[k];
  }

  @Override
  public String kind() {
    return "nomemory";
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public int parameterCount() {
    return k * d + k;
  }

  @Override
  public int hiddenStateSize() {
    return 0;
  }

  @Override
  public int cellStateSize() {
    return 0;
  }

  @Override
  public boolean hasGates() {
    return false;
  }

  /** Zeros: a convex model needs no symmetry breaking, and every seed then starts the same. */
  @Override
  public void initialize(float[] params, long seed) {
    java.util.Arrays.fill(params, 0f);
  }

  @Override
  public float[] publish(float[] params) {
    return params.clone();
  }

  @Override
  public void step(float[] p, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y) {
    WindowChecks.finite(x, xOffset, d, "x");
    forward(p, x, xOffset, zStep, y);
  }

  private void forward(float[] p, float[] x, int off, float[] z, float[] y) {
    for (int i = 0; i < k; i++) {
      float s = p[k * d + i];
      for (int j = 0; j < d; j++) {
        s += p[i * d + j] * x[off + j];
      }
      z[i] = s;
    }
    Head.activate(spec.task(), z, 0, y, 0, k);
  }

  @Override
  public void checkWindow(Window window) {
    WindowChecks.validate(window, d, 0, 0, k);
  }

  @Override
  public Backprop backprop(float[] params) {
    return new Backprop() {
      private final float[] z = new float[k];
      private final float[] y = new float[k];
      private final float[] dz = new float[k];

      @Override
      public double accumulate(Window w, float[] grads) {
        WindowChecks.validate(w, d, 0, 0, k);
        double loss = 0;
        for (int t = 0; t < w.length(); t++) {
          if (!w.labelled()[t]) {
            continue;
          }
          int xOff = t * d;
          forward(params, w.inputs(), xOff, z, y);
          loss += Head.loss(spec.task(), z, 0, w.targets(), t * k, k);
          Head.lossGradient(spec.task(), y, 0, w.targets(), t * k, dz, 0, k);
          for (int i = 0; i < k; i++) {
            grads[k * d + i] += dz[i];
            for (int j = 0; j < d; j++) {
              grads[i * d + j] += dz[i] * w.inputs()[xOff + j];
            }
          }
        }
        return loss;
      }

      @Override
      public void parametersChanged() {}
    };
  }

  @Override
  public String describe() {
    return switch (spec.task()) {
      case BINARY -> "logistic regression";
      case MULTICLASS -> "softmax regression";
      case REGRESSION -> "linear regression";
    } + " on the current event";
  }
}
