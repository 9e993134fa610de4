package io.cellstream.cli;

import io.cellstream.cli.CsvImport.RowError;
import io.cellstream.cli.CsvImport.TimeFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns a CSV file into Avro records of its own columns ({@code import --as-record}): one field per column, typed by
 * {@link CsvColumnType}'s rule, in header order, in a record schema named after the topic. Two passes over the
 * file: the first infers the types (from every row, or from the first {@code inferRows}), the second converts the
 * rows. A row that does not fit (wrong number of fields, a bad time, a cell that contradicts a type inferred from
 * fewer rows or given with {@code --type}) is skipped and reported by line and column, as in the Event import.
 *
 * <p>An optional time column orders the records (stably: rows with the same time keep their file order) and becomes
 * an Avro {@code timestamp-millis} field, which the input layer reads as the event time. Data sets that number their
 * readings instead of timing them get a time derived from the number: origin + value × step, written to a field of
 * its own beside the column.
 */
final class CsvRecords {

  /** Rows between two progress reports. */
  static final long PROGRESS_EVERY = 100_000;

  /**
   * What to make of the file.
   *
   * @param recordName the Avro record's full name (a namespace may precede the last dot)
   * @param keyColumn the column whose text is the Kafka key, or null for no key
   * @param timeColumn the column with the event time, or null: then the records keep the file's order
   * @param timeOrigin with timeStep: the time column counts steps from this instant
   * @param timeField the field the time goes to; null = the time column's own field, retyped as timestamp-millis
   * @param types column types given by the user, over the inferred ones
   * @param inferRows rows the types are inferred from; 0 = every row
   */
  record Spec(String recordName, String keyColumn, String timeColumn, TimeFormat timeFormat, Instant timeOrigin,
      Duration timeStep, String timeField, Map<String, CsvColumnType> types, long inferRows) {

    Spec {
      types = Map.copyOf(types);
      if ((timeOrigin == null) != (timeStep == null)) {
        throw new IllegalArgumentException("--time-origin and --time-step go together");
      }
      if ((timeField != null || timeOrigin != null) && timeColumn == null) {
        throw new IllegalArgumentException("--time-field, --time-origin and --time-step need --time COL");
      }
      if (timeStep != null && (timeStep.isZero() || timeStep.isNegative())) {
        throw new IllegalArgumentException("--time-step must be positive, got " + timeStep);
      }
      if (inferRows < 0) {
        throw new IllegalArgumentException("--infer-rows must be 0 (every row) or positive, got " + inferRows);
      }
    }
  }

  /** One field of the record: the CSV column it comes from (null for a derived time field) and its type. */
  record Field(String name, String column, Schema schema, CsvColumnType type, boolean nullable, boolean forced) {
    /** How the field reads in a listing: {@code humidity: double}, {@code note: string or null}. */
    String describe() {
      String t = type == null ? "timestamp-millis" : type.label();
      String from = column == null ? " (derived time)" : column.equals(name) ? "" : " (column '" + column + "')";
      return name + ": " + t + (nullable ? " or null" : "") + (forced ? " (--type)" : "") + from;
    }
  }

  /** A converted row: the Kafka key (null for none) and the record. */
  record Keyed(String key, GenericRecord value) {}

  /** The schema, the records in order, what was skipped, and how many records went without a key. */
  record Result(Schema schema, List<Field> fields, List<Keyed> records, List<RowError> errors, long rows,
      long withoutKey) {}

  /** Told every {@link #every()} rows of each pass. */
  interface Progress {
    void rows(String pass, long rows);

    default long every() {
      return PROGRESS_EVERY;
    }

    Progress NONE = (pass, rows) -> { };
  }

  private CsvRecords() {}

  /** The schema alone: the first pass. */
  static Schema inferSchema(Path file, Spec spec, char separator, Progress progress) throws IOException {
    return plan(file, spec, separator, progress).schema;
  }

