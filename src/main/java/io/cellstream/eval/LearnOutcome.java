package io.cellstream.eval;

/** What became of a label handed to {@link OnlineLearner#learn}. */
public enum LearnOutcome {
  /** Turned into a training example (applied with the next minibatch). */
  ACCEPTED,
  /** The entity is known but the labelled step is no longer in its window (too old), or never was. */
  EXPIRED,
  /** No such entity. */
  UNKNOWN
}
