package io.cellstream.cli;

import io.cellstream.bench.stream.StreamBenchOptions;
import io.cellstream.bench.stream.StreamBenchReport;
import io.cellstream.bench.stream.StreamBenchmark;
import io.cellstream.util.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code cellstream bench stream}: the service end to end on a broker — throughput on one and two stream
 * threads, the LSTM against a pass-through step on the same events, latency at a fixed load, state bytes per
 * entity, training, entity scaling against the engine baseline, the state path's variants. Prints a table, writes
 * JSON, headline lines, and ends with {@code stream H=64 lstm/passthrough throughput ratio: X.XX}.
 */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description = {
        "Measures the whole service on a broker (the in-process one by default): events/s on 1 and 2 stream "
            + "threads; the same topology with the LSTM step replaced by a pass-through (same events, same state "
            + "reads and writes) and the ratio of the two; event -> prediction latency at half the measured "
            + "maximum; state bytes per entity (RocksDB, changelog) without and with a label window; training "
            + "examples/s and label -> model time; throughput and state at several entity counts, against plain Kafka "
            + "Streams doing only a get and a put per event (the engine baseline); the state path one change at a time.",
        "The full run takes a long while (1M entities); --quick finishes in under two minutes with smaller "
            + "sizes. The last line is 'stream H=64 lstm/passthrough throughput ratio: X.XX'."
    })
public final class BenchStreamCommand implements Callable<Integer> {

  @Option(names = "--quick", description = "Smaller sizes (E=10k, N=60k, 2 ratio pairs, scaling 1k/10k/100k, short phases): under two minutes here.")
  boolean quick;

  @Option(names = "--bootstrap-servers", paramLabel = "HOSTS",
      description = "Run against this Kafka instead of the in-process broker (needs --schema-registry-url). "
          + "Topics named bench-<time>-* are created and deleted at the end.")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL", description = "The Confluent-compatible registry that goes with --bootstrap-servers.")
  String schemaRegistryUrl;

  @Option(names = "--hidden", paramLabel = "H", description = "Hidden size H (default 64).")
  Integer hidden;

  @Option(names = "--input", paramLabel = "D", description = "Features per event D (default 16).")
  Integer input;

  @Option(names = "--entities", paramLabel = "E", description = "Entities of the main runs (default 100k; quick 10k).")
  Integer entities;

  @Option(names = "--events", paramLabel = "N", description = "Measured events of the main runs (default 1M; quick 60k).")
  Long events;

  @Option(names = "--repeats", paramLabel = "R", description = "LSTM / pass-through pairs on one thread (default 2; quick 2).")
  Integer repeats;

  @Option(names = "--scaling", paramLabel = "E,...", split = ",", description = "Entity counts of the scaling runs (default 1000,100000,1000000; quick 1000,10000,100000).")
  List<Integer> scaling;

  @Option(names = "--scaling-events", paramLabel = "N", description = "Measured events of each scaling run (default 1M; quick 30k).")
  Long scalingEvents;

  @Option(names = "--training-entities", paramLabel = "E", description = "Entities of the training run (default 1000; quick 500).")
  Integer trainingEntities;

  @Option(names = "--training-events", paramLabel = "N", description = "Events of the training run (default 200k; quick 20k).")
  Long trainingEvents;

  @Option(names = "--window", paramLabel = "W", description = "Label window of the training run (default 32).")
  Integer window;

  @Option(names = "--latency-seconds", paramLabel = "S", description = "Length of each paced phase (default 30; quick 4).")
  Double latencySeconds;

  @Option(names = "--latency-load", paramLabel = "FRACTION",
      description = "Share of each delivery mode's measured 1-thread maximum the latency runs are paced at (default "
          + "0.5; the headline lines then say 'at 50% load').")
  Double latencyLoad;

  @Option(names = "--latency-commit-ms", paramLabel = "MS,...", split = ",",
      description = "commit.interval.ms of the latency runs, 0 = Kafka Streams' default (default 0,20; quick 0).")
  List<Integer> latencyCommitMs;

  @Option(names = "--partitions", paramLabel = "P", description = "Partitions of the events topics (default 2).")
  Integer partitions;

  @Option(names = "--phases", paramLabel = "P,...", split = ",",
      description = "Phases to run, of ratio,threads,latency,training,scaling,state (default: all; ratio always runs; "
          + "state, the state path's variants at the largest E, runs scaling too).")
  List<String> phases;

