package io.cellstream.stream;

import io.cellstream.lstm.Model;
import io.cellstream.lstm.Init;
import io.cellstream.serde.SerdeException;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Version 1 of the model, made from the configured spec and seed. The initialisation is deterministic, so
 * the trainer (which publishes version 1, once, inside its transaction) and every instance that has to
 * predict before it has seen that publication compute the very same parameters.
 */
final class InitialModel {

  private static final Logger log = LoggerFactory.getLogger(InitialModel.class);

  private final StreamSettings settings;
  private final ModelRecords records;
  private volatile ModelVersion version1;

  InitialModel(StreamSettings settings, ModelRecords records) {
    this.settings = settings;
    this.records = records;
  }

  /** Version 1 with creation time 0: a pure function of the configuration. */
  ModelVersion get() {
    ModelVersion v = version1;
    if (v == null) {
      Model m = Model.of(Init.uniform(settings.spec(), settings.seed(), settings.forgetBias()),
          settings.mapping().layout(settings.spec().inputSize()), 1, 0L, 0L);
      v = new ModelVersion(settings.modelName(), m, "init", null, null);
      version1 = v;
    }
    return v;
  }

  /**
   * Global stores are restored without their processor, so after a restart the holder may still be empty
   * although the store has the current model: read it from there once.
   */
  void loadFromGlobalStore(ProcessorContext<?, ?> context, ModelHolder holder, RegistryRetry registry) {
    if (holder.current() != null) {
      return;
    }
    KeyValueStore<String, byte[]> store = context.getStateStore(CellstreamTopology.MODELS_STORE);
    byte[] bytes = store.get(settings.modelName());
    if (bytes == null) {
      return;
    }
    try {
      holder.offer(registry.call("read the schema of the current model", () -> records.decode(bytes)));
    } catch (SerdeException | RuntimeException e) {
      log.error("the current model '{}' on the models topic cannot be read ({}); predicting with the newest readable one",
          settings.modelName(), e.getMessage());
    }
  }
}
