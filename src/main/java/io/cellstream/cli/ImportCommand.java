package io.cellstream.cli;

import io.cellstream.avro.Event;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.lstm.Task;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SchemaRegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cellstream import}: a CSV file into the events topic, as Avro through the schema registry, sorted by time. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {
        "Loads a CSV file (with a header row) into the events topic: one Avro Event per row, keyed by entity,",
        "in time order. Bad rows are skipped and reported with their line, column and reason.",
        "Record timestamps are the import time (the broker's retention counts from them); each event's own",
        "time is in its eventTime field.",
        "Example: cellstream import --csv tx.csv --entity card --time ts --features 'f*' --target fraud --task binary"})
public final class ImportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(names = "--csv", required = true, paramLabel = "FILE", description = "The CSV file; the first row names the columns.")
  Path csv;

  @Option(names = "--entity", required = true, paramLabel = "COL", description = "Column with the entity id (the Kafka key).")
  String entity;

  @Option(names = "--time", required = true, paramLabel = "COL",
      description = "Column with the event time: ISO-8601 (2024-05-01T12:00:00Z; no offset = UTC), epoch milliseconds or epoch seconds.")
  String time;

  @Option(names = "--time-format", paramLabel = "FORMAT", defaultValue = "auto",
      description = "auto, iso, epoch-millis or epoch-seconds. Default: ${DEFAULT-VALUE} (numbers below 1e11 are seconds).")
  String timeFormat;

  @Option(names = "--features", required = true, paramLabel = "COLS", split = ",",
      description = "Feature columns, comma-separated, in order; 'f*' takes every column starting with f (header order).")
  List<String> features;

  @Option(names = "--target", paramLabel = "COL", description = "Column with the label (optional; an empty cell means no label).")
  String target;

  @Option(names = "--event-id", paramLabel = "COL", description = "Column with a per-entity event id that labels can refer to (optional).")
  String eventId;

  @Option(names = "--task", paramLabel = "TASK", description = "binary, multiclass or regression: checks the targets (0/1, class index, any number).")
  String task;

  @Option(names = "--classes", paramLabel = "K", defaultValue = "0", description = "multiclass: number of classes, to check class indexes.")
  int classes;

  @Option(names = "--separator", paramLabel = "CHAR", defaultValue = ",", description = "Field separator. Default: '${DEFAULT-VALUE}'.")
  char separator;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "Target topic. Default: cellstream.topic.events of the configuration.")
  String topic;

  @Option(names = "--strict", description = "Exit with status 1 when any row was skipped.")
  boolean strict;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CellstreamConfig c;
    try {
      c = CellstreamConfig.from(config.settings(java.util.Map.of()));
    } catch (ConfigException | IOException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    CsvImport.Spec s = new CsvImport.Spec(entity, time, features, target, eventId, task == null ? null : Task.parse(task),
        classes, CsvImport.TimeFormat.valueOf(timeFormat.toUpperCase(Locale.ROOT).replace('-', '_')));
    CsvImport.Result r;
    try {
      r = CsvImport.read(csv, s, separator);
    } catch (IOException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    String destination = topic != null ? topic : c.stream().topics().events();
    err.printf(Locale.ROOT, "%s: %d rows, %d valid, D=%d features %s%n", csv, r.rows(), r.events().size(),
        r.featureColumns().size(), r.featureColumns());
    if (r.featureColumns().size() != c.stream().spec().inputSize()) {
      err.printf(Locale.ROOT, "note: the service is configured for D=%d features (cellstream.model.input-size); these events have %d%n",
          c.stream().spec().inputSize(), r.featureColumns().size());
    }
    for (CsvImport.RowError e : r.errors().subList(0, Math.min(20, r.errors().size()))) {
      err.println("  skipped " + e);
    }
    if (r.errors().size() > 20) {
      err.println("  ... and " + (r.errors().size() - 20) + " more skipped rows");
    }
    err.flush();

    try {
      ServiceRunner.checkKafka(c.kafka());
    } catch (ServiceRunner.UnreachableException e) {
      err.println("cellstream import: " + e.getMessage());
      return RunCommand.EXIT_UNREACHABLE;
    }
    try (SchemaRegistryClient registry = new SchemaRegistryClient(c.schemaRegistryUrl(), c.schemaRegistryBasicAuth(), Duration.ofSeconds(10))) {
      try {
        ServiceRunner.checkRegistry(registry, c.schemaRegistryUrl());
      } catch (ServiceRunner.UnreachableException e) {
        err.println("cellstream import: " + e.getMessage());
        return RunCommand.EXIT_UNREACHABLE;
      }
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, registry);
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
      long started = System.nanoTime();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (Event e : r.events()) {
          producer.send(new ProducerRecord<>(destination, e.getEntityId().getBytes(StandardCharsets.UTF_8),
              serde.encode(destination, e)), (md, ex) -> {
                if (ex != null) {
                  failed.incrementAndGet();
                  firstFailure.compareAndSet(null, ex);
                }
              });
          if (++sent % 100_000 == 0) {
            err.printf(Locale.ROOT, "  %d/%d events sent%n", sent, r.events().size());
            err.flush();
          }
        }
        producer.flush();
      }
      if (failed.get() > 0) {
        err.println("cellstream import: " + failed.get() + " events could not be written: " + firstFailure.get());
        return 1;
      }
      double secs = (System.nanoTime() - started) / 1e9;
      out.printf(Locale.ROOT, "imported %d events (%d with a target) into %s in %.1f s; skipped %d of %d rows%n",
          r.events().size(), r.withTarget(), destination, secs, r.errors().size(), r.rows());
      out.flush();
    }
    return strict && !r.errors().isEmpty() ? 1 : 0;
  }
}
