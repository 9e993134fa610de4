package io.cellstream.lstm;

/**
 * Scratch memory for batch steps of one model shape; grows (allocates) only when a batch is larger than
 * any before it. Not thread-safe: keep one per thread.
 */
public final class BatchWorkspace {

  final int inputSize;
  final int hiddenSize;
  final int outputSize;
  final int laneWidth;
  final int hPad;
  int capacity;
  float[] hNew;   // (capacity, hPad) h' of every entity; h is still read while h' is written
  final float[] cTail;  // (laneWidth) c of the last, partial block of units
  float[] z;            // (4, capacity, laneWidth) one block's gate pre-activations for every entity
  float[] xh;           // (capacity, D+H) [x | h] of every entity
  final float[] logits; // (K)
  final StepWorkspace single; // the scalar path steps entities one by one

  BatchWorkspace(ModelSpec spec, int laneWidth, int capacity) {
    this.inputSize = spec.inputSize();
    this.hiddenSize = spec.hiddenSize();
    this.outputSize = spec.outputSize();
    this.laneWidth = Math.max(1, laneWidth);
    this.hPad = (hiddenSize + this.laneWidth - 1) / this.laneWidth * this.laneWidth;
    this.cTail = new float[this.laneWidth];
    this.logits = new float[outputSize];
    this.single = new StepWorkspace(spec, laneWidth);
    ensure(Math.max(1, capacity));
  }

  void ensure(int n) {
    if (n > capacity) {
      capacity = Math.max(n, capacity * 2);
      hNew = new float[capacity * hPad];
      z = new float[capacity * 4 * laneWidth];
      xh = new float[capacity * (inputSize + hiddenSize)];
    }
  }

  public boolean fits(ModelSpec spec) {
    return spec.inputSize() == inputSize && spec.hiddenSize() == hiddenSize && spec.outputSize() == outputSize;
  }

  void check(ModelSpec spec) {
    if (!fits(spec)) {
      throw new IllegalArgumentException("batch workspace made for D=" + inputSize + " H=" + hiddenSize
          + " K=" + outputSize + " used with " + spec);
    }
  }
}
