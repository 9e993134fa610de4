package io.cellstream.stream;

import io.cellstream.serde.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls that need the schema registry (a schema id not cached yet, to decode a record or register the schema of
 * an output), retried for as long as the registry's trouble is transient — no answer, a 5xx or a 429 — with a
 * backoff from 100 ms doubling to {@value #MAX_BACKOFF_MS} ms. The stream thread waits meanwhile (its records stay
 * in order and none is lost or dead-lettered: a record is not at fault for the registry being down);
 * {@code /health/ready} says so, and {@code cellstream_registry_retries_total} counts the attempts. The first
 * failure, then one line every {@value #LOG_EVERY_MS} ms, and the recovery are logged.
 *
 * <p>A wait longer than the producer's transaction timeout (10 s under exactly-once) has Kafka abort the open
 * transaction; Kafka Streams then redoes the uncommitted records on the same thread, so nothing is lost or
 * repeated. An answer that is not transient (401/403, a 404 without the registry's "schema not found" code: a
 * wrong URL or credentials) is thrown at once: the operator has to act.
 */
final class RegistryRetry {

  private static final Logger log = LoggerFactory.getLogger(RegistryRetry.class);
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;
  static final long LOG_EVERY_MS = 30_000;

  /** A call that may need the registry. */
  interface Call<T, E extends Exception> {
    T run() throws E;
  }

  /** Thrown out of a wait when the instance closes: the record is left to be redone by the next owner. */
  static final class ClosingException extends RuntimeException {
    ClosingException(String what) {
      super("closing while waiting for the schema registry to " + what + "; the record will be processed again");
    }
  }

  private final ServiceHealth health;
  private final StreamMetrics metrics;

  RegistryRetry(ServiceHealth health, StreamMetrics metrics) {
    this.health = health;
    this.metrics = metrics;
  }

  /** Runs {@code call}, waiting out transient registry failures. {@code what} says what it does, for the log. */
  <T, E extends Exception> T call(String what, Call<T, E> call) throws E {
    long backoff = FIRST_BACKOFF_MS;
    long firstFailure = 0;
    long lastLogged = 0;
    int attempts = 0;
    while (true) {
      try {
        T result = call.run();
        if (attempts > 0) {
          health.recovered();
          log.info("the schema registry answered again after {} attempts in {} ms; {} goes on", attempts,
              System.currentTimeMillis() - firstFailure, Thread.currentThread().getName());
        }
        return result;
      } catch (SchemaRegistryException e) {
        if (!e.isTransient()) {
          if (attempts > 0) {
            health.recovered();
          }
          throw e;
        }
        long now = System.currentTimeMillis();
        if (attempts == 0) {
          firstFailure = now;
        }
        attempts++;
        metrics.registryRetry();
        health.stalled("schema registry", e.getMessage());
        if (attempts == 1 || now - lastLogged >= LOG_EVERY_MS) {
          lastLogged = now;
          log.warn("cannot {}: the schema registry does not answer ({}); waiting and retrying (attempt {}, for {} ms so far)",
              what, e.getMessage(), attempts, now - firstFailure);
        }
        if (health.isClosing()) {
          health.recovered();
          throw new ClosingException(what);
        }
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          health.recovered();
          throw new ClosingException(what);
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }
}
