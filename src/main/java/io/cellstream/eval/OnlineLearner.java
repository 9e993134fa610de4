package io.cellstream.eval;

import io.cellstream.learn.LabelOutcome;
import java.util.Map;

/**
 * A model that predicts per event and learns online, per entity, the way the service does: predict first,
 * learn from the label when it arrives (right away or later). The LSTM plugs in behind this interface as
 * well as the baselines, so that all are driven and scored the same way ({@link EvalSession}).
 *
 * <p>Implementations are used from one thread at a time.
 */
public interface OnlineLearner {

  /** Short name used in reports and JSON: {@code lstm}, {@code rnn}, {@code nomemory}, {@code majority} … */
  String name();

  /**
   * Predicts for the next event of {@code entityId} and advances that entity's state. Must be called
   * for every event of the entity, labelled or not, in order.
   *
   * @param eventId  the event's id; a later {@link #learn} names it
   * @param eventTime the event's time (epoch ms)
   * @param features D values (not kept by the caller's side: copy what you keep)
   * @return binary: {P(1)}; multiclass: K class probabilities; regression: {value}
   */
  float[] predict(String entityId, String eventId, long eventTime, float[] features);

  /** As above for a whole event: learners that complete raw inputs from an entity's memory use its inputs. */
  default float[] predict(TaskEvent e) {
    return predict(e.entityId(), e.eventId(), e.eventTimeMillis(), e.features());
  }

  /**
   * The label of an earlier predicted event of {@code entityId}: 0/1, a class index or a value. The
   * learner may apply it at once or with its next minibatch.
   */
  LabelOutcome learn(String entityId, String eventId, float target);

  /** Applies what is buffered (a partial minibatch). Called at the end of a run. */
  default void flush() {}

  /** Hyper-parameters and counters for the report (learning rate, hidden size, updates, expired labels …). */
  Map<String, Object> describe();
}
