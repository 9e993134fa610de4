package io.cellstream.bench.stream;

import io.cellstream.avro.Event;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.AvroSerde;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.StateStoreSettings;
import io.cellstream.stream.StreamSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * What every phase of {@code bench stream} shares: the options, the report, the broker's clients, the data sets
 * and how a measured run is made (one {@link Deployment} per run, its throughput over the measured part of a
 * pre-loaded backlog). Phases differ in what they run, not in how.
 */
final class BenchContext {

  final StreamBenchOptions o;
  final StreamBenchReport report = new StreamBenchReport();
  final List<String> runNotes = new ArrayList<>();
  final Map<String, Object> client;
  final CellstreamSerdes serdes;
  final AvroSerde<Event> eventSerde;
  final Admin admin;
  private final PrintWriter log;
  private final String prefix;
  private final long started;
  private int runs;

  BenchContext(StreamBenchOptions o, PrintWriter log, long started, Map<String, Object> client,
      CellstreamSerdes serdes, Admin admin) {
    this.o = o;
    this.log = log;
    this.started = started;
    this.client = client;
    this.serdes = serdes;
    this.eventSerde = serdes.events();
    this.admin = admin;
    this.prefix = "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("MMddHHmmss")) + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  }

  ModelSpec spec() {
    return new ModelSpec(o.inputSize, o.hiddenSize, 1, Task.BINARY);
  }

  // ------------------------------------------------------------------ data

  /** A pre-loaded events topic: one warm-up event per entity, in order, then {@code measured} at random. */
  record Dataset(String events, String labels, int entities, long warm, long measured) {}

  Dataset load(String name, int entities, long measured, boolean labelled) throws Exception {
    String events = prefix + "-" + name + "-events";
    String labels = prefix + "-" + name + "-labels";
    createTopics(List.of(new NewTopic(events, o.partitions, (short) -1), new NewTopic(labels, o.partitions, (short) -1)));
    long t0 = System.nanoTime();
    try (EventWriter w = new EventWriter(client, eventSerde, o.inputSize, name.hashCode(), false)) {
      long seq = 0;
      for (int e = 0; e < entities; e++) {
        w.send(events, e, "s" + seq++, labelled);
      }
      var random = w.random();
      for (long i = 0; i < measured; i++) {
        w.send(events, random.nextInt(entities), "s" + seq++, labelled);
      }
      w.flush();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    progress("  loaded %-15s %,d events for %,d entities in %.1f s", name, entities + measured, entities, secs);
    return new Dataset(events, labels, entities, entities, measured);
  }

  /**
   * Creates topics and waits until every partition has a leader, so that the service's own topic check that
   * follows (it describes the topics right after creating them) never sees them half-created.
   */
  void createTopics(List<NewTopic> topics) throws Exception {
    admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    List<String> names = topics.stream().map(NewTopic::name).toList();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        var d = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        if (d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) {
          return;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        // not in the metadata yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have no leaders after 30 s");
      }
      Thread.sleep(20);
    }
  }

  void deleteTopics() {
    try {
      Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> ours = names.stream().filter(n -> n.startsWith(prefix)).toList();
      if (!ours.isEmpty()) {
        admin.deleteTopics(ours).all().get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      progress("could not delete the benchmark's topics: %s", e.getMessage());
    }
  }

  // ------------------------------------------------------------------ deployments

  /**
   * How a run is deployed. {@code streams} are Kafka Streams settings over the benchmark's own ({@code --set}),
   * {@code state} sizes the state stores as the service would for that many entities
   * ({@link StateStoreSettings#KAFKA_STREAMS_DEFAULTS}: Kafka Streams' own, no config setter, the 10 MB record
   * cache), {@code settings} changes the service's settings (e.g. keep-gates off). A delivery mode is one of these:
   * the latency phase runs each it is given.
   */
  record RunConfig(Map<String, String> streams, StateStoreSettings state, java.util.function.UnaryOperator<StreamSettings> settings) {

    static final RunConfig DEFAULT = new RunConfig(Map.of(), StateStoreSettings.KAFKA_STREAMS_DEFAULTS, s -> s);

    RunConfig withStreams(Map<String, String> more) {
      Map<String, String> m = new LinkedHashMap<>(streams);
      m.putAll(more);
      return new RunConfig(m, state, settings);
    }

    RunConfig withState(StateStoreSettings s) {
      return new RunConfig(streams, s, settings);
    }

    RunConfig withSettings(java.util.function.UnaryOperator<StreamSettings> more) {
      return new RunConfig(streams, state, s -> more.apply(settings.apply(s)));
    }
  }

  /** The state-store sizing the service derives for {@code entities} entities of this run's shape (W = 0). */
  StateStoreSettings serviceStateSettings(long entities) {
    return StateStoreSettings.derive(o.stateMemoryMb * 1024L * 1024L, entities,
        StateStoreSettings.estimatedValueBytes(spec(), 0, 1, true));
  }

  /** The run config of an ordinary measured run over {@code entities}: the service's state sizing for them. */
  RunConfig serviceDefaults(long entities) {
    return RunConfig.DEFAULT.withState(serviceStateSettings(entities));
  }

  Deployment deployment(String name, Dataset data, LstmKernel kernel, int threads, int window, boolean training,
      RunConfig run) throws Exception {
    String app = prefix + "-" + name;
    StreamSettings.Topics topics = new StreamSettings.Topics(data.events, data.labels, app + "-predictions",
        app + "-dead-letters", app + "-models", app + "-training");
    // The same layout as TopicSetup makes: training 1 partition, models 1 partition compacted.
    createTopics(List.of(new NewTopic(topics.predictions(), o.partitions, (short) -1),
        new NewTopic(topics.deadLetters(), o.partitions, (short) -1),
        new NewTopic(topics.trainingExamples(), 1, (short) -1)
            .configs(Map.of("retention.ms", String.valueOf(TimeUnit.DAYS.toMillis(1)))),
        new NewTopic(topics.models(), 1, (short) -1).configs(Map.of("cleanup.policy", "compact"))));
    // The service's learner as configured by default, but for the BPTT window, a minibatch of 16 and no replay
    // (so that an example is one BPTT window, comparable with the kernel's windows/s) and the benchmark's publish
    // interval.
    LearnerSettings learner = LearnerSettings.DEFAULTS.withWindow(window, 16).withBatchSize(16).withReplay(0, 0)
        .withPublish(1000, Duration.ofSeconds(o.publishSeconds));
    StreamSettings settings = run.settings().apply(new StreamSettings(topics, "bench", spec(), learner, training, 1 << 20, true));
    if ("at_least_once".equals(streamsProperties(run).get("processing.guarantee")) && !settings.delivery().lowLatency()) {
      // --set processing.guarantee=at_least_once: at-least-once is the low-latency delivery mode's (the service
      // refuses it without, since an event delivered twice would be stepped twice).
      settings = settings.withDelivery(io.cellstream.stream.Delivery.LOW_LATENCY);
    }
    StateStoreSettings state = run.state();
    if (!state.isKafkaStreamsDefault() && settings.delivery().mode() != io.cellstream.stream.Delivery.Mode.EXACTLY_ONCE) {
      // As the service sizes it: in low-latency delivery the entity store is not cached, so the record cache is not
      // for its memories (CellstreamConfig does the same).
      state = StateStoreSettings.derive(state.memoryBudgetBytes(), state.expectedEntities(), state.entityValueBytes(), false);
    }
    runs++;
    return new Deployment(name, app, settings, stateDir(name), client, streamsProperties(run.withState(state)), threads,
        serdes, kernel);
  }

  /** The engine's own yardstick on {@code data}: a get and a put of {@code valueBytes} per event, nothing else. */
  EngineBaseline engineBaseline(String name, Dataset data, int valueBytes, RunConfig run) {
    runs++;
    return new EngineBaseline(name, prefix + "-" + name, data.events, valueBytes, stateDir(name), client,
        streamsProperties(run));
  }

  private Path stateDir(String name) {
    return o.workDir.resolve("state").resolve(name + "-" + (runs + 1));
  }

  /** --set first, then the state sizing, then the run's own settings (a delivery mode's, a commit interval). */
  private Map<String, String> streamsProperties(RunConfig run) {
    Map<String, String> props = new LinkedHashMap<>(o.streamsOverrides);
    run.state().streamsProperties().forEach(props::putIfAbsent);
    props.putAll(run.streams());
    return props;
  }

  // ------------------------------------------------------------------ measured runs

  /** State per entity: stored value, RocksDB on disk, changelog on the broker. */
  record StateFigures(int entities, double valueBytes, long rocksDbBytes, long changelogBytes, long changelogRecords) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("entities", entities);
      m.put("valueBytesPerEntity", StreamBenchReport.round(valueBytes, 1));
      m.put("rocksDbBytes", rocksDbBytes);
      m.put("rocksDbBytesPerEntity", StreamBenchReport.round((double) rocksDbBytes / entities, 1));
      m.put("changelogBytes", changelogBytes);
      m.put("changelogRecords", changelogRecords);
      m.put("changelogBytesPerEntity", StreamBenchReport.round((double) changelogBytes / entities, 1));
      return m;
    }
  }

