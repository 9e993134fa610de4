package io.cellstream.learn;

import io.cellstream.state.EntityState;

/**
 * What an entity's feature memory keeps of the labels learned from ({@code prev_target()}): told by every host of
 * the learner right after a label (inline, delayed, or held for its event) became a training example.
 * {@code io.cellstream.input} implements it; {@link #NONE} keeps nothing.
 */
public interface FeatureMemory {

  /** Keeps nothing: inputs that do not depend on past targets. */
  FeatureMemory NONE = (entity, target) -> { };

  /** The entity's label {@code target} (K) was just learned from: it is the entity's most recent known target now. */
  void targetLearned(EntityState entity, float[] target);
}
