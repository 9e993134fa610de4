package io.cellstream.input;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * One field's value as a decoder found it, reused from record to record (no boxing): missing (absent or null), a
 * text, an integer, a real number, a boolean, a timestamp (an Avro timestamp logical type, already in epoch
 * milliseconds) or something that is not a single value (a record, an array, a map, bytes).
 *
 * <p>The conversions are the input layer's one set of rules for reading a field as a text, a number, a boolean or
 * a time; each returns false when the value cannot be read that way (the field is then malformed).
 */
public final class FieldValue {

  /** What kind of value a field holds. */
  public enum Kind { MISSING, TEXT, INTEGER, REAL, BOOLEAN, TIMESTAMP, COMPOSITE }

  /** Numbers as times: below this many units they are seconds (10^11 s is the year 5138). */
  static final double SECONDS_BELOW = 1e11;
  /** ... below this, milliseconds (10^14 ms is the year 5138 too) ... */
  static final double MILLIS_BELOW = 1e14;
  /** ... below this, microseconds; from here on, nanoseconds. */
  static final double MICROS_BELOW = 1e17;

  Kind kind = Kind.MISSING;
  String text;
  long integer;
  double real;
  boolean bool;
  String composite; // what it is, for messages: "a record", "an array", ...

  // the result of the last successful conversion
  String asText;
  double asNumber;
  boolean asBoolean;
  long asMillis;

  public Kind kind() {
    return kind;
  }

  public boolean isMissing() {
    return kind == Kind.MISSING;
  }

  void clear() {
    kind = Kind.MISSING;
    text = null;
  }

  void setText(String s) {
    kind = Kind.TEXT;
    text = s;
  }

  void setInteger(long v) {
    kind = Kind.INTEGER;
    integer = v;
  }

  void setReal(double v) {
    kind = Kind.REAL;
    real = v;
  }

  void setBoolean(boolean v) {
    kind = Kind.BOOLEAN;
    bool = v;
  }

  void setTimestampMillis(long millis) {
    kind = Kind.TIMESTAMP;
    integer = millis;
  }

  void setComposite(String what) {
    kind = Kind.COMPOSITE;
    composite = what;
  }

  /** The value as a text: texts, integers (decimal), reals ({@link Double#toString}) and booleans. */
  boolean readText() {
    switch (kind) {
      case TEXT -> asText = text;
      case INTEGER -> asText = Long.toString(integer);
      case REAL -> asText = Double.toString(real);
      case BOOLEAN -> asText = bool ? "true" : "false";
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The value as an id: a text or an integer (a real number or a boolean is not an id). */
  boolean readId() {
    switch (kind) {
      case TEXT -> asText = text;
      case INTEGER -> asText = Long.toString(integer);
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The value as a finite number: integers, reals, and texts that are decimal numbers. */
  boolean readNumber() {
    switch (kind) {
      case INTEGER -> asNumber = integer;
      case REAL -> asNumber = real;
      case TEXT -> {
        Double d = parseNumber(text);
        if (d == null) {
          return false;
        }
        asNumber = d;
      }
      default -> {
        return false;
      }
    }
    return Double.isFinite(asNumber);
  }

  /** The value as a boolean: true/false, the numbers 1/0, and the texts true/false/1/0 (any case). */
  boolean readBoolean() {
    switch (kind) {
      case BOOLEAN -> asBoolean = bool;
      case INTEGER -> {
        if (integer != 0 && integer != 1) {
          return false;
        }
        asBoolean = integer == 1;
      }
      case REAL -> {
        if (real != 0 && real != 1) {
          return false;
        }
        asBoolean = real == 1;
      }
      case TEXT -> {
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
          case "true", "1" -> asBoolean = true;
          case "false", "0" -> asBoolean = false;
          default -> {
            return false;
          }
        }
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * The value as a time in epoch milliseconds: an Avro timestamp (or date) logical type; a number (or a text of
   * digits) by its magnitude — below 10^11 seconds, below 10^14 milliseconds, below 10^17 microseconds, else
   * nanoseconds; an ISO-8601 text ({@code 2024-05-01T12:00:00Z}, with an offset, or without one as UTC, or a date
   * alone as its midnight UTC).
   */
  boolean readTime() {
    switch (kind) {
      case TIMESTAMP -> asMillis = integer;
      case INTEGER -> asMillis = millisOfNumber(integer);
      case REAL -> {
        if (!Double.isFinite(real)) {
          return false;
        }
        asMillis = millisOfNumber(real);
      }
      case TEXT -> {
        Long t = parseTime(text);
        if (t == null) {
          return false;
        }
        asMillis = t;
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** What the value is, for a message: {@code 'abc'}, {@code 12}, {@code true}, {@code a record}. */
  String describe() {
    return switch (kind) {
      case MISSING -> "missing";
      case TEXT -> Ids.quote(text);
      case INTEGER -> Long.toString(integer);
      case REAL -> Double.toString(real);
      case BOOLEAN -> Boolean.toString(bool);
      case TIMESTAMP -> Instant.ofEpochMilli(integer).toString();
      case COMPOSITE -> composite;
    };
  }

  static long millisOfNumber(long v) {
    long a = Math.abs(v);
    if (a < SECONDS_BELOW) {
      return v * 1000;
    }
    if (a < MILLIS_BELOW) {
      return v;
    }
    if (a < MICROS_BELOW) {
      return Math.floorDiv(v, 1000L);
    }
    return Math.floorDiv(v, 1_000_000L);
  }

  static long millisOfNumber(double v) {
    double a = Math.abs(v);
    if (a < SECONDS_BELOW) {
      return Math.round(v * 1000);
    }
    if (a < MILLIS_BELOW) {
      return Math.round(v);
    }
    if (a < MICROS_BELOW) {
      return Math.round(v / 1000);
    }
    return Math.round(v / 1e6);
  }

  /** A decimal number (no NaN, no Infinity, no hexadecimal), or null. */
  static Double parseNumber(String s) {
    String t = s.trim();
    if (t.isEmpty()) {
      return null;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
        return null;
      }
    }
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A time text in epoch milliseconds, or null: digits by magnitude, else ISO-8601. */
  static Long parseTime(String s) {
    String t = s.trim();
    if (t.isEmpty()) {
      return null;
    }
    Double number = parseNumber(t);
    if (number != null) {
      if (t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0) {
        try {
          return millisOfNumber(Long.parseLong(t));
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return Double.isFinite(number) ? millisOfNumber(number) : null;
    }
    try {
      return OffsetDateTime.parse(t).toInstant().toEpochMilli();
    } catch (DateTimeException e) {
      // without an offset, below
    }
    try {
      return Instant.parse(t).toEpochMilli();
    } catch (DateTimeException e) {
      // below
    }
    try {
      return LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeException e) {
      // below
    }
    try {
      return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeException e) {
      return null;
    }
  }
}
