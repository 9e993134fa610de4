package io.cellstream.eval;

/**
 * What every generator shares: how many entities, how many events in all, the seed, how entities are
 * interleaved, event times, and the label policy. The same config and seed give the same stream, record
 * for record.
 *
 * @param entities        number of entities E (ids {@code e00000} … ; at least five digits)
 * @param events          number of events in the whole stream (all entities together)
 * @param seed            seeds every random choice
 * @param interleaving    how entities are interleaved
 * @param labels          inline or delayed labels
 * @param startTimeMillis event time of the first event
 * @param meanGapMillis   mean time between two consecutive events of the stream (gaps uniform in
 *                        [1, 2·mean − 1], so times strictly increase)
 */
public record StreamConfig(
    int entities,
    long events,
    long seed,
    Interleaving interleaving,
    LabelPolicy labels,
    long startTimeMillis,
    int meanGapMillis) {

  /** 2023-11-14T22:13:20Z: a fixed start keeps generated streams identical from run to run. */
  public static final long DEFAULT_START = 1_700_000_000_000L;

  public StreamConfig {
    if (entities < 1) {
      throw new IllegalArgumentException("entities must be >= 1, got " + entities);
    }
    if (events < 0) {
      throw new IllegalArgumentException("events must be >= 0, got " + events);
    }
    if (interleaving == null || labels == null) {
      throw new IllegalArgumentException("interleaving and label policy are required");
    }
    if (meanGapMillis < 1) {
      throw new IllegalArgumentException("mean gap must be >= 1 ms, got " + meanGapMillis);
    }
  }

  /** {@code entities} entities, {@code events} events, random interleaving, inline labels. */
  public static StreamConfig of(int entities, long events, long seed) {
    return new StreamConfig(entities, events, seed, Interleaving.RANDOM, LabelPolicy.INLINE, DEFAULT_START, 10);
  }

  public StreamConfig withEntities(int e) {
    return new StreamConfig(e, events, seed, interleaving, labels, startTimeMillis, meanGapMillis);
  }

  public StreamConfig withEvents(long n) {
    return new StreamConfig(entities, n, seed, interleaving, labels, startTimeMillis, meanGapMillis);
  }

  public StreamConfig withSeed(long s) {
    return new StreamConfig(entities, events, s, interleaving, labels, startTimeMillis, meanGapMillis);
  }

  public StreamConfig withInterleaving(Interleaving i) {
    return new StreamConfig(entities, events, seed, i, labels, startTimeMillis, meanGapMillis);
  }

  public StreamConfig withLabels(LabelPolicy p) {
    return new StreamConfig(entities, events, seed, interleaving, p, startTimeMillis, meanGapMillis);
  }

  /** The id of entity {@code index}: {@code e00042}. */
  public static String entityId(int index) {
    return String.format(java.util.Locale.ROOT, "e%05d", index);
  }
}
