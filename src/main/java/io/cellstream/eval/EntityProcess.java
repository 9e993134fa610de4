package io.cellstream.eval;

import java.util.SplittableRandom;

/**
 * The per-entity side of a generator: produces one entity's events in order, from the entity's own
 * random stream (so an entity's content does not depend on how entities are interleaved).
 */
@FunctionalInterface
public interface EntityProcess {

  /** The entity's next event. */
  Step next();

  /**
   * One event as the task defines it; the interleaver adds entity, ids, time and label mode.
   *
   * @param features  a fresh array of D values
   * @param target    the label, or NaN when the event is unlabelled
   * @param role      what the event is
   * @param sequence  per-entity index of the episode / sequence / string
   * @param position  position inside it
   * @param length    its length
   * @param legalMask acceptable classes (Reber), else 0
   */
  record Step(float[] features, float target, EventRole role, long sequence, int position, int length,
      int legalMask) {}

  /** Creates the process of entity {@code index} drawing from {@code rng}. */
  @FunctionalInterface
  interface Factory {
    EntityProcess create(int index, SplittableRandom rng);
  }
}
