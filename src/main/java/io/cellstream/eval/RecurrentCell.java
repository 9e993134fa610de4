package io.cellstream.eval;

import io.cellstream.lstm.ModelSpec;

/**
 * A recurrent model with a dense head, as {@link RecurrentLearner} needs it: a per-entity state of
 * {@link #stateSize()} floats (the RNN's h; an LSTM's h and c), one step for predictions, the head, and the
 * gradient of a truncated-BPTT window. Parameters live in one flat buffer owned by the learner; the cell
 * holds only scratch space (one cell per learner, one thread).
 *
 * <p>An LSTM plugs in by implementing this over the engine's kernels (state = h then c, 2H floats).
 */
public interface RecurrentCell {

  ModelSpec spec();

  /** Floats in the flat parameter buffer. */
  int parameterCount();

  /** Floats of per-entity state (zeros for a new entity). */
  int stateSize();

  /** Fills {@code params} with the initial parameters for {@code seed}. */
  void initialize(float[] params, long seed);

  /** One step: {@code stateOut = f(params, x, stateIn)}; the arrays do not alias. */
  void step(float[] params, float[] x, float[] stateIn, float[] stateOut);

  /** The head's activated outputs for {@code state} into {@code out[0..K)}. */
  void output(float[] params, float[] state, float[] out);

  /**
   * Truncated BPTT over {@code n} steps from {@code state0} with inputs {@code xs} ((n, D) row-major) and
   * the loss at the last step only, against {@code target}. <em>Adds</em> d loss / d params into
   * {@code grads}; returns the loss.
   */
  double windowGradient(float[] params, float[] state0, float[] xs, int n, float target, float[] grads);

  /**
   * The learner changed {@code params} (initialised them, or applied an update): a cell that keeps a derived
   * copy of the weights (the LSTM's packed layout) refreshes it here.
   */
  default void parametersChanged(float[] params) {}

  /** One line for reports, e.g. "vanilla RNN (tanh), dense multiclass head". */
  String describe();
}
