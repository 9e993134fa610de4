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
      new Line("kafka.server.ReplicaManager", Level.ERROR,
          e -> message(e).startsWith("Error processing append operation on partition")
              && thrown(e, "org.apache.kafka.common.errors.OutOfOrderSequenceException", "transactions v2"),
          "Kafka 4.4's broker rejects the first retried produce of a transactions-v2 producer after a"
              + " CONCURRENT_TRANSACTIONS answer; the producer retries and nothing is lost or duplicated"
              + " (docs/benchmarks.md, Surprises)"),
      new Line("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
          // Kafka's clients put "[Producer clientId=..., transactionalId=...] " before their messages.
          // ... and may add ". Error Message: <the broker's text>" after the error's name.
          e -> message(e).contains("] Got error produce response")
              && (message(e).endsWith("Error: CONCURRENT_TRANSACTIONS")
                  || message(e).contains("Error: CONCURRENT_TRANSACTIONS. Error Message: ")),
          "the previous transaction is still completing on the broker; the producer retries, as designed"),
      new Line("org.apache.kafka.clients.NetworkClient", Level.WARN,
          e -> message(e).contains("[NodeToControllerChannelManager")
              && message(e).contains("Attempting to close NetworkClient that has already been closed"),
          "the embedded broker's own controller channel, closed twice while the broker shuts down"),
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

  private static boolean thrown(ILoggingEvent e, String className, String messagePart) {
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      if (t.getClassName().equals(className) && t.getMessage() != null && t.getMessage().contains(messagePart)) {
        return true;
      }
    }
    return false;
  }
}