  record Result(Deployment.Throughput throughput, StateFigures state) {}

  /** One measured run over a backlog: the rate between a tenth of N and N, then (if asked) the state's size. */
  Result throughputRun(String name, Dataset data, LstmKernel kernel, int threads, int window, boolean training,
      RunConfig run, boolean measureState) throws Exception {
    Deployment d = deployment(name, data, kernel, threads, window, training, run);
    try {
      d.start(o.partitions);
      Deployment.Throughput t = d.awaitPredictions(data.warm + data.measured / 10, data.warm + data.measured,
          timeoutFor(data.warm + data.measured));
      logRun(name, t);
      StateFigures state = measureState ? stateFigures(d, data.entities) : null;
      return new Result(t, state);
    } finally {
      d.close();
      d.deleteState();
    }
  }

  /** The engine baseline over a backlog, measured exactly as {@link #throughputRun}. */
  Deployment.Throughput baselineRun(String name, Dataset data, int valueBytes, RunConfig run) throws Exception {
    try (EngineBaseline b = engineBaseline(name, data, valueBytes, run)) {
      b.start();
      Deployment.Throughput t = b.awaitProcessed(data.warm + data.measured / 10, data.warm + data.measured,
          timeoutFor(data.warm + data.measured));
      logRun(name, t);
      return t;
    }
  }

