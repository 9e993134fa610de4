package io.cellstream.cli;

import org.slf4j.LoggerFactory;

/** Log levels a command adjusts for its own console output (Logback is the binding the jar ships). */
final class Logging {

  private Logging() {}

  /**
   * Raises the given loggers to WARN for this run: the service's one line per lifecycle event is right for an
   * operator's log but buries a command's own progress output. A logger someone set to DEBUG is left alone.
   */
  static void quiet(String... loggerNames) {
    for (String name : loggerNames) {
      if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger l && !l.isDebugEnabled()) {
        l.setLevel(ch.qos.logback.classic.Level.WARN);
      }
    }
  }
}