  @Option(names = "--state-memory-mb", paramLabel = "MB",
      description = "State-store memory budget of every run (cellstream.state.memory-budget-mb; default: the service's). "
          + "Each run derives its record and block cache from it and its own E.")
  Long stateMemoryMb;

  @Option(names = "--warmup-events", paramLabel = "N", description = "Events of the unreported warm-up run (default 600k, or until the CPU per event settles and the JIT is mostly done; quick 30k; 0 = none).")
  Long warmupEvents;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A Kafka Streams setting for every run, e.g. processing.guarantee=at_least_once.")
  List<String> set;

  @Option(names = "--json", paramLabel = "FILE", description = "Where to write the JSON (default reports/bench-stream-<time>.json).")
  Path json;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Broker data and state directories (default: a temporary directory, deleted).")
  Path workDir;

  @Option(names = "--verbose", description = "Show the service's own log lines (model versions, state changes).")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if ((bootstrapServers == null) != (schemaRegistryUrl == null)) {
      err.println("bench stream: --bootstrap-servers and --schema-registry-url go together");
      return 2;
    }
    StreamBenchOptions o = quick ? StreamBenchOptions.quick() : StreamBenchOptions.full();
    o.bootstrapServers = bootstrapServers;
    o.schemaRegistryUrl = schemaRegistryUrl;
    if (hidden != null) o.hiddenSize = hidden;
    if (input != null) o.inputSize = input;
    if (entities != null) o.entities = entities;
    if (events != null) o.events = events;
    if (repeats != null) o.repeats = repeats;
    if (scaling != null) o.scaling = List.copyOf(scaling);
    if (scalingEvents != null) o.scalingEvents = scalingEvents;
    if (trainingEntities != null) o.trainingEntities = trainingEntities;
    if (trainingEvents != null) o.trainingEvents = trainingEvents;
    if (window != null) o.window = window;
    if (latencySeconds != null) o.latencySeconds = latencySeconds;
    if (latencyLoad != null) {
      if (!(latencyLoad > 0 && latencyLoad <= 1)) {
        err.println("bench stream: --latency-load must be a fraction in (0, 1], not " + latencyLoad);
        return 2;
      }
      o.loadFraction = latencyLoad;
    }
    if (latencyCommitMs != null) o.latencyCommitMs = List.copyOf(latencyCommitMs);
    if (partitions != null) o.partitions = partitions;
    if (warmupEvents != null) o.warmupEvents = warmupEvents;
    if (stateMemoryMb != null) o.stateMemoryMb = stateMemoryMb;
    if (phases != null) {
      for (String p : phases) {
        if (!StreamBenchOptions.PHASES.contains(p)) {
          err.println("bench stream: unknown phase " + p + "; phases are " + StreamBenchOptions.PHASES);
          return 2;
        }
      }
      o.phases = new java.util.LinkedHashSet<>(phases);
      o.phases.add("ratio");
    }
    Map<String, String> overrides = new LinkedHashMap<>();
    if (set != null) {
      for (String kv : set) {
        int i = kv.indexOf('=');
        if (i <= 0) {
          err.println("bench stream: --set expects KEY=VALUE, got " + kv);
          return 2;
        }
        overrides.put(kv.substring(0, i).strip(), kv.substring(i + 1).strip());
      }
    }
    o.streamsOverrides = overrides;
    o.verbose = verbose;
    boolean tempDir = workDir == null;
    o.workDir = tempDir ? Files.createTempDirectory("cellstream-bench-stream-") : workDir;
    o.jsonFile = json != null ? json
        : Path.of("reports", "bench-stream-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
    if (!verbose) {
      // A line per model version and state change: noise in a benchmark's output.
      Logging.quiet("io.cellstream", "org.apache.kafka.streams.KafkaStreams");
    }
    try {
      StreamBenchReport report = StreamBenchmark.run(o, err);
      report.put("command", "cellstream " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
      report.printTable(out);
      report.writeJson(o.jsonFile);
      out.println("json: " + o.jsonFile.toAbsolutePath());
      report.headlines().forEach(out::println);
      out.println(report.ratioLine());
      out.flush();
      return 0;
    } finally {
      if (tempDir) {
        FileTrees.deleteTree(o.workDir);
      }
    }
  }

}