  void logRun(String name, Deployment.Throughput t) {
    double[] cpu = t.cpuMicrosPerEvent();
    progress("  %-22s %,9.0f events/s (%,d events in %.1f s; first after %.1f s); CPU us/event: "
        + "process %.1f = stream thread %.1f + app I/O %.1f + broker/GC/JIT/other %.1f; JIT %d ms, GC %d ms", name,
        t.eventsPerSecond(), t.events(), t.seconds(), t.startupSeconds(), cpu[0], cpu[1], cpu[2], cpu[3],
        t.cpu().jitMillis(), t.cpu().gcMillis());
  }

  /**
   * Runs the service over {@code data} in chunks until the process's CPU time per event settles (two chunks in a
   * row within 10%) or {@code events} ran: the JIT compiles the broker's and Kafka Streams' paths for a long
   * while, and a measurement taken before that is over compares the JIT, not the step.
   */
  void warmup(String name, Dataset data, LstmKernel kernel, long events) throws Exception {
    Deployment d = deployment(name, data, kernel, 1, 0, false, serviceDefaults(data.entities));
    try {
      d.start(o.partitions);
      long chunk = Math.max(5_000, Math.min(20_000, events / 6));
      long at = 0;
      double last = Double.NaN;
      List<String> seen = new ArrayList<>();
      while (at + chunk <= data.warm + events) {
        Deployment.Throughput t = d.awaitPredictions(at, at + chunk, timeoutFor(chunk));
        double cpu = t.cpuMicrosPerEvent()[0];
        // The compiler threads' share of the chunk: while the JIT still compiles for most of a chunk, the next
        // measured run would pay for it (and the first of a pair more than the second).
        double jitShare = t.cpu() == null ? 0 : t.cpu().jitMillis() / (t.seconds() * 1000);
        seen.add(String.format(Locale.ROOT, "%.0f (JIT %.0f%%)", cpu, 100 * jitShare));
        at += chunk;
        if (at > data.warm && Math.abs(cpu - last) <= 0.10 * last && jitShare <= 0.25) {
          break;
        }
        last = cpu;
      }
      progress("  %-22s %,d events; process CPU us/event (JIT time / wall time) per chunk of %,d: %s (not reported)", name, at, chunk,
          String.join(", ", seen));
    } finally {
      d.close();
      d.deleteState();
    }
  }

  /** Value bytes through an interactive query, then close, then RocksDB files and the changelog's size. */
  StateFigures stateFigures(Deployment d, int entities) throws InterruptedException {
    List<String> sample = new ArrayList<>();
    for (int i = 0; i < Math.min(entities, 200); i++) {
      sample.add(EventWriter.entityId((int) ((long) i * entities / Math.min(entities, 200))));
    }
    double value = d.meanValueBytes(sample);
    d.close();
    long rocks = d.rocksDbBytes();
    StateSizes.TopicSize changelog = StateSizes.topicSize(admin, d.changelogTopic());
    return new StateFigures(entities, value, rocks, changelog.bytes(), changelog.offsets());
  }

  Duration timeoutFor(long events) {
    return Duration.ofSeconds(120 + events / 2_000);
  }

  // ------------------------------------------------------------------ output

  void progress(String fmt, Object... args) {
    Object[] a = new Object[args.length + 1];
    a[0] = (System.nanoTime() - started) / 1e9;
    System.arraycopy(args, 0, a, 1, args.length);
    log.printf(Locale.ROOT, "[%5.1fs] " + fmt + "%n", a);
    log.flush();
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
