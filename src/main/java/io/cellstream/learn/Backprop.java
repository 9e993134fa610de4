package io.cellstream.learn;

import io.cellstream.lstm.Window;

/**
 * Truncated BPTT of one cell over the live parameter buffer it was made for ({@link Cell#backprop}). One per
 * trainer thread: it keeps the activations of the window it is working on.
 */
public interface Backprop {

  /**
   * Runs {@code window} forward from its (h0, c0) and backward, ADDING d loss / d parameter into
   * {@code grads} (the cell's layout), and returns the loss summed over the labelled steps. Refuses
   * (IllegalArgumentException, nothing added) a window of the wrong shape or with non-finite values.
   */
  double accumulate(Window window, float[] grads);

  /** The live parameters were changed in place (an update was applied): refresh what is derived from them. */
  void parametersChanged();
}
