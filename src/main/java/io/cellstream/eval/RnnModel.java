package io.cellstream.eval;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import java.util.SplittableRandom;

/**
 * A vanilla (Elman) RNN cell with the LSTM's dense head: forward and backward as a pair, all parameters in
 * one flat buffer (gradients and Adam moments in the same layout).
 *
 * <pre>
 *   a_t = W [x_t ; h_{t-1}] + b        W (H, D+H) row-major, row r = [W_x[r, 0..D) | W_h[r, 0..H)]; b (H)
 *   h_t = tanh(a_t)
 *   y_t = head(W_y h_t + b_y)          W_y (K, H), b_y (K); head = sigmoid | softmax | identity
 *
 *   layout: W at 0, b at H(D+H), W_y at H(D+H)+H, b_y at H(D+H)+H+KH; size H(D+H)+H+KH+K
 * </pre>
 *
 * Not thread-safe (scratch buffers).
 */
public final class RnnModel implements RecurrentCell {

  private final ModelSpec spec;
  private final int d;
  private final int h;
  private final int k;
  private final int cols;
  private final int bOff;
  private final int wyOff;
  private final int byOff;
  private final int size;
  private final float[] logits;
  private final float[] y;
  private final float[] dLogits;
  private final float[] dh;
  private final float[] da;
  private final float[] dhNext;

  public RnnModel(ModelSpec spec) {
    this.spec = spec;
    d = spec.inputSize();
    h = spec.hiddenSize();
    k = spec.outputSize();
    cols = d + h;
    bOff = h * cols;
    wyOff = bOff + h;
    byOff = wyOff + k * h;
    size = byOff + k;
    logits = new float[k];
    y = new float[k];
    dLogits = new float[k];
    dh = new float[h];
    da = new float[h];
    dhNext = new float[h];
  }

  public static int parameterCount(ModelSpec s) {
    int h = s.hiddenSize();
    return h * (s.inputSize() + h) + h + s.outputSize() * h + s.outputSize();
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  public int size() {
    return size;
  }

  @Override
  public int parameterCount() {
    return size;
  }

  /** The RNN's state is h (H floats). */
  @Override
  public int stateSize() {
    return h;
  }

  @Override
  public void step(float[] p, float[] x, float[] stateIn, float[] stateOut) {
    step(p, x, 0, stateIn, 0, stateOut, 0);
  }

  @Override
  public void output(float[] p, float[] state, float[] out) {
    output(p, state, 0, out);
  }

  private float[] hsScratch = new float[0];
  private float[] targetScratch = new float[0];
  private boolean[] maskScratch = new boolean[0];

  @Override
  public double windowGradient(float[] p, float[] state0, float[] xs, int n, float target, float[] grads) {
    if (hsScratch.length < n * h) {
      hsScratch = new float[n * h];
      targetScratch = new float[n];
      maskScratch = new boolean[n];
    }
    forward(p, state0, xs, n, hsScratch);
    java.util.Arrays.fill(maskScratch, 0, n, false);
    maskScratch[n - 1] = true;
    targetScratch[n - 1] = target;
    return backward(p, state0, xs, n, hsScratch, targetScratch, maskScratch, grads, null);
  }

  @Override
  public String describe() {
    return "vanilla RNN (tanh), dense " + spec.task().id() + " head";
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

  /** One step: {@code hOut[oOff..+H) = tanh(W [x ; hPrev] + b)}. {@code hOut} must not alias {@code hPrev}. */
  public void step(float[] p, float[] x, int xOff, float[] hPrev, int hOff, float[] hOut, int oOff) {
    for (int r = 0; r < h; r++) {
      int row = r * cols;
      float a = p[bOff + r];
      for (int j = 0; j < d; j++) {
        a += p[row + j] * x[xOff + j];
      }
      for (int j = 0; j < h; j++) {
        a += p[row + d + j] * hPrev[hOff + j];
      }
      hOut[oOff + r] = (float) Math.tanh(a);
    }
  }

  /** The head on a hidden state: activated outputs into {@code out[0..K)}. */
  public void output(float[] p, float[] hs, int hOff, float[] out) {
    for (int i = 0; i < k; i++) {
      float z = p[byOff + i];
      int row = wyOff + i * h;
      for (int j = 0; j < h; j++) {
        z += p[row + j] * hs[hOff + j];
      }
      logits[i] = z;
    }
    Head.activate(spec.task(), logits, out, k);
  }

  /** Runs {@code n} steps from {@code h0}: {@code hs[t·H .. (t+1)·H)} = h_t for t in [0, n). */
  public void forward(float[] p, float[] h0, float[] xs, int n, float[] hs) {
    for (int t = 0; t < n; t++) {
      if (t == 0) {
        step(p, xs, 0, h0, 0, hs, 0);
      } else {
        step(p, xs, t * d, hs, (t - 1) * h, hs, t * h);
      }
    }
  }

  /**
   * Backpropagation through the {@code n} steps of a {@link #forward} pass: the loss is summed over the
   * steps with {@code labelled[t]} (target {@code targets[t]}). <em>Adds</em> d loss / d parameters into
   * {@code grads} and writes d loss / d h0 into {@code dh0} (when not null). Returns the loss.
   */
  public double backward(float[] p, float[] h0, float[] xs, int n, float[] hs, float[] targets,
      boolean[] labelled, float[] grads, float[] dh0) {
    Task task = spec.task();
    double loss = 0;
    java.util.Arrays.fill(dhNext, 0f);
    for (int t = n - 1; t >= 0; t--) {
      int ht = t * h;
      System.arraycopy(dhNext, 0, dh, 0, h);
      if (labelled[t]) {
        // head: z = W_y h_t + b_y ; y = act(z)
        output(p, hs, ht, y);
        loss += Head.loss(task, y, targets[t], k);
        Head.gradient(task, y, targets[t], dLogits, k);
        for (int i = 0; i < k; i++) {
          float g = dLogits[i];
          int row = wyOff + i * h;
          grads[byOff + i] += g;
          for (int j = 0; j < h; j++) {
            grads[row + j] += g * hs[ht + j];
            dh[j] += p[row + j] * g;
          }
        }
      }
      // through tanh: da = dh ⊙ (1 − h_t²)
      for (int r = 0; r < h; r++) {
        float hv = hs[ht + r];
        da[r] = dh[r] * (1 - hv * hv);
      }
      float[] prev = t == 0 ? h0 : hs;
      int pOff = t == 0 ? 0 : (t - 1) * h;
      int xOff = t * d;
      java.util.Arrays.fill(dhNext, 0f);
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
    if (dh0 != null) {
      System.arraycopy(dhNext, 0, dh0, 0, h);
    }
    return loss;
  }
}
