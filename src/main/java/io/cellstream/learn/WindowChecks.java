package io.cellstream.learn;

import io.cellstream.lstm.Window;

/** Shape and finiteness checks of a window for cells other than the LSTM (whose {@link Window#validate} applies). */
final class WindowChecks {

  private WindowChecks() {}

  /** Refuses (IllegalArgumentException) a window that does not fit D, |h|, |c|, K or holds a non-finite value. */
  static void validate(Window w, int d, int hSize, int cSize, int k) {
    int t = w.length();
    if (t < 1) {
      throw new IllegalArgumentException("a window needs at least one step");
    }
    if (w.h0().length != hSize || w.c0().length != cSize) {
      throw new IllegalArgumentException("h0/c0 must have " + hSize + "/" + cSize + " floats, got "
          + w.h0().length + "/" + w.c0().length);
    }
    if (w.inputs().length != t * d) {
      throw new IllegalArgumentException("inputs must be (T=" + t + ", D=" + d + "), got " + w.inputs().length + " floats");
    }
    if (w.targets().length != t * k) {
      throw new IllegalArgumentException("targets must be (T=" + t + ", K=" + k + "), got " + w.targets().length + " floats");
    }
    finite(w.h0(), 0, hSize, "h0");
    finite(w.inputs(), 0, t * d, "inputs");
    for (int s = 0; s < t; s++) {
      if (w.labelled()[s]) {
        finite(w.targets(), s * k, k, "targets[" + s + "]");
      }
    }
  }

  static void finite(float[] a, int off, int n, String what) {
    for (int i = 0; i < n; i++) {
      if (!Float.isFinite(a[off + i])) {
        throw new IllegalArgumentException(what + "[" + i + "] is " + a[off + i]);
      }
    }
  }
}
