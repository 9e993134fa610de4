package io.cellstream.cli;

import io.cellstream.avro.Event;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.input.FieldPath;
import io.cellstream.input.InputFormat;
import io.cellstream.input.InputMapping;
import io.cellstream.lstm.Task;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.RegisteredSchema;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.serde.SchemaRegistryException;
import io.cellstream.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cellstream import}: a CSV file into a topic, as Avro in the Confluent wire format through the schema
 * registry. Two shapes: cellstream's own {@code Event} (entity, time, a feature vector, a target), sorted by time;
 * or, with {@code --as-record}, records of the file's own columns in a schema inferred from them, for the input
 * layer to read as a topic in the user's schema.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Loads a CSV file (with a header row) into a topic, as Avro in the Confluent",
        "wire format through the schema registry. Bad rows are skipped and reported",
        "with their line, column and reason. Results go to standard output; the",
        "column listing, progress and logs to standard error. Record timestamps are",
        "the import time (the broker's retention counts from them); each row's own",
        "time is in a field.",
        "",
        "Two shapes:",
        "  Event records (the default): one Avro Event per row (entity, time, the",
        "    --features columns as floats, an optional target), keyed by --entity,",
        "    in time order. Needs --entity, --time and --features.",
        "  --as-record: one record of the file's own columns per row, a field per",
        "    column in header order, in a record schema named after the topic and",
        "    registered under <topic>-value. Column types are inferred from every",
        "    row (or the first --infer-rows N): long when every non-blank cell is an",
        "    integer, else double when every one is a decimal number (2.5, -.5,",
        "    1e-3), else boolean when every one is true or false, else string. A",
        "    column with a blank cell is nullable (its blanks are null). Leading",
        "    zeros (007), NaN, Infinity and integers beyond 64 bits are text;",
        "    quoting does not matter (\"42\" is a number). --type overrides a",
        "    column's type. The service reads such a topic with",
        "    cellstream.input.format=avro and cellstream.input.entity, .time and",
        "    .target naming fields (config/cellstream.properties).",
        "",
        "Examples:",
        "  cellstream import --csv tx.csv --entity card --time ts --features 'f*' \\",
        "      --target fraud --task binary",
        "  cellstream import --csv tx.csv --as-record --topic tx --key card --time ts",
        "  cellstream import --csv data.csv --as-record --topic sensor --key mote_id \\",
        "      --time reading --time-origin 2010-05-09T00:00:00Z --time-step 5s \\",
        "      --time-field time",
        "",
        "Options:"})