  /** Both passes: the schema and every row as a record of it. */
  static Result read(Path file, Spec spec, char separator, Progress progress) throws IOException {
    Plan plan = plan(file, spec, separator, progress);
    record Parsed(long time, int line, Keyed keyed) {}
    List<Parsed> parsed = new ArrayList<>();
    List<RowError> errors = new ArrayList<>();
    long rows = 0;
    long withoutKey = 0;
    try (CsvReader in = reader(file, separator)) {
      in.next(); // the header, read by the first pass
      CsvReader.Row row;
      while ((row = in.next()) != null) {
        if (++rows % progress.every() == 0) {
          progress.rows("converted", rows);
        }
        List<String> cells = row.fields();
        if (cells.size() != plan.header.size()) {
          errors.add(new RowError(row.line(), null, "has " + cells.size() + " fields, the header has " + plan.header.size()));
          continue;
        }
        long time = 0;
        if (plan.timeColumn >= 0) {
          try {
            time = plan.time(cells.get(plan.timeColumn).strip(), spec);
          } catch (IllegalArgumentException e) {
            errors.add(new RowError(row.line(), plan.header.get(plan.timeColumn), e.getMessage()));
            continue;
          }
        }
        GenericRecord record = new GenericData.Record(plan.schema);
        RowError bad = null;
        for (int f = 0; f < plan.fields.size() && bad == null; f++) {
          Field field = plan.fields.get(f);
          int c = plan.columnOfField[f];
          if (c < 0 || (c == plan.timeColumn && spec.timeField() == null)) {
            record.put(f, time);
            continue;
          }
          String cell = cells.get(c);
          if (CsvColumnType.isBlank(cell)) {
            if (!field.nullable()) {
              bad = new RowError(row.line(), field.column(), "blank, and the column is not nullable (its first "
                  + spec.inferRows() + " rows had no blank; --infer-rows 0 infers from every row)");
            }
            continue; // null
          }
          try {
            record.put(f, field.type().parse(cell, field.forced()));
          } catch (IllegalArgumentException e) {
            bad = new RowError(row.line(), field.column(), e.getMessage());
          }
        }
        if (bad != null) {
          errors.add(bad);
          continue;
        }
        String key = null;
        if (plan.keyColumn >= 0) {
          String k = cells.get(plan.keyColumn).strip();
          if (k.isEmpty()) {
            withoutKey++;
          } else {
            key = k;
          }
        }
        parsed.add(new Parsed(time, row.line(), new Keyed(key, record)));
      }
    }
    if (plan.timeColumn >= 0) {
      parsed.sort(Comparator.comparingLong(Parsed::time).thenComparingInt(Parsed::line));
    }
    return new Result(plan.schema, plan.fields, parsed.stream().map(Parsed::keyed).toList(), errors, rows, withoutKey);
  }

  /** The outcome of the first pass: the header, the fields and where each one's value comes from. */
  private record Plan(List<String> header, Schema schema, List<Field> fields, int[] columnOfField, int keyColumn,
      int timeColumn) {

    long time(String cell, Spec spec) {
      if (spec.timeOrigin() == null) {
        return CsvImport.parseTime(cell, spec.timeFormat());
      }
      long step = spec.timeStep().toMillis();
      try {
        if (CsvColumnType.isLong(cell)) {
          return Math.addExact(spec.timeOrigin().toEpochMilli(), Math.multiplyExact(Long.parseLong(cell), step));
        }
        if (CsvColumnType.isDouble(cell)) {
          return Math.addExact(spec.timeOrigin().toEpochMilli(), Math.round(Double.parseDouble(cell) * step));
        }
      } catch (ArithmeticException e) {
        // fall through
      }
      throw new IllegalArgumentException(cell.isEmpty() ? "empty time"
          : "'" + cell + "' is not a number of steps (--time-origin " + spec.timeOrigin() + " --time-step " + spec.timeStep() + ")");
    }
  }

