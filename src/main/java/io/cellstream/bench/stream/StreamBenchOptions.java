package io.cellstream.bench.stream;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code bench stream} runs. {@link #quick()} and {@link #full()} are the two presets; the command line
 * (or a test) then changes single fields.
 */
public final class StreamBenchOptions {

  /** The preset: quick sizes are smaller, and the report says so. */
  public boolean quick;
  /** An external Kafka, or null for the in-process broker (and registry). */
  public String bootstrapServers;
  /** The external registry that goes with {@link #bootstrapServers}. */
  public String schemaRegistryUrl;
  /** D. */
  public int inputSize = 16;
  /** H. */
  public int hiddenSize = 64;
  /** Partitions of the events topics (≥ 2, so that two stream threads both have work). */
  public int partitions = 2;
  /** E of the main runs (throughput, ratio, latency). */
  public int entities;
  /** N: measured events of the main runs, after one warm-up event per entity. */
  public long events;
  /** LSTM / pass-through pairs of the 1-thread ratio. */
  public int repeats;
  /** Also run the ratio pair on two stream threads. */
  public boolean twoThreadRatio;
  /** E of the entity-scaling runs. */
  public List<Integer> scaling;
  /** Measured events of each scaling run, after one warm-up event per entity. */
  public long scalingEvents;
  /** E of the training run (window W, every event labelled). */
  public int trainingEntities;
  /** Events of the training run. */
  public long trainingEvents;
  /** W of the training run and of the "with window" state size. */
  public int window = 32;
  /** Duration of each paced phase (latency; label → model) in seconds; the first second is warm-up. */
  public double latencySeconds;
  /** The trainer's time-based publish interval (it also publishes every 1,000 examples); label -> model follows it. */
  public int publishSeconds = 10;
  /** Offered load of the latency phase, as a fraction of the measured 1-thread maximum. */
  public double loadFraction = 0.5;
  /** Commit intervals (ms) of the latency runs; 0 = the Kafka Streams default (100 ms under EOS). */
  public List<Integer> latencyCommitMs;
  /** A longer commit interval for one more 1-thread throughput run; 0 = skip. */
  public int longCommitMs;
  /** More Kafka Streams settings for every run (e.g. processing.guarantee=at_least_once). */
  public Map<String, String> streamsOverrides = new LinkedHashMap<>();
  /** Where the state directories go (deleted at the end). */
  public Path workDir;
  /** Where the JSON goes. */
  public Path jsonFile;
  /**
   * The phases to run: ratio (always, it gives the 1-thread maximum), threads, latency, training, scaling (with the
   * engine baseline at the largest E), state (the state path's variants at the largest E; runs scaling too).
   */
  public java.util.Set<String> phases = new java.util.LinkedHashSet<>(PHASES);
  /** Events of the unreported warm-up run before the first measured one (JIT, page cache); 0 = none. */
  public long warmupEvents;

  /** Every phase, in the order they run. */
  public static final List<String> PHASES = List.of("ratio", "threads", "latency", "training", "scaling", "state");

  /**
   * The state stores' memory budget of every deployment, in MB ({@code cellstream.state.memory-budget-mb}); each run
   * derives its record cache and block cache from it and its own E, as the service does from
   * {@code cellstream.state.expected-entities}.
   */
  public long stateMemoryMb = io.cellstream.config.CellstreamConfig.DEFAULT_STATE_MEMORY_BUDGET_MB;

  /** Log what the service logs (model versions, Kafka Streams state changes). */
  public boolean verbose;

  private StreamBenchOptions() {}

  /** The full run: E = 1k, 100k, 1M for the scaling and the state path at 1M; takes a long while. */
  public static StreamBenchOptions full() {
    StreamBenchOptions o = new StreamBenchOptions();
    o.quick = false;
    o.entities = 100_000;
    o.events = 1_000_000;
    o.repeats = 2;
    o.twoThreadRatio = true;
    o.scaling = List.of(1_000, 100_000, 1_000_000);
    o.scalingEvents = 1_000_000;
    o.trainingEntities = 1_000;
    o.trainingEvents = 200_000;
    o.latencySeconds = 30;
    o.latencyCommitMs = List.of(0, 20);
    o.longCommitMs = 1000;
    o.warmupEvents = 600_000;
    return o;
  }

  /** A few minutes here: smaller N and E (scaling 1k, 10k, 100k), two short ratio pairs (LSTM first, then pass-through first), short phases, one latency run. */
  public static StreamBenchOptions quick() {
    StreamBenchOptions o = new StreamBenchOptions();
    o.quick = true;
    o.entities = 10_000;
    o.events = 60_000;
    o.repeats = 2;
    o.twoThreadRatio = false;
    o.scaling = List.of(1_000, 10_000, 100_000);
    o.scalingEvents = 30_000;
    o.trainingEntities = 500;
    o.trainingEvents = 20_000;
    o.latencySeconds = 4;
    o.publishSeconds = 3;
    o.latencyCommitMs = List.of(0);
    o.longCommitMs = 0;
    o.warmupEvents = 30_000;
    return o;
  }

  public boolean external() {
    return bootstrapServers != null;
  }
}
