package io.cellstream.learn;

import io.cellstream.lstm.Head;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Window;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A vanilla (Elman) RNN with the LSTM's dense head — the baseline that shows what the LSTM's cell state buys.
 * Forward and backward as a pair over one flat buffer (gradients and Adam's moments share the layout):
 *
 * <pre>
 *   a_t = W [x_t ; h_{t-1}] + b        W (H, D+H) row-major, row r = [W_x[r, 0..D) | W_h[r, 0..H)]; b (H)
 *   h_t = tanh(a_t)
 *   y_t = head(W_y h_t + b_y)          W_y (K, H), b_y (K); head and loss as the LSTM's ({@link Head})
 *
 *   layout: W at 0, b at H(D+H), W_y at H(D+H)+H, b_y at H(D+H)+H+KH; size H(D+H)+H+KH+K
 * </pre>
 *
 * No cell state (c is empty). Published weights are a copy of the buffer.
 */
public final class RnnCell implements Cell<float[]> {

  private final ModelSpec spec;
  private final int d;
  private final int h;
  private final int k;
  private final int cols;
  private final int bOff;
  private final int wyOff;
  private final int byOff;
  private final int size;
  private final float[] hNew;    // (H) step scratch: h is read while h' is written
  private final float[] logits;  // (K)

  public RnnCell(ModelSpec spec) {
    this.spec = spec;
    d = spec.inputSize();
    h = spec.hiddenSize();
    k = spec.outputSize();
    cols = d + h;
    bOff = h * cols;
    wyOff = bOff + h;
    byOff = wyOff + k * h;
    size = byOff + k;
    hNew = new float[h];
    logits = new float[k];
  }

  public static int parameterCount(ModelSpec s) {
    int h = s.hiddenSize();
    return h * (s.inputSize() + h) + h + s.outputSize() * h + s.outputSize();
  }

  @Override
  public String kind() {
    return "rnn";
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public int parameterCount() {
    return size;
  }

  @Override
  public int hiddenStateSize() {
    return h;
  }

  @Override
  public int cellStateSize() {
    return 0;
  }

  @Override
  public boolean hasGates() {
    return false;
  }

  /** PyTorch's nn.RNN and nn.Linear(H, K) initialisation: every parameter uniform in ±1/√H. */
  @Override
  public void initialize(float[] p, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float bound = (float) (1 / Math.sqrt(h));
    for (int i = 0; i < size; i++) {
      p[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
    }
  }

  @Override
  public float[] publish(float[] params) {
    return params.clone();
  }

  @Override
  public void step(float[] p, float[] x, int xOffset, float[] hs, float[] c, float[] gates, float[] y) {
    WindowChecks.finite(x, xOffset, d, "x");
    recur(p, x, xOffset, hs, 0, hNew, 0);
    System.arraycopy(hNew, 0, hs, 0, h);
    head(p, hs, 0, logits, 0, y, 0);
  }

  /** {@code out[oOff..+H) = tanh(W [x ; hPrev] + b)}; {@code out} must not alias {@code hPrev}. */
  private void recur(float[] p, float[] x, int xOff, float[] hPrev, int hOff, float[] out, int oOff) {
    for (int r = 0; r < h; r++) {
      int row = r * cols;
      float a = p[bOff + r];
      for (int j = 0; j < d; j++) {
        a += p[row + j] * x[xOff + j];
      }
      for (int j = 0; j < h; j++) {
        a += p[row + d + j] * hPrev[hOff + j];
      }
      out[oOff + r] = (float) Math.tanh(a);
    }
  }

  /** z = W_y h + b_y into {@code z[zOff..+K)}, y = act(z) into {@code y[yOff..+K)}. */
  private void head(float[] p, float[] hs, int hOff, float[] z, int zOff, float[] y, int yOff) {
    for (int i = 0; i < k; i++) {
      float s = p[byOff + i];
      int row = wyOff + i * h;
      for (int j = 0; j < h; j++) {
        s += p[row + j] * hs[hOff + j];
      }
      z[zOff + i] = s;
    }
    Head.activate(spec.task(), z, zOff, y, yOff, k);
  }

  @Override
  public void checkWindow(Window window) {
    WindowChecks.validate(window, d, h, 0, k);
  }

  @Override
  public Backprop backprop(float[] params) {
    if (params.length != size) {
      throw new IllegalArgumentException("RNN needs " + size + " parameters, got " + params.length);
    }
    return new Backprop() {
      private float[] hs = new float[0];   // (T, H) h_t after each step
      private final float[] z = new float[k];
      private final float[] y = new float[k];
      private final float[] dz = new float[k];
      private final float[] dh = new float[h];
      private final float[] da = new float[h];
      private final float[] dhNext = new float[h];

      @Override
      public double accumulate(Window w, float[] grads) {
        WindowChecks.validate(w, d, h, 0, k);
        int n = w.length();
        if (hs.length < n * h) {
          hs = new float[n * h];
        }
        float[] p = params;
        float[] xs = w.inputs();
        for (int t = 0; t < n; t++) {
          recur(p, xs, t * d, t == 0 ? w.h0() : hs, t == 0 ? 0 : (t - 1) * h, hs, t * h);
        }
        double loss = 0;
        Arrays.fill(dhNext, 0f);
        for (int t = n - 1; t >= 0; t--) {
          int ht = t * h;
          System.arraycopy(dhNext, 0, dh, 0, h);
          if (w.labelled()[t]) {
            head(p, hs, ht, z, 0, y, 0);
            loss += Head.loss(spec.task(), z, 0, w.targets(), t * k, k);
            Head.lossGradient(spec.task(), y, 0, w.targets(), t * k, dz, 0, k);
            for (int i = 0; i < k; i++) {
              float g = dz[i];
              int row = wyOff + i * h;
              grads[byOff + i] += g;
              for (int j = 0; j < h; j++) {
                grads[row + j] += g * hs[ht + j];
                dh[j] += p[row + j] * g;
              }
            }
          }
          for (int r = 0; r < h; r++) { // through tanh: da = dh ⊙ (1 − h_t²)
            float hv = hs[ht + r];
            da[r] = dh[r] * (1 - hv * hv);
          }
          float[] prev = t == 0 ? w.h0() : hs;
          int pOff = t == 0 ? 0 : (t - 1) * h;
          int xOff = t * d;
          Arrays.fill(dhNext, 0f);
          for (int r = 0; r < h; r++) {
            float g = da[r];
            int row = r * cols;
            grads[bOff + r] += g;
            for (int j = 0; j < d; j++) {
              grads[row + j] += g * xs[xOff + j];
            }
            for (int j = 0; j < h; j++) {
              grads[row + d + j] += g * prev[pOff + j];
              dhNext[j] += p[row + d + j] * g;
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
    return "vanilla RNN (tanh), dense " + spec.task().id() + " head";
  }
}
