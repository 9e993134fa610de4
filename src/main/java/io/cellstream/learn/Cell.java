package io.cellstream.learn;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.state.EntityState;

/**
 * A recurrent cell with a dense head, as the one online learner runs and trains it: the service's LSTM
 * ({@link LstmCell}) and the baselines it is measured against, a vanilla RNN ({@link RnnCell}) and a model
 * without memory ({@link NoMemoryCell}). Everything around the cell — per-entity window and checkpoints,
 * label join, minibatches, replay, clipping, Adam, guards, publishing — is the same for all three, so a
 * comparison of cells compares nothing else.
 *
 * <p>An entity's memory is h ({@link #hiddenStateSize()} floats) and c ({@link #cellStateSize()} floats; an
 * LSTM's cell state, empty for the others), zeros for a new entity. Parameters live in one flat buffer of
 * {@link #parameterCount()} floats whose layout the cell defines; gradients and Adam's moments share it.
 *
 * <p>{@code W} is the type of <em>published</em> weights: an immutable copy made by {@link #publish}, safe to
 * share between threads and to step many entities with. An instance of a cell holds scratch space: one per
 * thread (one per stream task, one per in-process learner).
 *
 * @param <W> published weights
 */
public interface Cell<W> {

  /** {@code lstm}, {@code rnn} or {@code nomemory}. */
  String kind();

  /** D, K and the task; H is the LSTM's and RNN's hidden size (nominal for a cell without memory). */
  ModelSpec spec();

  /** Floats in the flat parameter buffer. */
  int parameterCount();

  /** Floats of h per entity. */
  int hiddenStateSize();

  /** Floats of c per entity (0 without a cell state). */
  int cellStateSize();

  /** Whether {@link #step} can report gate activations (4H: i, f, g, o). */
  boolean hasGates();

  /** Fills {@code params} with the initial parameters for {@code seed}: the same seed gives the same bits. */
  void initialize(float[] params, long seed);

  /** Immutable weights over a private copy of {@code params}, ready to step with. */
  W publish(float[] params);

  /**
   * One step of one entity: reads {@code x[xOffset, xOffset+D)}, updates h and c in place, writes the gate
   * activations into {@code gates} (4H; skipped when null or the cell has none) and the head's output into
   * {@code y} (K). Refuses a non-finite input with an IllegalArgumentException before touching the state.
   */
  void step(W weights, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y);

  /**
   * Refuses (IllegalArgumentException) a training window that does not fit this cell's shape or holds a
   * non-finite value; nothing else happens.
   */
  void checkWindow(io.cellstream.lstm.Window window);

  /**
   * One event of one entity, as every host runs it (the service's step processor, the in-process learner):
   * records the step in the entity's window (a checkpoint of (h, c) when due, the input), runs the cell with
   * {@code weights} (version {@code version}), and records the prediction. Refuses a non-finite input with an
   * IllegalArgumentException before anything changes.
   *
   * @param gates (4H) receives the gate activations and is kept (quantised) in the state; null for none
   * @param y     (K) receives the prediction
   */
  default void stepEntity(W weights, long version, EntityState state, String eventId, long eventTime, float[] x,
      int xOffset, float[] gates, float[] y) {
    stepEntity(weights, version, state, eventId, eventTime, x, xOffset, x, xOffset, gates, y);
  }

  /**
   * As above for a model that standardises its inputs: the entity's window keeps the raw inputs {@code u} (so that
   * the trainer standardises a training example with the statistics it has then, the same that travel with the
   * parameters it publishes), the step reads their standardised form {@code x} (with the statistics of the
   * version {@code weights} belong to).
   *
   * @param u (D) from {@code uOffset}: what the window keeps
   * @param x (D) from {@code xOffset}: what the cell reads
   */
  default void stepEntity(W weights, long version, EntityState state, String eventId, long eventTime, float[] u,
      int uOffset, float[] x, int xOffset, float[] gates, float[] y) {
    int d = spec().inputSize();
    for (int i = 0; i < d; i++) {
      if (!Float.isFinite(x[xOffset + i])) {
        throw new IllegalArgumentException("feature " + i + " is " + x[xOffset + i]);
      }
    }
    float[] g = hasGates() ? gates : null;
    state.beginStep(eventId, eventTime, u, uOffset);
    step(weights, x, xOffset, state.h, state.c, g, y);
    state.endStep(y, g, version, eventTime);
  }

  /** A new entity's memory for this cell: h and c zero, a window of W steps with a checkpoint every k. */
  default EntityState newEntityState(int windowSteps, int checkpointEvery) {
    return new EntityState(spec().inputSize(), hiddenStateSize(), cellStateSize(), spec().outputSize(), windowSteps,
        checkpointEvery);
  }

  /** Forward and backward passes over windows, against the live buffer {@code params} (not copied). */
  Backprop backprop(float[] params);

  /** One line for reports, e.g. "LSTM (vector kernel), forget bias 3.0, dense multiclass head". */
  String describe();
}
