package io.cellstream.stream;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What keeps this instance from doing its work right now, for {@code /health/ready}: a stream thread waiting for
 * a dependency (the schema registry: see {@link RegistryRetry}), or Kafka not answering the instance's probe.
 * Shared by the stream threads, the global thread, the probe and HTTP; thread-safe.
 */
public final class ServiceHealth {

  /** A thread waiting for a dependency since {@code since}, with the last error. */
  public record Stall(String dependency, String thread, Instant since, String lastError) {

    public String describe() {
      return thread + " waits for the " + dependency + " since " + since + ": " + lastError;
    }
  }

  /** A call to a dependency that has not come back after this long makes the instance not ready. */
  public static final long SLOW_CALL_MS = 1_000;

  /** A call under way. */
  private record Call(String dependency, String what, String thread, long startedNanos) {}

  private final Map<String, Stall> stalls = new ConcurrentHashMap<>();
  private final Map<Long, Call> calls = new ConcurrentHashMap<>();
  private final AtomicLong callIds = new AtomicLong();
  private volatile String kafkaProblem;   // null while the probe gets answers
  private volatile Instant kafkaProblemSince;
  private volatile boolean closing;

  /** The calling thread waits for {@code dependency}; it keeps the first time it started to. */
  void stalled(String dependency, String lastError) {
    String thread = Thread.currentThread().getName();
    stalls.compute(thread, (t, s) -> new Stall(dependency, t, s == null ? Instant.now() : s.since(), lastError));
  }

  /** The calling thread got its answer. */
  void recovered() {
    stalls.remove(Thread.currentThread().getName());
  }

  /** A call to {@code dependency} starts on this thread; pass the id to {@link #callEnded}. */
  long callStarted(String dependency, String what) {
    long id = callIds.incrementAndGet();
    calls.put(id, new Call(dependency, what, Thread.currentThread().getName(), System.nanoTime()));
    return id;
  }

  void callEnded(long id) {
    calls.remove(id);
  }

  void kafkaUnreachable(String problem) {
    if (kafkaProblem == null) {
      kafkaProblemSince = Instant.now();
    }
    kafkaProblem = problem;
  }

  void kafkaReachable() {
    kafkaProblem = null;
    kafkaProblemSince = null;
  }

  /** The instance is closing: threads waiting for a dependency give up their record (it is redone on restart). */
  void closing() {
    closing = true;
  }

  public boolean isClosing() {
    return closing;
  }

  /** Why this instance cannot do its work now, or null when nothing is known to stop it. */
  public String problem() {
    StringBuilder b = new StringBuilder();
    String kafka = kafkaProblem;
    if (kafka != null) {
      b.append("Kafka does not answer since ").append(kafkaProblemSince).append(": ").append(kafka);
    }
    for (Stall s : stalls.values()) {
      b.append(b.isEmpty() ? "" : "; ").append(s.describe());
    }
    long now = System.nanoTime();
    for (Call c : calls.values()) {
      long ms = (now - c.startedNanos()) / 1_000_000;
      if (ms >= SLOW_CALL_MS && !stalls.containsKey(c.thread())) {
        b.append(b.isEmpty() ? "" : "; ").append(c.thread()).append(" has waited ").append(ms).append(" ms for the ")
            .append(c.dependency()).append(" to ").append(c.what());
      }
    }
    return b.isEmpty() ? null : b.toString();
  }

  /** The stalls now, for tests and metrics. */
  public Map<String, Stall> stalls() {
    return Map.copyOf(stalls);
  }
}
