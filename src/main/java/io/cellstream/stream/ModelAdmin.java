package io.cellstream.stream;

import io.cellstream.serde.SerdeException;
import io.cellstream.state.TrainerCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model administration: the version history (from the global models store) and rollback. A rollback is a
 * command on the training topic, so the one trainer applies it in order with the examples and publishes the
 * old parameters as a new version; no second writer of versions exists.
 */
public final class ModelAdmin implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ModelAdmin.class);

  private final CellstreamService service;
  private final ModelRecords records;
  private final Properties producerProperties;
  private KafkaProducer<byte[], byte[]> producer;

  public ModelAdmin(CellstreamService service, ModelRecords records, Properties clientProperties) {
    this.service = service;
    this.records = records;
    this.producerProperties = new Properties();
    this.producerProperties.putAll(clientProperties);
    this.producerProperties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    this.producerProperties.put(ProducerConfig.ACKS_CONFIG, "all");
  }

  /** Every version kept on the models topic, oldest first. */
  public List<ModelVersion> history() {
    String name = service.settings().modelName();
    ReadOnlyKeyValueStore<String, byte[]> store = service.streams().store(StoreQueryParameters.fromNameAndType(
        CellstreamTopology.MODELS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    List<ModelVersion> out = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.range(name + "@", name + "@~")) {
      while (it.hasNext()) {
        var kv = it.next();
        if (ModelRecords.versionOfHistoryKey(name, kv.key) < 0) {
          continue;
        }
        try {
          out.add(records.decode(kv.value));
        } catch (SerdeException | RuntimeException e) {
          log.warn("model history entry {} cannot be read: {}", kv.key, e.getMessage());
        }
      }
    }
    out.sort(Comparator.comparingLong(ModelVersion::version));
    return out;
  }

  /**
   * Republishes {@code version} as a new version and waits until this instance uses it.
   *
   * @throws IllegalArgumentException if the version is not in the history
   * @throws IllegalStateException if the trainer did not publish it within {@code timeout}
   */
  public synchronized ModelVersion rollback(long version, Duration timeout) {
    List<ModelVersion> history = history();
    if (history.stream().noneMatch(v -> v.version() == version)) {
      throw new IllegalArgumentException("version " + version + " is not in the history"
          + (history.isEmpty() ? " (it is empty)" : " (kept: " + history.getFirst().version() + ".."
          + history.getLast().version() + ")"));
    }
    TrainerCommand command = new TrainerCommand(TrainerCommand.Kind.ROLLBACK, version, System.currentTimeMillis(),
        UUID.randomUUID().toString());
    try {
      producer().send(new ProducerRecord<>(service.settings().topics().trainingExamples(), null, command.encode()))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot send the rollback to the trainer: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    log.info("rollback to version {} requested ({})", version, command.requestId());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      ModelVersion now = service.models().current();
      if (now != null && "rollback".equals(now.origin()) && now.parentVersion() != null
          && now.parentVersion() == version && now.model().createdAtMillis() >= command.requestedAt()) {
        return now;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    throw new IllegalStateException("the trainer has not published the rollback within " + timeout
        + "; it will when it runs (is training running? see /health/ready)");
  }

  private KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      producer = new KafkaProducer<>(producerProperties, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
