package io.cellstream.cli;

import io.cellstream.avro.Event;
import io.cellstream.lstm.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a CSV file into Avro events, sorted by time: one row per event, with the entity, the time, D feature
 * columns and an optional target. Bad rows are skipped, each with its line, column and reason.
 */
final class CsvImport {

  /** Which columns mean what, and what a valid target is. */
  record Spec(String entity, String time, List<String> features, String target, String eventId, Task task, int classes,
      TimeFormat timeFormat) {}

  enum TimeFormat { AUTO, ISO, EPOCH_MILLIS, EPOCH_SECONDS }

  /** A row that was skipped. */
  record RowError(int line, String column, String reason) {
    @Override
    public String toString() {
      return "line " + line + (column == null ? "" : ", column " + column) + ": " + reason;
    }
  }

  /** The events (sorted by time, then by line) and what was skipped. */
  record Result(List<Event> events, List<RowError> errors, long rows, List<String> featureColumns, long withTarget) {}

  private CsvImport() {}

  static Result read(Path file, Spec spec, char separator) throws IOException {
    record Parsed(long time, int line, Event event) {}
    List<Parsed> parsed = new ArrayList<>();
    List<RowError> errors = new ArrayList<>();
    long rows = 0;
    long withTarget = 0;
    try (CsvReader in = new CsvReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), separator)) {
      CsvReader.Row header = in.next();
      if (header == null) {
        throw new IOException(file + " is empty: expected a header row with the column names");
      }
      List<String> names = header.fields().stream().map(String::trim).toList();
      int entityCol = column(names, spec.entity(), "--entity");
      int timeCol = column(names, spec.time(), "--time");
      Set<String> roles = new java.util.HashSet<>(java.util.Arrays.asList(spec.entity(), spec.time(), spec.target(), spec.eventId()));
      List<String> featureNames = resolveFeatures(names, spec.features(), roles);
      int[] featureCols = featureNames.stream().mapToInt(names::indexOf).toArray();
      int targetCol = spec.target() == null ? -1 : column(names, spec.target(), "--target");
      int idCol = spec.eventId() == null ? -1 : column(names, spec.eventId(), "--event-id");

      CsvReader.Row row;
      while ((row = in.next()) != null) {
        rows++;
        List<String> f = row.fields();
        if (f.size() != names.size()) {
          errors.add(new RowError(row.line(), null, "has " + f.size() + " fields, the header has " + names.size()));
          continue;
        }
        String entity = f.get(entityCol).trim();
        if (entity.isEmpty()) {
          errors.add(new RowError(row.line(), names.get(entityCol), "empty entity id"));
          continue;
        }
        long time;
        try {
          time = parseTime(f.get(timeCol).trim(), spec.timeFormat());
        } catch (IllegalArgumentException e) {
          errors.add(new RowError(row.line(), names.get(timeCol), e.getMessage()));
          continue;
        }
        List<Float> features = new ArrayList<>(featureCols.length);
        RowError bad = null;
        for (int c : featureCols) {
          String v = f.get(c).trim();
          try {
            float x = Float.parseFloat(v);
            if (!Float.isFinite(x)) {
              bad = new RowError(row.line(), names.get(c), "'" + v + "' is not a finite number");
              break;
            }
            features.add(x);
          } catch (NumberFormatException e) {
            bad = new RowError(row.line(), names.get(c), v.isEmpty() ? "empty feature value" : "'" + v + "' is not a number");
            break;
          }
        }
        if (bad != null) {
          errors.add(bad);
          continue;
        }
        Float target = null;
        if (targetCol >= 0 && !f.get(targetCol).isBlank()) {
          String v = f.get(targetCol).trim();
          try {
            target = checkTarget(Float.parseFloat(v), spec);
          } catch (NumberFormatException e) {
            errors.add(new RowError(row.line(), names.get(targetCol), "'" + v + "' is not a number"));
            continue;
          } catch (IllegalArgumentException e) {
            errors.add(new RowError(row.line(), names.get(targetCol), e.getMessage()));
            continue;
          }
          withTarget++;
        }
        String eventId = idCol >= 0 && !f.get(idCol).isBlank() ? f.get(idCol).trim() : null;
        Event event = Event.newBuilder().setEntityId(entity).setEventId(eventId).setEventTime(Instant.ofEpochMilli(time))
            .setFeatures(features).setTarget(target).build();
        parsed.add(new Parsed(time, row.line(), event));
      }
      parsed.sort(Comparator.comparingLong(Parsed::time).thenComparingInt(Parsed::line));
      return new Result(parsed.stream().map(Parsed::event).toList(), errors, rows, featureNames, withTarget);
    }
  }

  private static int column(List<String> names, String wanted, String option) throws IOException {
    int i = names.indexOf(wanted);
    if (i < 0) {
      throw new IOException(option + " " + wanted + ": no such column; the header has " + names);
    }
    return i;
  }

  /**
   * Feature columns by name; an entry ending in '*' takes every column with that prefix, in header order, except
   * the entity, time, target and event-id columns.
   */
  static List<String> resolveFeatures(List<String> names, List<String> wanted, Set<String> roles) throws IOException {
    Set<String> out = new LinkedHashSet<>();
    for (String w : wanted) {
      String p = w.trim();
      if (p.endsWith("*")) {
        String prefix = p.substring(0, p.length() - 1);
        int before = out.size();
        names.stream().filter(n -> n.startsWith(prefix) && !roles.contains(n)).forEach(out::add);
        if (out.size() == before) {
          throw new IOException("--features " + p + ": no column starts with '" + prefix + "'; the header has " + names);
        }
      } else {
        if (!names.contains(p)) {
          throw new IOException("--features " + p + ": no such column; the header has " + names);
        }
        out.add(p);
      }
    }
    if (out.isEmpty()) {
      throw new IOException("--features names no column");
    }
    return List.copyOf(out);
  }

  /** Parses an ISO-8601 instant/date-time/date (UTC when no offset) or epoch milliseconds/seconds. */
  static long parseTime(String v, TimeFormat format) {
    if (v.isEmpty()) {
      throw new IllegalArgumentException("empty time");
    }
    boolean numeric = v.chars().allMatch(ch -> Character.isDigit(ch) || ch == '-') && !v.substring(1).contains("-");
    TimeFormat f = format;
    if (f == TimeFormat.AUTO) {
      // Epoch seconds stay below 1e11 until the year 5138; epoch millis are above it since 1973.
      f = numeric ? (Math.abs(Long.parseLong(v)) < 100_000_000_000L ? TimeFormat.EPOCH_SECONDS : TimeFormat.EPOCH_MILLIS)
          : TimeFormat.ISO;
    }
    try {
      return switch (f) {
        case EPOCH_MILLIS -> Long.parseLong(v);
        case EPOCH_SECONDS -> Math.multiplyExact(Long.parseLong(v), 1000L);
        case ISO -> parseIso(v);
        case AUTO -> throw new IllegalStateException();
      };
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + v + "' is not a time (" + f.name().toLowerCase(Locale.ROOT).replace('_', '-')
          + "; use ISO-8601 like 2024-05-01T12:00:00Z, epoch milliseconds or epoch seconds)");
    }
  }

  private static long parseIso(String v) {
    try {
      return Instant.parse(v).toEpochMilli();
    } catch (DateTimeParseException e) {
      // fall through
    }
    try {
      return OffsetDateTime.parse(v).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      // fall through
    }
    try {
      return LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException e) {
      // fall through
    }
    return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  static Float checkTarget(float t, Spec spec) {
    if (!Float.isFinite(t)) {
      throw new IllegalArgumentException("target " + t + " is not finite");
    }
    if (spec.task() == null) {
      return t;
    }
    switch (spec.task()) {
      case BINARY -> {
        if (t != 0f && t != 1f) {
          throw new IllegalArgumentException("binary target must be 0 or 1, got " + t);
        }
      }
      case MULTICLASS -> {
        if (t != Math.rint(t) || t < 0 || (spec.classes() > 0 && t >= spec.classes())) {
          throw new IllegalArgumentException("multiclass target must be a class index 0.."
              + (spec.classes() > 0 ? spec.classes() - 1 : "K-1") + ", got " + t);
        }
      }
      case REGRESSION -> { }
    }
    return t;
  }
}
