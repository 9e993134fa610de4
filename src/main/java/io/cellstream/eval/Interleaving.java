package io.cellstream.eval;

/** How the events of many entities are interleaved into one stream. */
public enum Interleaving {
  /** Each next event comes from an entity drawn uniformly at random (entities drift apart in progress). */
  RANDOM,
  /** Entities take turns in a fixed order e00000, e00001, … (every entity advances in lock step). */
  ROUND_ROBIN,
  /** Round-robin with jitter: every round visits each entity once, in a freshly shuffled order. */
  SHUFFLED_ROUNDS
}
