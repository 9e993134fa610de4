package io.cellstream.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Keeps off the console the WARN and ERROR lines that Kafka's broker and clients log during a normal local run
 * and that say nothing about the user's data or setup: read as failures, they are not. Each is matched by logger,
 * level and message (and exception) as narrowly as possible, so that any other line of the same logger still
 * shows. The lines still reach the log file a command writes ({@link Logging#alsoToFile}).
 *
 * <p>Used by {@code logback.xml} on the console appender; a line is added here only with the reason it is benign.
 */
public final class KnownBenignLogLines extends Filter<ILoggingEvent> {

  /** One known line: who logs it, how loud, what it says, and why it is no failure. */
  record Line(String logger, Level level, Predicate<ILoggingEvent> matches, String why) {

    boolean test(ILoggingEvent e) {
      return e.getLoggerName().equals(logger) && e.getLevel().equals(level) && matches.test(e);
    }
  }

  /** State directories the running command created for itself, temporary and deleted at exit. */
  private static final Set<String> PRIVATE_STATE_DIRS = ConcurrentHashMap.newKeySet();

  static final List<Line> LINES = List.of(
      // The transactions-v2 burst (Kafka 4.4; docs/benchmarks.md, Surprises): the broker rejects the first batch of a
      // transaction with "Expected sequence 0 for transactions v2 idempotent producer with no existing state", then
      // the batches in flight behind it as "Out of order sequence number ... (current end sequence number)"; the
      // stream thread's producer retries them all and the transaction commits: nothing is lost or written twice
      // (every demo event still gets exactly one prediction). A producer that cannot recover fails its task, which
      // Kafka Streams logs as an error of its own: that one still shows.
      new Line("kafka.server.ReplicaManager", Level.ERROR,
          e -> message(e).contains("Error processing append operation on partition")
              && thrown(e, "org.apache.kafka.common.errors.OutOfOrderSequenceException"),
          "the broker refusing an out-of-order batch of a transactional producer that retries it"),
      new Line("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
          e -> retrying(e, "OUT_OF_ORDER_SEQUENCE_NUMBER"),
          "the producer's side of the same burst: it retries"),
      new Line("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
          e -> retrying(e, "CONCURRENT_TRANSACTIONS"),
          "the previous transaction is still completing on the broker; the producer retries, as designed"),
      new Line("org.apache.kafka.server.DefaultAutoTopicCreationManager", Level.WARN,
          e -> message(e).matches("Auto topic creation failed for __(consumer_offsets|transaction_state) with error"
              + " 'TOPIC_ALREADY_EXISTS': .*"),
          "two clients asked a fresh broker for their coordinator at once and the second found the internal topic the"
              + " first had just created: it exists, which is what both wanted"),
      new Line("org.apache.kafka.clients.NetworkClient", Level.WARN,
          e -> message(e).contains("[NodeToControllerChannelManager")
              && message(e).contains("Attempting to close NetworkClient that has already been closed"),
          "the embedded broker's own controller channel, closed twice while the broker shuts down"),
      new Line("org.apache.kafka.streams.processor.internals.assignment.DefaultStandbyTaskAssignor", Level.WARN,
          e -> message(e).matches("Unable to assign \\d+ of \\d+ standby tasks for task \\[[0-9_]+\\]\\. There is not enough"
              + " available capacity\\. You should increase the number of application instances to maintain the"
              + " requested number of standby replicas\\."),
          "a single instance (or fewer instances than num.standby.replicas + 1) has nowhere to keep the warm copies the"
              + " default num.standby.replicas=1 asks for; they are made as soon as another instance joins"),
      new Line("org.apache.kafka.streams.processor.internals.StateDirectory", Level.WARN,
          e -> message(e).startsWith("Using an OS temp directory in the state.dir property")
              && PRIVATE_STATE_DIRS.stream().anyMatch(dir -> message(e).contains("[" + dir)),
          "the OS may clear a temporary directory: true, and moot for the state directory a command made for"
              + " itself under the temporary directory and deletes at exit (a state.dir the user chose still warns)"));

  /**
   * Declares {@code dir} a state directory this process created for itself and deletes at exit, so that Kafka
   * Streams' warning about state in the temporary directory is benign for it.
   */
  static void privateStateDir(Path dir) {
    PRIVATE_STATE_DIRS.add(dir.toAbsolutePath().toString());
  }

  /** Whether the event is one of the {@link #LINES}. */
  static boolean isKnownBenign(ILoggingEvent e) {
    for (Line line : LINES) {
      if (line.test(e)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public FilterReply decide(ILoggingEvent e) {
    return isKnownBenign(e) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  private static String message(ILoggingEvent e) {
    String m = e.getFormattedMessage();
    return m == null ? "" : m;
  }

  private static boolean thrown(ILoggingEvent e, String className) {
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      if (t.getClassName().equals(className)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The producer's "Got error produce response with correlation id N on topic-partition P, retrying (N attempts
   * left). Error: ERROR" (after Kafka's "[Producer clientId=..., transactionalId=...] " prefix, and possibly followed
   * by ". Error Message: <the broker's text>"): a retry, not a failure.
   */
  private static boolean retrying(ILoggingEvent e, String error) {
    String m = message(e);
    return m.contains("] Got error produce response with correlation id ") && m.contains(", retrying (")
        && (m.endsWith("Error: " + error) || m.contains("Error: " + error + ". Error Message: "));
  }
}
