package io.cellstream.lstm;

import java.util.Arrays;

/**
 * Truncated backpropagation through time over one {@link Window}, as a forward/backward pair in the
 * manner of llm.c: {@link #forward} runs the window with the kernel and keeps every activation the
 * backward pass needs; {@link #backward} ADDS d loss/d parameter into a gradient buffer in the
 * {@link Parameters} layout (so windows of a minibatch accumulate by calling it once each), and
 * d loss/d h0, d loss/d c0 into their buffers.
 *
 * <p>The loss is summed over the labelled steps (see {@link Head} for the per-task loss). One instance
 * per thread; it grows its buffers to the longest window seen and then allocates nothing.
 */
public final class Bptt {

  private final ModelSpec spec;
  private final LstmKernel kernel;
  private final StepWorkspace ws;

  // activations of the last forward pass; capacity = longest window so far
  private int capacity;
  private float[] hs;    // (T+1, H)  hs[0] = h0, hs[t+1] = h after step t
  private float[] cs;    // (T+1, H)  cs[0] = c0, cs[t+1] = c after step t
  private float[] gates; // (T, 4H)   i, f, g, o after their nonlinearity
  private float[] ys;    // (T, K)    head outputs
  private float[] xhs;   // (T, D+H)  [x_t | h_{t-1}], the gate matrix's input at each step
  private float[] dzs;   // (T, 4H)   d loss / d gate pre-activations at each step (backward)

  // per-step scratch
  private final float[] hStep;   // (H)
  private final float[] cStep;   // (H)
  private final float[] gateRow; // (4H)   one step's gates, forward scratch
  private final float[] dh;      // (H)    d loss / d h_t
  private final float[] dhNext;  // (H)    d loss / d h_{t-1}, carried backwards
  private final float[] dcNext;  // (H)    d loss / d c_{t-1}, carried backwards
  private final float[] dLogits; // (K)

  private PreparedWeights weights;
  private Window window;
  private int steps;
  private double loss = Double.NaN;

  public Bptt(ModelSpec spec, LstmKernel kernel) {
    this.spec = spec;
    this.kernel = kernel;
    this.ws = kernel.newWorkspace(spec);
    int h = spec.hiddenSize();
    this.hStep = new float[h];
    this.cStep = new float[h];
    this.gateRow = new float[spec.gateRows()];
    this.dh = new float[h];
    this.dhNext = new float[h];
    this.dcNext = new float[h];
    this.dLogits = new float[spec.outputSize()];
    grow(16);
  }

  public ModelSpec spec() {
    return spec;
  }

  private void grow(int t) {
    if (t <= capacity) {
      return;
    }
    capacity = Math.max(t, 2 * capacity);
    int h = spec.hiddenSize();
    hs = new float[(capacity + 1) * h];
    cs = new float[(capacity + 1) * h];
    gates = new float[capacity * 4 * h];
    ys = new float[capacity * spec.outputSize()];
    xhs = new float[capacity * spec.gateCols()];
    dzs = new float[capacity * 4 * h];
  }

  /**
   * Runs the window from (h0, c0) with {@code w} and returns its loss (summed over labelled steps, 0
   * when none is labelled). Refuses (IllegalArgumentException) a window of the wrong shape or with a
   * non-finite input or labelled target.
   */
  public double forward(PreparedWeights w, Window win) {
    if (!w.spec().equals(spec)) {
      throw new IllegalArgumentException("weights of " + w.spec() + " given to BPTT for " + spec);
    }
    win.validate(spec);
    int t = win.length();
    int h = spec.hiddenSize();
    int d = spec.inputSize();
    int k = spec.outputSize();
    grow(t);
    System.arraycopy(win.h0(), 0, hs, 0, h);
    System.arraycopy(win.c0(), 0, cs, 0, h);
    System.arraycopy(win.h0(), 0, hStep, 0, h);
    System.arraycopy(win.c0(), 0, cStep, 0, h);
    float[] yRow = dLogits; // (K) scratch; dLogits is only used by backward
    double sum = 0;
    int cols = d + h;
    for (int s = 0; s < t; s++) {
      System.arraycopy(win.inputs(), s * d, xhs, s * cols, d);
      System.arraycopy(hStep, 0, xhs, s * cols + d, h);
      kernel.step(w, win.inputs(), s * d, hStep, cStep, gateRow, yRow, ws);
      System.arraycopy(hStep, 0, hs, (s + 1) * h, h);
      System.arraycopy(cStep, 0, cs, (s + 1) * h, h);
      System.arraycopy(gateRow, 0, gates, s * 4 * h, 4 * h);
      System.arraycopy(yRow, 0, ys, s * k, k);
      if (win.labelled()[s]) {
        sum += Head.loss(spec.task(), ws.logits, 0, win.targets(), s * k, k);
      }
    }
    this.weights = w;
    this.window = win;
    this.steps = t;
    this.loss = sum;
    return sum;
  }

