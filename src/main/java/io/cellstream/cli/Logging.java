package io.cellstream.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.Logger;
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

  /**
   * Also writes every log line to {@code file} (appended), the known-benign ones the console leaves out included:
   * the full record of a local run, beside its data. Returns false, and logs why, if the file cannot be opened.
   */
  static boolean alsoToFile(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return false;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setName("file-" + file);
    appender.setContext(context);
    appender.setFile(file.toAbsolutePath().toString());
    appender.setAppend(true);
    appender.setEncoder(encoder);
    appender.start();
    if (!appender.isStarted()) {
      LoggerFactory.getLogger(Logging.class).warn("cannot write the log file {}; logging to the console only", file);
      return false;
    }
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    return true;
  }

  /** Stops writing to a file {@link #alsoToFile} opened (before its directory is deleted). */
  static void stopFile(Path file) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      var appender = root.getAppender("file-" + file);
      if (appender != null) {
        root.detachAppender(appender);
        appender.stop();
      }
    }
  }
}
