package io.cellstream.learn;

import io.cellstream.state.EntityState;

/**
 * One event's raw inputs as the input layer made them from the record's fields, some of which depend on the
 * entity's past (the time since its previous event, its last known target). The host completes them from the
 * entity's memory right before the step, so that the service's step and every in-process learner compute them
 * the same way ({@code io.cellstream.input} implements it).
 */
public interface EventInputs {

  /**
   * Writes the event's D raw (not yet standardised) inputs into {@code u}, those that depend on the entity's past
   * from its feature memory ({@link EntityState#featureMemory()}), and records this event there.
   */
  void write(EntityState entity, float[] u);
}