  private static CsvReader reader(Path file, char separator) throws IOException {
    return new CsvReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), separator);
  }

  private static Plan plan(Path file, Spec spec, char separator, Progress progress) throws IOException {
    List<String> header;
    List<CsvColumnType.Inference> inference = new ArrayList<>();
    try (CsvReader in = reader(file, separator)) {
      CsvReader.Row first = in.next();
      if (first == null) {
        throw new IOException(file + " is empty: expected a header row with the column names");
      }
      List<String> names = new ArrayList<>(first.fields().stream().map(String::strip).toList());
      if (names.getFirst().startsWith("\uFEFF")) { // the byte order mark that spreadsheet programs write
        names.set(0, names.getFirst().substring(1).strip());
      }
      header = List.copyOf(names);
      header.forEach(n -> inference.add(new CsvColumnType.Inference()));
      CsvReader.Row row;
      long rows = 0;
      while ((spec.inferRows() == 0 || rows < spec.inferRows()) && (row = in.next()) != null) {
        if (++rows % progress.every() == 0) {
          progress.rows("typed", rows);
        }
        if (row.fields().size() != header.size()) {
          continue; // skipped and reported by the second pass
        }
        for (int c = 0; c < header.size(); c++) {
          inference.get(c).observe(row.fields().get(c));
        }
      }
    }
    for (int c = 0; c < header.size(); c++) {
      if (header.get(c).isEmpty()) {
        throw new IOException("column " + (c + 1) + " has no name in the header " + header);
      }
    }
    int keyColumn = spec.keyColumn() == null ? -1 : column(header, spec.keyColumn(), "--key");
    int timeColumn = spec.timeColumn() == null ? -1 : column(header, spec.timeColumn(), "--time");
    for (String typed : spec.types().keySet()) {
      column(header, typed, "--type " + typed + "=...");
    }

    List<Field> fields = new ArrayList<>();
    List<Integer> sources = new ArrayList<>();
    Map<String, String> columnByField = new HashMap<>();
    for (int c = 0; c < header.size(); c++) {
      String column = header.get(c);
      String name = avroName(column);
      String clash = columnByField.putIfAbsent(name, column);
      if (clash != null) {
        throw new IOException("columns '" + clash + "' and '" + column + "' would both be the Avro field " + name
            + " (a field name is letters, digits and _): rename one in the header");
      }
      Schema timestamp = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
      if (c == timeColumn && spec.timeField() == null) {
        fields.add(new Field(name, column, timestamp, null, false, false));
      } else {
        CsvColumnType forced = spec.types().get(column);
        CsvColumnType type = forced != null ? forced : inference.get(c).type();
        boolean nullable = inference.get(c).nullable();
        fields.add(new Field(name, column, nullable(Schema.create(type.avroType), nullable), type, nullable, forced != null));
      }
      sources.add(c);
    }
    if (spec.timeField() != null) {
      String name = spec.timeField();
      if (!avroName(name).equals(name)) {
        throw new IOException("--time-field " + name + ": not an Avro name (letters, digits and _, not starting with a digit)");
      }
      if (columnByField.containsKey(name)) {
        throw new IOException("--time-field " + name + ": the column '" + columnByField.get(name) + "' is already that field");
      }
      fields.add(new Field(name, null, LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)), null,
          false, false));
      sources.add(-1);
    }

    List<Schema.Field> avroFields = new ArrayList<>();
    for (Field f : fields) {
      avroFields.add(new Schema.Field(f.name(), f.schema(), doc(f, spec), f.nullable() ? Schema.Field.NULL_DEFAULT_VALUE : null));
    }
    int dot = spec.recordName().lastIndexOf('.');
    String simple = spec.recordName().substring(dot + 1);
    String namespace = dot < 0 ? null : spec.recordName().substring(0, dot);
    Schema schema = Schema.createRecord(simple, "A row of a CSV file, as cellstream import --as-record wrote it",
        namespace, false, avroFields);
    return new Plan(header, schema, List.copyOf(fields), sources.stream().mapToInt(Integer::intValue).toArray(),
        keyColumn, timeColumn);
  }

  /** Says where a field comes from when its name does not: a renamed column, the event time, a derived time. */
  private static String doc(Field f, Spec spec) {
    if (f.column() == null) {
      return spec.timeOrigin() == null ? "event time (column '" + spec.timeColumn() + "')"
          : "event time: " + spec.timeOrigin() + " + " + spec.timeColumn() + " x " + spec.timeStep();
    }
    if (f.type() == null) {
      return "event time (column '" + f.column() + "')";
    }
    return f.column().equals(f.name()) ? null : "column '" + f.column() + "'";
  }

  private static Schema nullable(Schema s, boolean nullable) {
    return nullable ? Schema.createUnion(Schema.create(Schema.Type.NULL), s) : s;
  }

  private static int column(List<String> header, String wanted, String option) throws IOException {
    int i = header.indexOf(wanted);
    if (i < 0) {
      throw new IOException(option + " " + wanted + ": no such column; the header has " + header);
    }
    return i;
  }

  /**
   * An Avro name for a topic or a column: every character that is not a letter, digit or _ becomes _, and a leading
   * digit gets a _ before it ({@code my-topic.v2} → {@code my_topic_v2}, {@code 2nd} → {@code _2nd}).
   */
  static String avroName(String s) {
    StringBuilder b = new StringBuilder(s.length() + 1);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      b.append((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ? ch : '_');
    }
    if (b.isEmpty() || Character.isDigit(b.charAt(0))) {
      b.insert(0, '_');
    }
    return b.toString();
  }

  /** The record name for a topic: {@link #avroName} of it. */
  static String recordName(String topic) {
    return avroName(topic);
  }

  /** A listing of the fields for the console, one per line. */
  static String describe(List<Field> fields) {
    StringBuilder b = new StringBuilder();
    for (Field f : fields) {
      b.append(String.format(Locale.ROOT, "  %s%n", f.describe()));
    }
    return b.toString();
  }

  /** The types given with {@code --type col=TYPE,...}, by column. */
  static Map<String, CsvColumnType> parseTypes(List<String> entries) {
    Map<String, CsvColumnType> out = new LinkedHashMap<>();
    for (String e : entries) {
      int eq = e.lastIndexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--type " + e + ": expected COLUMN=TYPE, e.g. indoor=boolean");
      }
      out.put(e.substring(0, eq).strip(), CsvColumnType.parse(e.substring(eq + 1)));
    }
    return out;
  }
}
