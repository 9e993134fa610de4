package io.cellstream.lstm;

/**
 * One training example of truncated BPTT: T consecutive steps of one entity, starting from the state
 * (h0, c0) it had before the first of them, with a target at the labelled steps.
 *
 * <pre>
 * h0, c0    (H)
 * inputs    (T, D) row-major
 * targets   (T, K) row-major; only rows with labelled[t] are read (0/1, one-hot, or values)
 * labelled  (T)    which steps contribute to the loss
 * </pre>
 *
 * The arrays are not copied; do not change them while the window is in use.
 */
public record Window(float[] h0, float[] c0, float[] inputs, float[] targets, boolean[] labelled) {

  public Window {
    if (h0 == null || c0 == null || inputs == null || targets == null || labelled == null) {
      throw new IllegalArgumentException("a window needs h0, c0, inputs, targets and labelled (none null)");
    }
  }

  /** Number of steps T. */
  public int length() {
    return labelled.length;
  }

  /** Number of labelled steps. */
  public int labelCount() {
    int n = 0;
    for (boolean b : labelled) {
      if (b) {
        n++;
      }
    }
    return n;
  }

  /** Checks the shapes against {@code spec} and that every input and labelled target is finite. */
  public void validate(ModelSpec spec) {
    int t = labelled.length;
    int d = spec.inputSize();
    int h = spec.hiddenSize();
    int k = spec.outputSize();
    if (t < 1) {
      throw new IllegalArgumentException("a window needs at least one step");
    }
    if (h0.length != h || c0.length != h) {
      throw new IllegalArgumentException(
          "h0/c0 must have H=" + h + " floats, got " + h0.length + "/" + c0.length);
    }
    if (inputs.length != t * d) {
      throw new IllegalArgumentException("inputs must be (T=" + t + ", D=" + d + "), got " + inputs.length + " floats");
    }
    if (targets.length != t * k) {
      throw new IllegalArgumentException("targets must be (T=" + t + ", K=" + k + "), got " + targets.length + " floats");
    }
    Inputs.requireFinite(h0, 0, h, "h0");
    Inputs.requireFinite(c0, 0, h, "c0");
    Inputs.requireFiniteRows(inputs, t, d, "inputs");
    for (int s = 0; s < t; s++) {
      if (labelled[s]) {
        Inputs.requireFinite(targets, s * k, k, "targets[" + s + "]");
      }
    }
  }
}
