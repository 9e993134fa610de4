package io.cellstream.lstm;

/** Cheap argument checks shared by the kernels and the trainer. */
final class Inputs {

  private Inputs() {}

  /**
   * Refuses a non-finite value in {@code a[off, off+len)} before it can poison a state or a gradient.
   * The message names the index within the row, so the stream layer can put it in a dead letter.
   */
  static void requireFinite(float[] a, int off, int len, String what) {
    for (int i = 0; i < len; i++) {
      if (!Float.isFinite(a[off + i])) {
        throw new IllegalArgumentException(what + "[" + i + "] is " + a[off + i] + ": non-finite input refused");
      }
    }
  }

  /** As {@link #requireFinite(float[], int, int, String)} for an (n, len) row-major block; names row and index. */
  static void requireFiniteRows(float[] a, int n, int len, String what) {
    for (int e = 0; e < n; e++) {
      int off = e * len;
      for (int i = 0; i < len; i++) {
        if (!Float.isFinite(a[off + i])) {
          throw new IllegalArgumentException(
              what + "[" + e + ", " + i + "] (entity " + e + ", index " + i + ") is " + a[off + i]
                  + ": non-finite input refused");
        }
      }
    }
  }

  static void requireLength(float[] a, int atLeast, String what) {
    if (a == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    if (a.length < atLeast) {
      throw new IllegalArgumentException(what + " needs at least " + atLeast + " floats, got " + a.length);
    }
  }

  /** Shapes of a batch step's arrays, then finiteness of every input row. */
  static void checkBatch(ModelSpec s, int n, float[] x, float[] h, float[] c, float[] y) {
    if (n < 0) {
      throw new IllegalArgumentException("batch size must be >= 0, got " + n);
    }
    requireLength(x, n * s.inputSize(), "x (n, D)");
    requireLength(h, n * s.hiddenSize(), "h (n, H)");
    requireLength(c, n * s.hiddenSize(), "c (n, H)");
    if (y != null) {
      requireLength(y, n * s.outputSize(), "y (n, K)");
    }
    requireFiniteRows(x, n, s.inputSize(), "x");
  }
}
