package io.cellstream.bench.stream;

import io.cellstream.util.FileTrees;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The engine's own limit, the yardstick of entity scaling: plain Kafka Streams on the very events topic the service
 * reads, doing for each event only what the service's state path must — a get and a put of a value of the
 * size of a real entity memory under the event's key — in a store built like the service's (persistent, cached,
 * changelogged; same name, so its changelog is named alike) under the same Streams settings (exactly-once, commit
 * interval, record cache, RocksDB config setter). No Avro, no model, no prediction, no other store.
 *
 * <p>What the service does beyond this is its own cost: decoding the event, the step, encoding the memory and the
 * prediction, sending the prediction. {@code lstm/engine-baseline} is the share of the engine's rate the service
 * keeps.
 */
final class EngineBaseline implements AutoCloseable {

  /** The service's store name: the changelog is then {@code <application.id>-entity-state-changelog} for both. */
  static final String STORE = io.cellstream.stream.CellstreamTopology.ENTITY_STORE;

  final String name;
  final String applicationId;
  private final Path stateDir;
  private final KafkaStreams streams;
  private final AtomicLong processed = new AtomicLong();
  private volatile Throwable failure;
  private boolean closed;

  EngineBaseline(String name, String applicationId, String eventsTopic, int valueBytes, Path stateDir,
      Map<String, Object> client, Map<String, String> streamsOverrides) {
    this.name = name;
    this.applicationId = applicationId;
    this.stateDir = stateDir;
    Properties p = new Properties();
    client.forEach((k, v) -> {
      if (!k.equals("schema.registry.url")) {
        p.put(k, String.valueOf(v));
      }
    });
    // The defaults CellstreamService sets, then what the run asks for: the same settings as the service's run.
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1");
    p.put("processing.exception.handler.global.enabled", "true"); // as the service: no warning at start
    p.put(StreamsConfig.mainConsumerPrefix("processing.exception.handler.global.enabled"), "true");
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    p.put("auto.offset.reset", "earliest");
    p.putAll(streamsOverrides);
    this.streams = new KafkaStreams(topology(eventsTopic, valueBytes, processed), p);
    streams.setUncaughtExceptionHandler(e -> {
      failure = e;
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
  }

  static Topology topology(String eventsTopic, int valueBytes, AtomicLong processed) {
    Topology t = new Topology();
    t.addSource("events-source", new StringDeserializer(), new ByteArrayDeserializer(), eventsTopic);
    t.addProcessor("get-put", () -> new GetPut(valueBytes, processed), "events-source");
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
        Serdes.ByteArray()).withCachingEnabled(), "get-put");
    return t;
  }

  /** get(key), a new value of the same size with one byte changed, put(key, value): the state path alone. */
  private static final class GetPut implements Processor<String, byte[], Void, Void> {
    private final int valueBytes;
    private final AtomicLong processed;
    private KeyValueStore<String, byte[]> store;

    GetPut(int valueBytes, AtomicLong processed) {
      this.valueBytes = valueBytes;
      this.processed = processed;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      byte[] old = store.get(record.key());
      // A new array per put, as the service encodes each memory into a new one (the cache keeps the reference).
      byte[] value = old == null ? new byte[valueBytes] : Arrays.copyOf(old, valueBytes);
      value[0]++;
      store.put(record.key(), value);
      processed.incrementAndGet();
    }
  }

  void start() {
    streams.start();
  }

  /** The rate between {@code from} and {@code target} events processed, timed as the service's runs are. */
  Deployment.Throughput awaitProcessed(long from, long target, Duration timeout) throws InterruptedException {
    return Deployment.awaitCount(name, applicationId, processed::get, this::failIfDead, from, target, timeout);
  }

  private void failIfDead() {
    KafkaStreams.State s = streams.state();
    if (failure != null || s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
        || s == KafkaStreams.State.PENDING_ERROR) {
      throw new IllegalStateException(name + ": the engine baseline stopped (" + s + ")", failure);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      streams.close(Duration.ofSeconds(60));
      FileTrees.deleteTree(stateDir);
    }
  }
}
