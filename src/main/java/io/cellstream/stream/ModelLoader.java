package io.cellstream.stream;

import io.cellstream.serde.SerdeException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global models store (every version record of the models topic, on every instance) and hands each
 * new current version to the {@link ModelHolder}.
 */
final class ModelLoader implements Processor<String, byte[], Void, Void> {

  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  private final String modelName;
  private final ModelRecords records;
  private final ModelHolder holder;
  private final RegistryRetry registry;
  private KeyValueStore<String, byte[]> store;

  ModelLoader(String modelName, ModelRecords records, ModelHolder holder, RegistryRetry registry) {
    this.modelName = modelName;
    this.records = records;
    this.holder = holder;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(CellstreamTopology.MODELS_STORE);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    String key = record.key();
    if (key == null) {
      return;
    }
    if (record.value() == null) {
      store.delete(key);
      return;
    }
    store.put(key, record.value());
    if (key.equals(modelName)) {
      try {
        // A registry that does not answer is waited for: skipping the record would keep an old model for good.
        holder.offer(registry.call("read the schema of a model version", () -> records.decode(record.value())));
      } catch (RegistryRetry.ClosingException e) {
        throw e;
      } catch (SerdeException | RuntimeException e) {
        log.error("model record '{}' on the models topic cannot be read, keeping version {}: {}", key,
            holder.current() == null ? "none" : holder.current().version(), e.getMessage());
      }
    }
  }
}
