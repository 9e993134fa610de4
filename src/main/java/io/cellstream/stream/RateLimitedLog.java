package io.cellstream.stream;

import org.slf4j.Logger;

/**
 * Warnings about bad input, at most one line per kind every interval, saying how many were suppressed:
 * a flood of bad records must not flood the log.
 */
final class RateLimitedLog {

  private final Logger log;
  private final long intervalMs;
  private final long[] lastLogged;
  private final long[] suppressed;

  RateLimitedLog(Logger log, long intervalMs, int kinds) {
    this.log = log;
    this.intervalMs = intervalMs;
    this.lastLogged = new long[kinds];
    this.suppressed = new long[kinds];
    java.util.Arrays.fill(lastLogged, Long.MIN_VALUE / 2);
  }

  void warn(int kind, String message) {
    long now = System.currentTimeMillis();
    if (now - lastLogged[kind] >= intervalMs) {
      log.warn("{}{}", message, suppressed[kind] > 0 ? " (+" + suppressed[kind] + " more like it since the last warning)" : "");
      lastLogged[kind] = now;
      suppressed[kind] = 0;
    } else {
      suppressed[kind]++;
    }
  }
}
