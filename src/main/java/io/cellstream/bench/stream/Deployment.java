package io.cellstream.bench.stream;

import io.cellstream.lstm.LstmKernel;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.CellstreamService;
import io.cellstream.stream.CellstreamTopology;
import io.cellstream.stream.StreamSettings;
import io.cellstream.util.FileTrees;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One service instance of the benchmark: its own application id, state directory and output topics, reading
 * a shared events topic from the beginning. Runs the very {@link CellstreamService} the {@code run} command
 * runs, with the kernel given (the real one or the pass-through).
 */
final class Deployment implements AutoCloseable {

  /** A throughput measurement over a backlog: events counted from {@code from} to {@code to}. */
  record Throughput(long events, double seconds, double eventsPerSecond, double startupSeconds, CpuMeter.Split cpu) {

    /** CPU microseconds per event: the whole process, the stream threads, the app's other threads, the rest. */
    double[] cpuMicrosPerEvent() {
      if (cpu == null || events == 0) {
        return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
      }
      double n = events * 1000.0;
      return new double[] {cpu.processNanos() / n, cpu.streamThreadNanos() / n, cpu.appOtherNanos() / n, cpu.restNanos() / n};
    }
  }

  final String name;
  final String applicationId;
  final StreamSettings settings;
  final Path stateDir;
  final Properties properties;
  private final CellstreamService service;
  private boolean closed;

  Deployment(String name, String applicationId, StreamSettings settings, Path stateDir, Map<String, Object> client,
      Map<String, String> streamsOverrides, int threads, CellstreamSerdes serdes, LstmKernel kernel) {
    this.name = name;
    this.applicationId = applicationId;
    this.settings = settings;
    this.stateDir = stateDir;
    Properties p = new Properties();
    client.forEach((k, v) -> {
      if (!k.equals("schema.registry.url")) {
        p.put(k, String.valueOf(v));
      }
    });
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(threads));
    p.put("auto.offset.reset", "earliest");
    p.putAll(streamsOverrides);
    this.properties = p;
    this.service = new CellstreamService(settings, p, serdes, new SimpleMeterRegistry(), kernel);
  }

  CellstreamService service() {
    return service;
  }

  /** Creates the output topics (the shared input topics exist already) and starts Kafka Streams. */
  void start(int partitions) throws InterruptedException {
    service.ensureTopics(partitions, (short) -1, true);
    service.start();
  }

  /**
   * Waits until {@code target} predictions were made; the rate is taken between the moment {@code from}
   * predictions were made (so start-up, JIT warm-up and the first rebalance stay outside) and {@code target}.
   */
  Throughput awaitPredictions(long from, long target, Duration timeout) throws InterruptedException {
    return awaitCount(name, applicationId, () -> (long) service.metrics().predictions(), this::failIfDead, from, target,
        timeout);
  }

  /**
   * Polls {@code count} until it reaches {@code target}; the rate (and the CPU split) is taken from the moment it
   * reached {@code from}. Every measured run of the benchmark, the service's and the engine baseline's, is timed
   * by this one loop.
   */
  static Throughput awaitCount(String name, String applicationId, java.util.function.LongSupplier count,
      Runnable failIfDead, long from, long target, Duration timeout) throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    long tFirst = -1;
    long tFrom = -1;
    long countFrom = 0;
    CpuMeter cpu = null;
    while (true) {
      failIfDead.run();
      long now = System.nanoTime();
      long n = count.getAsLong();
      if (tFirst < 0 && n > 0) {
        tFirst = now;
      }
      if (tFrom < 0 && n >= from) {
        tFrom = now;
        countFrom = n;
        cpu = CpuMeter.start(applicationId);
      }
      if (n >= target) {
        double secs = (now - tFrom) / 1e9;
        long events = n - countFrom;
        return new Throughput(events, secs, secs > 0 ? events / secs : Double.NaN, (tFirst - started) / 1e9,
            cpu.stop());
      }
      if (now > deadline) {
        throw new IllegalStateException(name + ": only " + n + " of " + target + " after " + timeout);
      }
      Thread.sleep(2);
    }
  }

  void failIfDead() {
    if (!service.isAlive()) {
      throw new IllegalStateException(name + ": the service stopped (" + service.streams().state() + ")",
          service.fatalError());
    }
  }

  /** Waits until Kafka Streams is RUNNING. */
  void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (service.streams().state() != KafkaStreams.State.RUNNING) {
      failIfDead();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + ": not RUNNING after " + timeout);
      }
      Thread.sleep(10);
    }
  }

  /** Mean size in bytes of the stored memory of the given entities (read through an interactive query). */
  double meanValueBytes(List<String> entityIds) throws InterruptedException {
    // A follow-up rebalance can take the store offline for a moment right after the last prediction (seen in a
    // test: PARTITIONS_ASSIGNED); wait for RUNNING and ask again rather than fail the whole benchmark.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        awaitRunning(Duration.ofSeconds(60));
        ReadOnlyKeyValueStore<String, byte[]> store = service.streams().store(StoreQueryParameters.fromNameAndType(
            CellstreamTopology.ENTITY_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        long sum = 0;
        int n = 0;
        for (String id : entityIds) {
          byte[] v = store.get(id);
          if (v != null) {
            sum += v.length;
            n++;
          }
        }
        return n == 0 ? Double.NaN : (double) sum / n;
      } catch (InvalidStateStoreException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  /** Bytes on disk of the entity-state RocksDB stores of every task (SST files and all), after close. */
  long rocksDbBytes() {
    return StateSizes.directoryBytes(stateDir, CellstreamTopology.ENTITY_STORE);
  }

  String changelogTopic() {
    return applicationId + "-" + CellstreamTopology.ENTITY_STORE + "-changelog";
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      service.close(Duration.ofSeconds(60));
    }
  }

  /** Deletes the state directory (after the sizes were taken). */
  void deleteState() {
    if (!FileTrees.deleteTree(stateDir)) {
      throw new UncheckedIOException(new IOException("could not delete " + stateDir));
    }
  }

}
