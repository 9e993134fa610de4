package io.cellstream.stream;

import java.util.Locale;
import java.util.Map;

/**
 * How predictions reach their consumers and how the memory stays right when records come twice
 * ({@code cellstream.delivery.*}, {@code cellstream.training.dedup-examples}).
 *
 * <ul>
 *   <li>{@link Mode#EXACTLY_ONCE} (the default): Kafka transactions ({@code exactly_once_v2}). A prediction, the
 *       memory it came from and its training examples commit together; a consumer reading read_committed sees each
 *       prediction once, when its transaction commits (every {@code commit.interval.ms}, 100 ms).</li>
 *   <li>{@link Mode#LOW_LATENCY}: at-least-once processing, no transactions: a prediction is visible as soon as the
 *       producer has sent it (milliseconds). After a crash Kafka delivers the events since the last commit again;
 *       each memory records the input position of the last event applied to it, so such an event does not advance
 *       the memory a second time, and its prediction is emitted again unchanged from the last {@link
 *       #keptPredictions()} kept in the memory ({@link Redelivery}). A consumer may see a prediction twice, with
 *       identical bytes.</li>
 * </ul>
 *
 * <p>In both modes the trainer drops a training example it has learned from already (by entity, step and event id;
 * the last {@link #trainerDedupExamples()} remembered in its store), which after a crash in low-latency mode can be
 * sent again.
 *
 * @param mode                 exactly-once or low-latency
 * @param keptPredictions      R: predictions kept per entity for re-emission in low-latency mode (none are kept
 *                             under exactly-once, where nothing is delivered twice)
 * @param trainerDedupExamples training examples the trainer remembers to drop their duplicates (0: none)
 */
public record Delivery(Mode mode, int keptPredictions, int trainerDedupExamples) {

  /**
   * R = 16: a memory keeps the predictions of its last 16 events (36 bytes each for K = 1, 576 bytes in all). What
   * is delivered again after a crash is what was processed since the last commit, at most about one commit interval
   * (1 s in low-latency mode) of the task's events; 16 covers an entity that sees up to 16 events a second. A burst
   * beyond that (a hot entity in a backlog being caught up) makes the oldest of them dead letters
   * {@code redelivered-not-kept}, counted, never a second step.
   */
  public static final int DEFAULT_KEPT_PREDICTIONS = 16;

  /**
   * 100,000 examples: an example sent again after a crash lands behind everything written to the training topic
   * between its first send and the restart (the failover's session timeout, the restore, the catch-up): 20 s at
   * 5,000 examples a second. About 130 bytes each in the trainer's store, 13 MB in all.
   */
  public static final int DEFAULT_TRAINER_DEDUP_EXAMPLES = 100_000;

  /**
   * The commit interval of low-latency mode, 1 s (Kafka Streams' at-least-once default is 30 s). It does not delay
   * predictions; it bounds what a crash makes Kafka deliver again, hence the predictions each memory must keep. Each
   * commit blocks the stream thread (a producer flush, then a synchronous offset commit): at 100 ms that cost the
   * paced benchmark 2 to 9 times the p50 of 1 s on this 2-core machine (docs/benchmarks.md).
   */
  public static final String LOW_LATENCY_COMMIT_INTERVAL_MS = "1000";

  /**
   * The producer's linger in low-latency mode, 0 ms: Kafka Streams sets 100 ms for its producers, which under
   * at-least-once would be most of every prediction's latency (docs/benchmarks.md has the measurements).
   */
  public static final String LOW_LATENCY_LINGER_MS = "0";

  public static final Delivery EXACTLY_ONCE = new Delivery(Mode.EXACTLY_ONCE, DEFAULT_KEPT_PREDICTIONS,
      DEFAULT_TRAINER_DEDUP_EXAMPLES);
  public static final Delivery LOW_LATENCY = new Delivery(Mode.LOW_LATENCY, DEFAULT_KEPT_PREDICTIONS,
      DEFAULT_TRAINER_DEDUP_EXAMPLES);

  /** The two modes; {@link #id()} is the value of {@code cellstream.delivery}. */
  public enum Mode {
    EXACTLY_ONCE("exactly-once", "exactly_once_v2"),
    LOW_LATENCY("low-latency", "at_least_once");

    private final String id;
    private final String processingGuarantee;

    Mode(String id, String processingGuarantee) {
      this.id = id;
      this.processingGuarantee = processingGuarantee;
    }

    public String id() {
      return id;
    }

    /** The Kafka Streams processing.guarantee this mode runs with. */
    public String processingGuarantee() {
      return processingGuarantee;
    }

    /** {@code exactly-once} or {@code low-latency}. */
    public static Mode parse(String s) {
      String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
      for (Mode m : values()) {
        if (m.id.equals(v)) {
          return m;
        }
      }
      throw new IllegalArgumentException("exactly-once or low-latency, got '" + s + "'");
    }
  }

  public Delivery {
    java.util.Objects.requireNonNull(mode, "mode");
    if (keptPredictions < 1) {
      throw new IllegalArgumentException("kept predictions must be >= 1, got " + keptPredictions);
    }
    if (trainerDedupExamples < 0) {
      throw new IllegalArgumentException("trainer dedup examples must be >= 0, got " + trainerDedupExamples);
    }
  }

  public boolean lowLatency() {
    return mode == Mode.LOW_LATENCY;
  }

  /** R as each memory keeps it: {@link #keptPredictions()} in low-latency mode, 0 under exactly-once. */
  public int emissionsKept() {
    return lowLatency() ? keptPredictions : 0;
  }

  public Delivery withKeptPredictions(int r) {
    return new Delivery(mode, r, trainerDedupExamples);
  }

  public Delivery withTrainerDedupExamples(int n) {
    return new Delivery(mode, keptPredictions, n);
  }

  /**
   * The Kafka Streams settings this mode implies, under any given explicitly: the processing guarantee, and in
   * low-latency mode the commit interval and the producer's linger.
   */
  public Map<String, String> streamsDefaults() {
    return lowLatency()
        ? Map.of("processing.guarantee", mode.processingGuarantee(),
            "commit.interval.ms", LOW_LATENCY_COMMIT_INTERVAL_MS,
            "producer.linger.ms", LOW_LATENCY_LINGER_MS)
        : Map.of("processing.guarantee", mode.processingGuarantee());
  }
}
