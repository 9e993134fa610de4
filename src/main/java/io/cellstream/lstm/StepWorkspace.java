package io.cellstream.lstm;

/**
 * Scratch memory for single-entity steps of one model shape, so that a step allocates nothing. Not
 * thread-safe: keep one per thread (e.g. one per stream processor), or use the kernel's thread-local one.
 * Get one from {@link LstmKernel#newWorkspace(ModelSpec)}.
 */
public final class StepWorkspace {

  final int inputSize;
  final int hiddenSize;
  final int outputSize;
  final int hPad;       // H rounded up to the kernel's lane width
  final float[] xh;     // (D+H)   [x | h]
  final float[] z;      // (4H)    gate pre-activations, scalar path
  final float[] cPad;   // (hPad)  c, then c'; lanes past H stay 0
  final float[] hNew;   // (hPad)  h' (h is still read while h' is written)
  final float[] gates;  // (4, hPad) i, f, g, o after their nonlinearity
  final float[] logits; // (K)     head pre-activation

  StepWorkspace(ModelSpec spec, int laneWidth) {
    this.inputSize = spec.inputSize();
    this.hiddenSize = spec.hiddenSize();
    this.outputSize = spec.outputSize();
    int w = Math.max(1, laneWidth);
    this.hPad = (hiddenSize + w - 1) / w * w;
    this.xh = new float[spec.gateCols()];
    this.z = new float[spec.gateRows()];
    this.cPad = new float[hPad];
    this.hNew = new float[hPad];
    this.gates = new float[4 * hPad];
    this.logits = new float[outputSize];
  }

  /** True when this workspace was made for a model of {@code spec}'s sizes. */
  public boolean fits(ModelSpec spec) {
    return spec.inputSize() == inputSize && spec.hiddenSize() == hiddenSize && spec.outputSize() == outputSize;
  }

  /** The head pre-activation (K) of the last step, before sigmoid/softmax. */
  public float logit(int k) {
    return logits[k];
  }

  void check(ModelSpec spec) {
    if (!fits(spec)) {
      throw new IllegalArgumentException("workspace made for D=" + inputSize + " H=" + hiddenSize + " K="
          + outputSize + " used with " + spec);
    }
  }
}
