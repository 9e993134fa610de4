package io.cellstream.lstm;

/**
 * The reference kernel: the math written out as it reads, one row dot product per gate pre-activation.
 * Also the fallback when jdk.incubator.vector is absent. Kept plain on purpose (see the tests that hold
 * the vector kernel to it).
 */
public final class ScalarLstmKernel implements LstmKernel {

  public static final ScalarLstmKernel INSTANCE = new ScalarLstmKernel();

  private ScalarLstmKernel() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public StepWorkspace newWorkspace(ModelSpec spec) {
    return new StepWorkspace(spec, 1);
  }

  private final ThreadLocal<StepWorkspace> perThread = new ThreadLocal<>();

  @Override
  public StepWorkspace threadWorkspace(ModelSpec spec) {
    StepWorkspace ws = perThread.get();
    if (ws == null || !ws.fits(spec)) {
      ws = newWorkspace(spec);
      perThread.set(ws);
    }
    return ws;
  }

  @Override
  public BatchWorkspace newBatchWorkspace(ModelSpec spec, int initialCapacity) {
    return new BatchWorkspace(spec, 1, initialCapacity);
  }

  @Override
  public void step(PreparedWeights w, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y,
      StepWorkspace ws) {
    ModelSpec s = w.spec();
    ws.check(s);
    int d = s.inputSize();
    int hs = s.hiddenSize();
    int k = s.outputSize();
    int cols = d + hs;
    if (xOffset < 0 || xOffset + d > x.length) {
      throw new IllegalArgumentException("x needs D=" + d + " floats from offset " + xOffset + ", has " + x.length);
    }
    Inputs.requireLength(h, hs, "h");
    Inputs.requireLength(c, hs, "c");
    Inputs.requireFinite(x, xOffset, d, "x");
    float[] p = w.params;
    int bOff = s.gateRows() * cols;
    int wyOff = bOff + s.gateRows();
    int byOff = wyOff + k * hs;

    // xh = [x | h]  (D+H)
    float[] xh = ws.xh;
    System.arraycopy(x, xOffset, xh, 0, d);
    System.arraycopy(h, 0, xh, d, hs);

    // z[r] = b[r] + W[r, :] · xh   (4H)
    float[] z = ws.z;
    for (int r = 0; r < 4 * hs; r++) {
      float sum = p[bOff + r];
      int row = r * cols;
      for (int j = 0; j < cols; j++) {
        sum += p[row + j] * xh[j];
      }
      z[r] = sum;
    }

    // gates and the cell update, unit by unit
    for (int u = 0; u < hs; u++) {
      float ig = Activations.sigmoid(z[u]);
      float fg = Activations.sigmoid(z[hs + u]);
      float gg = Activations.tanh(z[2 * hs + u]);
      float og = Activations.sigmoid(z[3 * hs + u]);
      float cNew = fg * c[u] + ig * gg;
      c[u] = cNew;
      h[u] = og * Activations.tanh(cNew);
      if (gates != null) {
        gates[u] = ig;
        gates[hs + u] = fg;
        gates[2 * hs + u] = gg;
        gates[3 * hs + u] = og;
      }
    }

    // head: logits = by + Wy h'   (K)
    float[] logits = ws.logits;
    for (int o = 0; o < k; o++) {
      float sum = p[byOff + o];
      int row = wyOff + o * hs;
      for (int j = 0; j < hs; j++) {
        sum += p[row + j] * h[j];
      }
      logits[o] = sum;
    }
    if (y != null) {
      Head.activate(s.task(), logits, 0, y, 0, k);
    }
  }

  /** The reference batch: the single step, entity by entity (the same arithmetic, so the same results). */
  @Override
  public void stepBatch(PreparedWeights w, int n, float[] x, float[] h, float[] c, float[] y, BatchWorkspace ws) {
    ModelSpec s = w.spec();
    ws.check(s);
    int d = s.inputSize();
    int hs = s.hiddenSize();
    int k = s.outputSize();
    Inputs.checkBatch(s, n, x, h, c, y);
    float[] hRow = ws.single.hNew; // (H) scratch rows; hNew/cPad are not used by the scalar step
    float[] cRow = ws.single.cPad;
    for (int e = 0; e < n; e++) {
      System.arraycopy(h, e * hs, hRow, 0, hs);
      System.arraycopy(c, e * hs, cRow, 0, hs);
      step(w, x, e * d, hRow, cRow, null, null, ws.single);
      System.arraycopy(hRow, 0, h, e * hs, hs);
      System.arraycopy(cRow, 0, c, e * hs, hs);
      if (y != null) {
        Head.activate(s.task(), ws.single.logits, 0, y, e * k, k);
      }
    }
  }

  @Override
  public void addOuter(float[] a, int aOff, int rows, float[] b, int bOff, int cols, float[] m, int mOff, int ld) {
    for (int r = 0; r < rows; r++) {
      float ar = a[aOff + r];
      int row = mOff + r * ld;
      for (int j = 0; j < cols; j++) {
        m[row + j] += ar * b[bOff + j];
      }
    }
  }

  @Override
  public void addOuterSum(int count, float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols,
      float[] m, int mOff, int ld) {
    for (int t = 0; t < count; t++) {
      addOuter(a, aOff + t * lda, rows, b, bOff + t * ldb, cols, m, mOff, ld);
    }
  }

  @Override
  public void addTransposedProduct(float[] m, int mOff, int ld, int rows, int cols, float[] a, int aOff,
      float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      float ar = a[aOff + r];
      int row = mOff + r * ld;
      for (int j = 0; j < cols; j++) {
        out[outOff + j] += ar * m[row + j];
      }
    }
  }
}
