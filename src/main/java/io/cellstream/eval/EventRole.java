package io.cellstream.eval;

/**
 * What an event is within its task's per-entity sequence. Evaluators do not need it to score (an event
 * is scored when it has a label), but it says which events are queries, cues and so on, for tests,
 * reports and task-specific criteria.
 */
public enum EventRole {
  /** Long-lag: carries the class to remember. Unlabelled. */
  CUE,
  /** Long-lag: noise between cue and query. Unlabelled. */
  DISTRACTOR,
  /** Long-lag: asks for the cue's class. Labelled. */
  QUERY,
  /** Adding, Reber: first event of a sequence. */
  START,
  /** Adding, Reber: an event inside a sequence. */
  STEP,
  /**
   * Reber: the event whose next symbol needs long-term memory (the inner string's final E, after which
   * the penultimate symbol must repeat the second one).
   */
  RECALL,
  /** Adding, Reber: last event of a sequence (adding: the labelled one; Reber: the final E, unlabelled). */
  END
}
