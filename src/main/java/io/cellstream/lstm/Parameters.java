package io.cellstream.lstm;

import java.util.Arrays;

/**
 * All parameters of a model in one flat float32 buffer, with named views given as offsets. Gradients and
 * Adam's moments use the very same layout, so an update is one flat loop (as in llm.c).
 *
 * <pre>
 * W   (4H, D+H)  gate weights, row-major; row r = [W_x[r, 0..D) | W_h[r, 0..H)];
 *                rows 0..H-1 input gate i, H..2H-1 forget f, 2H..3H-1 candidate g, 3H..4H-1 output o
 * b   (4H)       one bias per gate row (PyTorch's b_ih + b_hh)
 * Wy  (K, H)     head weights
 * by  (K)        head bias
 * </pre>
 */
public final class Parameters {

  private final ModelSpec spec;
  private final float[] data;

  public Parameters(ModelSpec spec) {
    this(spec, new float[count(spec)]);
  }

  /** Wraps {@code data} (not copied); its length must be {@link #count(ModelSpec)}. */
  public Parameters(ModelSpec spec, float[] data) {
    if (data.length != count(spec)) {
      throw new IllegalArgumentException(
          "parameter buffer for " + spec + " needs " + count(spec) + " floats, got " + data.length);
    }
    this.spec = spec;
    this.data = data;
  }

  /** Number of floats for a model of this shape. */
  public static int count(ModelSpec s) {
    return s.gateRows() * s.gateCols() + s.gateRows() + s.outputSize() * s.hiddenSize() + s.outputSize();
  }

  public ModelSpec spec() {
    return spec;
  }

  /** The flat buffer itself (not a copy). */
  public float[] data() {
    return data;
  }

  public int size() {
    return data.length;
  }

  /** Offset of W (4H, D+H). */
  public int wOffset() {
    return 0;
  }

  /** Offset of b (4H). */
  public int bOffset() {
    return spec.gateRows() * spec.gateCols();
  }

  /** Offset of Wy (K, H). */
  public int wyOffset() {
    return bOffset() + spec.gateRows();
  }

  /** Offset of by (K). */
  public int byOffset() {
    return wyOffset() + spec.outputSize() * spec.hiddenSize();
  }

  /** W[row, col] where col < D reads W_x and col >= D reads W_h[row, col - D]. */
  public float w(int row, int col) {
    return data[row * spec.gateCols() + col];
  }

  public Parameters copy() {
    return new Parameters(spec, data.clone());
  }

  public void zero() {
    Arrays.fill(data, 0f);
  }

  /** True when every parameter is finite (no NaN, no infinity). */
  public boolean allFinite() {
    for (float v : data) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
