package io.cellstream.bench.stream;

import java.util.concurrent.locks.LockSupport;

/**
 * Offered load at a fixed rate: event i is due at t0 + i / rate (System.nanoTime()). Every paced phase (latency,
 * label → model) sends through one of these, and its latencies start at the due time, not at the actual send,
 * so that a sender that falls behind does not hide the delay (no coordinated omission).
 */
final class Pacer {

  /** Longest single park: short enough that an event is rarely sent more than 0.1 ms late. */
  private static final long MAX_PARK_NANOS = 100_000;

  private final long t0;
  private final double intervalNanos;

  /** The first event is due {@code startDelayNanos} from now. */
  Pacer(double eventsPerSecond, long startDelayNanos) {
    if (!(eventsPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be > 0, got " + eventsPerSecond);
    }
    this.t0 = System.nanoTime() + startDelayNanos;
    this.intervalNanos = 1e9 / eventsPerSecond;
  }

  /** Events to send over {@code seconds} at {@code eventsPerSecond} (at least one). */
  static int count(double eventsPerSecond, double seconds) {
    return (int) Math.max(1, Math.round(eventsPerSecond * seconds));
  }

  /** Waits until event {@code i} is due; returns its due time. */
  long awaitDue(long i) {
    long due = t0 + (long) (i * intervalNanos);
    long wait;
    while ((wait = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(Math.min(wait, MAX_PARK_NANOS));
    }
    return due;
  }
}