  /**
   * Adds the gradients of the last forward pass's loss: into {@code grads} (Parameters layout), and into
   * {@code dh0}, {@code dc0} (H each; either may be null when not wanted).
   */
  public void backward(float[] grads, float[] dh0, float[] dc0) {
    if (window == null) {
      throw new IllegalStateException("backward before forward");
    }
    if (grads.length != weights.params.length) {
      throw new IllegalArgumentException(
          "gradient buffer needs " + weights.params.length + " floats, got " + grads.length);
    }
    float[] p = weights.params;
    int h = spec.hiddenSize();
    int d = spec.inputSize();
    int k = spec.outputSize();
    int cols = d + h;
    int rows = 4 * h;
    int bOff = rows * cols;
    int wyOff = bOff + rows;
    int byOff = wyOff + k * h;
    float[] targets = window.targets();
    boolean[] labelled = window.labelled();
    Arrays.fill(dhNext, 0f);
    Arrays.fill(dcNext, 0f);

    for (int s = steps - 1; s >= 0; s--) {
      int hCur = (s + 1) * h; // h_t, c_t
      int hPrev = s * h;      // h_{t-1}, c_{t-1}
      System.arraycopy(dhNext, 0, dh, 0, h);

      // head: logits = Wy h_t + by; dlogits from the loss at labelled steps
      if (labelled[s]) {
        Head.lossGradient(spec.task(), ys, s * k, targets, s * k, dLogits, 0, k);
        kernel.addOuter(dLogits, 0, k, hs, hCur, h, grads, wyOff, h); // dWy (K, H) += dlogits ⊗ h_t
        for (int o = 0; o < k; o++) {
          grads[byOff + o] += dLogits[o];
        }
        kernel.addTransposedProduct(p, wyOff, h, k, h, dLogits, 0, dh, 0); // dh += Wyᵀ dlogits
      }

      // cell: h = o⊙tanh(c), c = f⊙c_prev + i⊙g; then through the gate nonlinearities
      int g0 = s * 4 * h;
      float[] dz = dzs; // row s: (4H)
      for (int u = 0; u < h; u++) {
        float ig = gates[g0 + u];
        float fg = gates[g0 + h + u];
        float gg = gates[g0 + 2 * h + u];
        float og = gates[g0 + 3 * h + u];
        // tanh(c_t) = h_t / o_t: the forward pass's own value, without another tanh; recomputed only
        // where o is too small for the quotient to be accurate
        float tc = og > 1e-3f ? hs[hCur + u] / og : Activations.tanh(cs[hCur + u]);
        float dO = dh[u] * tc;
        float dC = dcNext[u] + dh[u] * og * (1f - tc * tc);
        dcNext[u] = dC * fg; // d/dc_{t-1}
        dz[g0 + u] = dC * gg * ig * (1f - ig);
        dz[g0 + h + u] = dC * cs[hPrev + u] * fg * (1f - fg);
        dz[g0 + 2 * h + u] = dC * ig * (1f - gg * gg);
        dz[g0 + 3 * h + u] = dO * og * (1f - og);
      }
      for (int r = 0; r < rows; r++) {
        grads[bOff + r] += dz[g0 + r]; // db += dz
      }
      // d/dh_{t-1} = W_hᵀ dz, W_h being columns [D, D+H) of W
      Arrays.fill(dhNext, 0f);
      kernel.addTransposedProduct(p, d, cols, rows, h, dz, g0, dhNext, 0);
    }
    // gate weights, once for the whole window: dW (4H, D+H) += Σ_t dz_t ⊗ [x_t | h_{t-1}]
    kernel.addOuterSum(steps, dzs, 0, rows, rows, xhs, 0, cols, cols, grads, 0, cols);
    if (dh0 != null) {
      for (int u = 0; u < h; u++) {
        dh0[u] += dhNext[u];
      }
    }
    if (dc0 != null) {
      for (int u = 0; u < h; u++) {
        dc0[u] += dcNext[u];
      }
    }
  }

  /** Loss of the last forward pass. */
  public double loss() {
    return loss;
  }

  /** Steps of the last forward pass. */
  public int steps() {
    return steps;
  }

  /** h after step {@code t} of the last forward pass, copied into {@code dst} (H). */
  public void copyHidden(int t, float[] dst) {
    System.arraycopy(hs, (checkStep(t) + 1) * spec.hiddenSize(), dst, 0, spec.hiddenSize());
  }

  /** c after step {@code t} of the last forward pass, copied into {@code dst} (H). */
  public void copyCell(int t, float[] dst) {
    System.arraycopy(cs, (checkStep(t) + 1) * spec.hiddenSize(), dst, 0, spec.hiddenSize());
  }

  /** Head output of step {@code t} of the last forward pass, copied into {@code dst} (K). */
  public void copyOutput(int t, float[] dst) {
    System.arraycopy(ys, checkStep(t) * spec.outputSize(), dst, 0, spec.outputSize());
  }

  private int checkStep(int t) {
    if (t < 0 || t >= steps) {
      throw new IndexOutOfBoundsException("step " + t + " of a window of " + steps);
    }
    return t;
  }
}