public final class ImportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--csv", required = true, paramLabel = "FILE", description = "The CSV file (UTF-8); the first row names the columns.")
  Path csv;

  @Option(names = "--as-record",
      description = "Write records of the file's own columns (types inferred, schema registered under <topic>-value) instead of Events.")
  boolean asRecord;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "Target topic. Default: cellstream.topic.events of the configuration.")
  String topic;

  @Option(names = "--time", paramLabel = "COL",
      description = "Column with the event time: ISO-8601 (2024-05-01T12:00:00Z; no offset = UTC), epoch milliseconds or epoch"
          + " seconds. Events: required. --as-record: optional; the records are written in its order (equal times in file order)"
          + " and its field is an Avro timestamp-millis; without it, in file order.")
  String time;

  @Option(names = "--time-format", paramLabel = "FORMAT", defaultValue = "auto",
      description = "auto, iso, epoch-millis or epoch-seconds. Default: ${DEFAULT-VALUE} (numbers below 1e11 are seconds).")
  String timeFormat;

  @Option(names = "--separator", paramLabel = "CHAR", defaultValue = ",", description = "Field separator. Default: '${DEFAULT-VALUE}'.")
  char separator;

  @Option(names = "--strict", description = "Exit with status 1 when any row was skipped.")
  boolean strict;

  // Event records

  @Option(names = "--entity", paramLabel = "COL", description = "Events: column with the entity id (the Kafka key). Required.")
  String entity;

  @Option(names = "--features", paramLabel = "COLS", split = ",",
      description = "Events: feature columns, comma-separated, in order; 'f*' takes every column starting with f (header order). Required.")
  List<String> features;

  @Option(names = "--target", paramLabel = "COL", description = "Events: column with the label (optional; an empty cell means no label).")
  String target;

  @Option(names = "--event-id", paramLabel = "COL", description = "Events: column with a per-entity event id that labels can refer to (optional).")
  String eventId;

  @Option(names = "--task", paramLabel = "TASK", description = "Events: binary, multiclass or regression: checks the targets (0/1, class index, any number).")
  String task;

  @Option(names = "--classes", paramLabel = "K", defaultValue = "0", description = "Events, multiclass: number of classes, to check class indexes.")
  int classes;

  // --as-record

  @Option(names = "--key", paramLabel = "COL",
      description = "--as-record: column whose text (UTF-8) is the Kafka key; a blank cell is a record without a key. Default: no key.")
  String key;

  @Option(names = "--time-origin", paramLabel = "INSTANT",
      description = "--as-record: the --time column counts steps from this instant (ISO-8601, e.g. 2010-05-09T00:00:00Z):"
          + " time = origin + value x --time-step. For data sets that number their readings instead of timing them.")
  String timeOrigin;

  @Option(names = "--time-step", paramLabel = "DURATION",
      description = "--as-record, with --time-origin: the time between two steps: 5s, 250ms, 1m, 1h, 1d or ISO-8601 (PT5S).")
  String timeStep;

  @Option(names = "--time-field", paramLabel = "NAME",
      description = "--as-record: write the time to a new timestamp-millis field NAME (the last one), keeping the --time column as it is.")
  String timeField;

  @Option(names = "--type", paramLabel = "COL=TYPE", split = ",",
      description = "--as-record: a column's type instead of the inferred one: long, double, boolean (also takes 1/0) or string. Repeatable.")
  List<String> types = new ArrayList<>();

  @Option(names = "--infer-rows", paramLabel = "N", defaultValue = "0",
      description = "--as-record: infer the types from the first N rows only (a later row that does not fit is skipped and"
          + " reported). Default: ${DEFAULT-VALUE} = every row (one more pass over the file).")
  long inferRows;

  @Option(names = "--record-name", paramLabel = "NAME",
      description = "--as-record: the Avro record's full name (com.example.Reading). Default: the topic, with every character other than letters, digits and _ as _.")
  String recordName;

  @Option(names = "--print-schema",
      description = "--as-record: print the inferred Avro schema (JSON) on standard output and exit, without Kafka or the registry.")
  boolean printSchema;

  @Mixin ConfigOptions config;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String misuse = asRecord ? recordMisuse() : eventMisuse();
    if (misuse != null) {
      err.println("cellstream import: " + misuse);
      err.println("Try 'cellstream import --help' for the options of each shape.");
      return RunCommand.EXIT_CONFIG;
    }
    CellstreamConfig c;
    try {
      c = CellstreamConfig.from(config.settings(Map.of()));
    } catch (ConfigException | IOException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    String destination = topic != null ? topic : c.stream().topics().events();
    return asRecord ? importRecords(c, destination, out, err) : importEvents(c, destination, out, err);
  }

  private CsvImport.TimeFormat timeFormat() {
    return CsvImport.TimeFormat.valueOf(timeFormat.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** What an Event import misses or was given by mistake; null when the options fit. */
  private String eventMisuse() {
    List<String> missing = new ArrayList<>();
    if (entity == null) {
      missing.add("--entity");
    }
    if (time == null) {
      missing.add("--time");
    }
    if (features == null || features.isEmpty()) {
      missing.add("--features");
    }
    if (!missing.isEmpty()) {
      return "an Event import needs " + String.join(", ", missing) + " (or --as-record for records of the file's own columns)";
    }
    List<String> recordOnly = given(Map.of("--key", key != null, "--time-origin", timeOrigin != null,
        "--time-step", timeStep != null, "--time-field", timeField != null, "--type", !types.isEmpty(),
        "--infer-rows", inferRows != 0, "--record-name", recordName != null, "--print-schema", printSchema));
    return recordOnly.isEmpty() ? null : String.join(", ", recordOnly) + " only apply with --as-record";
  }

  /** What a record import was given that only Events take; null when the options fit. */
  private String recordMisuse() {
    List<String> eventOnly = given(Map.of("--entity", entity != null, "--features", features != null,
        "--target", target != null, "--event-id", eventId != null, "--task", task != null, "--classes", classes != 0));
    return eventOnly.isEmpty() ? null : String.join(", ", eventOnly) + " only apply to Event records: with --as-record every"
        + " column is a field, the key is --key COL, and the entity, time and target fields are chosen where the records"
        + " are read (cellstream.input.entity, .time, .target)";
  }

  private static List<String> given(Map<String, Boolean> options) {
    return options.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).sorted().toList();
  }

  private int importEvents(CellstreamConfig c, String destination, PrintWriter out, PrintWriter err) throws Exception {
    CsvImport.Spec s = new CsvImport.Spec(entity, time, features, target, eventId, task == null ? null : Task.parse(task),
        classes, timeFormat());
    CsvImport.Result r;
    try {
      r = CsvImport.read(csv, s, separator);
    } catch (IOException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    err.printf(Locale.ROOT, "%s: %d rows, %d valid, D=%d features %s%n", csv, r.rows(), r.events().size(),
        r.featureColumns().size(), r.featureColumns());
    if (r.featureColumns().size() != c.stream().spec().inputSize()) {
      err.printf(Locale.ROOT, "note: the service is configured for D=%d features (cellstream.model.input-size); these events have %d%n",
          c.stream().spec().inputSize(), r.featureColumns().size());
    }
    reportSkipped(r.errors(), err);

    Integer reachable = checkKafka(c, err);
    if (reachable != null) {
      return reachable;
    }
    try (SchemaRegistryClient registry = registry(c)) {
      reachable = checkRegistry(registry, c, err);
      if (reachable != null) {
        return reachable;
      }
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, registry);
      long started = System.nanoTime();
      Sent sent = send(c, r.events(), e -> new ProducerRecord<>(destination,
          e.getEntityId().getBytes(StandardCharsets.UTF_8), serde.encode(destination, e)), "events", err);
      if (sent.failed() > 0) {
        err.println("cellstream import: " + sent.failed() + " events could not be written: " + sent.firstFailure());
        return 1;
      }
      double secs = (System.nanoTime() - started) / 1e9;
      out.printf(Locale.ROOT, "imported %d events (%d with a target) into %s in %.1f s; skipped %d of %d rows%n",
          r.events().size(), r.withTarget(), destination, secs, r.errors().size(), r.rows());
      out.flush();
    }
    return strict && !r.errors().isEmpty() ? 1 : 0;
  }

  private int importRecords(CellstreamConfig c, String destination, PrintWriter out, PrintWriter err) throws Exception {
    CsvRecords.Spec s;
    try {
      s = new CsvRecords.Spec(recordName != null ? recordName : CsvRecords.recordName(destination), key, time, timeFormat(),
          timeOrigin == null ? null : parseInstant(timeOrigin), timeStep == null ? null : parseDuration(timeStep), timeField,
          CsvRecords.parseTypes(types), inferRows);
    } catch (IllegalArgumentException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    CsvRecords.Progress progress = (pass, rows) -> {
      err.printf(Locale.ROOT, "  %,d rows %s%n", rows, pass);
      err.flush();
    };
    if (printSchema) {
      try {
        out.println(CsvRecords.inferSchema(csv, s, separator, progress).toString(true));
      } catch (IOException | org.apache.avro.SchemaParseException e) {
        err.println("cellstream import: " + e.getMessage());
        return RunCommand.EXIT_CONFIG;
      }
      out.flush();
      return 0;
    }
    CsvRecords.Result r;
    try {
      r = CsvRecords.read(csv, s, separator, progress);
    } catch (IOException | org.apache.avro.SchemaParseException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    err.printf(Locale.ROOT, "%s: %d rows, %d valid, as records %s of %d fields:%n%s", csv, r.rows(), r.records().size(),
        r.schema().getFullName(), r.fields().size(), CsvRecords.describe(r.fields()));
    if (destination.equals(c.stream().topics().events())) {
      readingNotes(c.stream().mapping(), r.schema(), destination).forEach(err::println);
    }
    reportSkipped(r.errors(), err);

    Integer reachable = checkKafka(c, err);
    if (reachable != null) {
      return reachable;
    }
    try (SchemaRegistryClient registry = registry(c)) {
      reachable = checkRegistry(registry, c, err);
      if (reachable != null) {
        return reachable;
      }
      String subject = destination + "-value";
      int id;
      RegisteredSchema registered;
      try {
        id = registry.register(subject, r.schema());
        registered = registry.lookup(subject, r.schema());
      } catch (SchemaRegistryException e) {
        err.println("cellstream import: the registry refused the schema under " + subject + ": " + e.getMessage()
            + (e.status() == 409 ? " (the subject has an incompatible schema: other columns or types, e.g. an earlier import or"
                + " Events; import into another --topic, or change the subject's compatibility level)" : ""));
        return 1;
      }
      err.printf(Locale.ROOT, "schema %s: id %d, version %d of %s%n", r.schema().getFullName(), id, registered.version(), subject);
      err.flush();
      GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(r.schema());
      ByteArrayOutputStream body = new ByteArrayOutputStream(256);
      BinaryEncoder[] encoder = {null};
      long started = System.nanoTime();
      Sent sent = send(c, r.records(), k -> {
        body.reset();
        try {
          encoder[0] = EncoderFactory.get().binaryEncoder(body, encoder[0]);
          writer.write(k.value(), encoder[0]);
          encoder[0].flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return new ProducerRecord<>(destination, k.key() == null ? null : k.key().getBytes(StandardCharsets.UTF_8),
            WireFormat.frame(id, body.toByteArray()));
      }, "records", err);
      if (sent.failed() > 0) {
        err.println("cellstream import: " + sent.failed() + " records could not be written: " + sent.firstFailure());
        return 1;
      }
      double secs = (System.nanoTime() - started) / 1e9;
      out.printf(Locale.ROOT, "imported %d records (schema id %d, %s version %d) into %s in %.1f s; skipped %d of %d rows%s%n",
          r.records().size(), id, subject, registered.version(), destination, secs, r.errors().size(), r.rows(),
          key != null && r.withoutKey() > 0 ? "; " + r.withoutKey() + " without a key (blank " + key + ")" : "");
      out.flush();
    }
    return strict && !r.errors().isEmpty() ? 1 : 0;
  }

  /**
   * What in the configuration would not read these records from the events topic: the cellstream format, or an
   * entity, time, event-id or target field the records do not have. Said before writing, as a typo is cheaper here
   * than as a dead letter per record.
   */
  static List<String> readingNotes(InputMapping mapping, Schema schema, String topic) {
    List<String> notes = new ArrayList<>();
    if (mapping.format() == InputFormat.CELLSTREAM) {
      notes.add("note: the configuration reads " + topic + " as cellstream Events (cellstream.input.format=cellstream); to"
          + " learn from these records set cellstream.input.format=avro, cellstream.input.entity, .time, .target and"
          + " cellstream.features (docs/examples/sensor.properties is an example)");
      return notes;
    }
    Map<String, FieldPath> fields = new java.util.LinkedHashMap<>();
    fields.put("cellstream.input.entity", mapping.entity());
    fields.put("cellstream.input.time", mapping.time());
    fields.put("cellstream.input.event-id", mapping.eventId());
    fields.put("cellstream.input.target", mapping.target());
    fields.forEach((key, path) -> {
      if (path != null && (path.depth() != 1 || schema.getField(path.name(0)) == null)) {
        notes.add("note: " + key + "=" + path + " names no field of these records; they have "
            + schema.getFields().stream().map(Schema.Field::name).toList());
      }
    });
    return notes;
  }

  private static void reportSkipped(List<CsvImport.RowError> errors, PrintWriter err) {
    for (CsvImport.RowError e : errors.subList(0, Math.min(20, errors.size()))) {
      err.println("  skipped " + e);
    }
    if (errors.size() > 20) {
      err.println("  ... and " + (errors.size() - 20) + " more skipped rows");
    }
    err.flush();
  }

  private static SchemaRegistryClient registry(CellstreamConfig c) {
    return new SchemaRegistryClient(c.schemaRegistryUrl(), c.schemaRegistryBasicAuth(), Duration.ofSeconds(10));
  }

  /** Null when Kafka answers, else the exit code (after saying why). */
  private static Integer checkKafka(CellstreamConfig c, PrintWriter err) throws InterruptedException {
    try {
      ServiceRunner.checkKafka(c.kafka());
      return null;
    } catch (ServiceRunner.UnreachableException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_UNREACHABLE;
    }
  }

  private static Integer checkRegistry(SchemaRegistryClient registry, CellstreamConfig c, PrintWriter err) {
    try {
      ServiceRunner.checkRegistry(registry, c.schemaRegistryUrl());
      return null;
    } catch (ServiceRunner.UnreachableException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_UNREACHABLE;
    }
  }

  private record Sent(long failed, Exception firstFailure) {}

  /** Produces every item (acks=all, idempotent), reporting progress every 100,000; waits for all of them. */
  private static <T> Sent send(CellstreamConfig c, List<T> items, Function<T, ProducerRecord<byte[], byte[]>> toRecord,
      String what, PrintWriter err) {
    Properties p = new Properties();
    for (String k : c.kafka().stringPropertyNames()) {
      if (ProducerConfig.configNames().contains(k)) {
        p.put(k, c.kafka().getProperty(k));
      }
    }
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    AtomicLong failed = new AtomicLong();
    AtomicReference<Exception> firstFailure = new AtomicReference<>();
    long sent = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Iterator<T> it = items.iterator(); it.hasNext(); ) {
        producer.send(toRecord.apply(it.next()), (md, ex) -> {
          if (ex != null) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, ex);
          }
        });
        if (++sent % 100_000 == 0) {
          err.printf(Locale.ROOT, "  %d/%d %s sent%n", sent, items.size(), what);
          err.flush();
        }
      }
      producer.flush();
    }
    return new Sent(failed.get(), firstFailure.get());
  }

  static Instant parseInstant(String v) {
    try {
      return Instant.ofEpochMilli(CsvImport.parseTime(v.strip(), CsvImport.TimeFormat.ISO));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--time-origin " + v + ": not an ISO-8601 time such as 2010-05-09T00:00:00Z");
    }
  }

  /** {@code 5s}, {@code 250ms}, {@code 1m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT5S}). */
  static Duration parseDuration(String v) {
    String s = v.strip().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("p")) {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      }
      int unit = 0;
      while (unit < s.length() && (Character.isDigit(s.charAt(unit)) || s.charAt(unit) == '.')) {
        unit++;
      }
      double n = Double.parseDouble(s.substring(0, unit));
      long millisPerUnit = switch (s.substring(unit).strip()) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m", "min" -> 60_000;
        case "h" -> 3_600_000;
        case "d" -> 86_400_000;
        default -> throw new IllegalArgumentException();
      };
      return Duration.ofMillis(Math.round(n * millisPerUnit));
    } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("--time-step " + v + ": not a duration such as 5s, 250ms, 1m, 1h, 1d or PT5S");
    }
  }
}
