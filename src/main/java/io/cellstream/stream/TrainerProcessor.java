package io.cellstream.stream;

import io.cellstream.learn.ExampleDedup;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.OnlineTrainer;
import io.cellstream.learn.TrainerStore;
import io.cellstream.learn.UpdateResult;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.SnapshotFormatException;
import io.cellstream.serde.SerdeException;
import io.cellstream.state.StateFormatException;
import io.cellstream.state.TrainerCommand;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer: the one task of the single-partition training topic. Hands each example to the one online
 * trainer ({@link OnlineTrainer}: minibatches, BPTT + Adam, experience replay, publish policy) and publishes
 * the versions it asks for to the models topic.
 *
 * <p>Everything the trainer needs to resume — parameters, Adam's moments, the unfinished minibatch, the replay
 * buffer, counters — is in its changelogged store, written in the same transaction that consumes the example,
 * so a failover neither loses nor repeats an example. Version 1 is published here too, once: the first time
 * the task runs with an empty store and no model on the models topic.
 */
final class TrainerProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  private static final Logger log = LoggerFactory.getLogger(TrainerProcessor.class);

  private final StreamSettings settings;
  private final ModelRecords records;
  private final InitialModel initial;
  private final StreamMetrics metrics;
  private final LstmCell cell;
  private final RegistryRetry registry;
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, 2);

  private ProcessorContext<byte[], byte[]> context;
  private TrainerStore store;
  private KeyValueStore<String, byte[]> models;
  private OnlineTrainer trainer; // null until the model exists
  private ExampleDedup dedup;    // the examples learned from, to learn from each once

  TrainerProcessor(StreamSettings settings, ModelRecords records, InitialModel initial, StreamMetrics metrics,
      LstmKernel kernel, RegistryRetry registry) {
    this.registry = registry;
    this.settings = settings;
    this.records = records;
    this.initial = initial;
    this.metrics = metrics;
    this.cell = new LstmCell(settings.spec(), settings.forgetBias(), kernel);
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    KeyValueStore<String, byte[]> kv = context.getStateStore(CellstreamTopology.TRAINER_STORE);
    this.store = new TrainerStore() {
      @Override
      public byte[] get(String key) {
        return kv.get(key);
      }

      @Override
      public void put(String key, byte[] value) {
        kv.put(key, value);
      }

      @Override
      public void delete(String key) {
        kv.delete(key);
      }
    };
    this.models = context.getStateStore(CellstreamTopology.MODELS_STORE);
    this.dedup = new ExampleDedup(store, settings.delivery().trainerDedupExamples());
    restore();
    Duration interval = settings.learner().publishInterval();
    Duration tick = interval != null && interval.compareTo(Duration.ofSeconds(1)) < 0 ? interval : Duration.ofSeconds(1);
    context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    ensureModel();
    byte[] value = record.value();
    if (value == null) {
      return;
    }
    if (TrainerCommand.isCommand(value)) {
      command(value);
      return;
    }
    if (!settings.trainingEnabled()) {
      return;
    }
    TrainingExample example;
    try {
      example = TrainingExampleCodec.decode(value);
    } catch (StateFormatException e) {
      warnings.warn(0, "skipping an unreadable training example: " + e.getMessage());
      return;
    }
    if (dedup.seen(example)) {
      metrics.exampleDuplicate(); // sent again after a crash (low-latency mode), or delivered again to the trainer
      return;
    }
    OnlineTrainer.Learned l;
    try {
      l = trainer.learn(example, value, System.currentTimeMillis());
    } catch (IllegalArgumentException e) {
      warnings.warn(0, "skipping a training example that does not fit the model: " + e.getMessage());
      return;
    }
    dedup.remember(example); // after the trainer's own writes: see ExampleDedup
    metrics.exampleTaken();
    for (int i = 0; i < l.updatesApplied(); i++) {
      metrics.updateApplied(l.lastApplied().meanLoss());
    }
    UpdateResult refusal = l.lastRefusal();
    if (refusal != null) {
      if (refusal.outcome() == UpdateResult.Outcome.REFUSED_LOSS_BLOW_UP) {
        metrics.updateRefusedLoss();
      } else {
        metrics.updateRefusedNonFinite();
      }
      warnings.warn(1, "refused a training update, keeping the last good parameters: " + refusal.reason());
    }
    if (l.publishDue()) {
      publish("trained", trainer.publishedVersion());
    }
  }

  /** Wall-clock tick: publish version 1 if there is none; publish what was learned if the interval passed. */
  private void tick(long now) {
    ensureModel();
    if (trainer.publishDue(now)) {
      publish("trained", trainer.publishedVersion());
    }
  }

  private void command(byte[] value) {
    TrainerCommand c;
    try {
      c = TrainerCommand.decode(value);
    } catch (StateFormatException e) {
      warnings.warn(0, "skipping an unreadable trainer command: " + e.getMessage());
      return;
    }
    byte[] old = models.get(ModelRecords.historyKey(settings.modelName(), c.targetVersion()));
    if (old == null) {
      log.warn("rollback to version {} refused: it is not in the model history", c.targetVersion());
      return;
    }
    ModelVersion target;
    try {
      target = registry.call("read the schema of a model version", () -> records.decode(old));
    } catch (RegistryRetry.ClosingException e) {
      throw e;
    } catch (SerdeException | RuntimeException e) {
      log.warn("rollback to version {} refused: the stored version cannot be read ({})", c.targetVersion(), e.getMessage());
      return;
    }
    try {
      trainer.resetTo(target.model().parametersCopy().data(), target.model().statistics(), target.model().examplesSeen());
    } catch (IllegalArgumentException e) {
      log.warn("rollback to version {} refused: {}", c.targetVersion(), e.getMessage());
      return;
    }
    log.info("rolling back to version {} (request {})", c.targetVersion(), c.requestId());
    publish("rollback", c.targetVersion());
  }

  /** Makes sure the trainer has parameters: from its store, else the models topic, else version 1. */
  private void ensureModel() {
    if (trainer != null) {
      return;
    }
    long now = System.currentTimeMillis();
    byte[] current = models.get(settings.modelName());
    long newestVersion = 0;
    if (current != null) {
      try {
        // Waited for when the registry does not answer: a model taken for unreadable would start a new line of versions.
        ModelVersion v = registry.call("read the schema of the current model", () -> records.decode(current));
        if (v.model().spec().equals(settings.spec()) && v.model().statistics().sameLayout(layout())) {
          // The version's statistics belong to its parameters: the trainer continues both.
          trainer = OnlineTrainer.fresh(cell, settings.learner(), v.model().parametersCopy().data(),
              v.model().statistics(), v.version(), v.model().examplesSeen(), now, store);
          log.info("trainer starts from model '{}' version {} on the models topic", settings.modelName(), v.version());
          return;
        }
        log.error("the models topic holds model '{}' as {} reading '{}', but this service is configured for {} reading"
            + " '{}'; starting a new line of versions", settings.modelName(), v.model().spec(),
            v.model().statistics().features(), settings.spec(), layout().features());
        newestVersion = v.version();
      } catch (RegistryRetry.ClosingException e) {
        throw e;
      } catch (SerdeException | RuntimeException e) {
        log.error("the current model on the models topic cannot be read ({}); publishing a fresh version", e.getMessage());
      }
    }
    Model v1 = initial.get().model();
    trainer = OnlineTrainer.fresh(cell, settings.learner(), v1.parametersCopy().data(), v1.statistics(), newestVersion, 0,
        now, store);
    publish("init", null);
  }

  private void publish(String origin, Long parent) {
    long version = Math.max(trainer.publishedVersion(), newestOnTopic()) + 1;
    long now = System.currentTimeMillis();
    // The one copy (and pack) of the parameters per version: the trainer itself never packs for publishing.
    Model model = Model.of(new Parameters(settings.spec(), trainer.parameters()), trainer.statistics(), version, now,
        trainer.examplesSeen());
    Double loss = trainer.lossSincePublish();
    ModelVersion v = new ModelVersion(settings.modelName(), model, origin,
        "trained".equals(origin) ? Long.valueOf(trainer.publishedVersion()) : parent, loss);
    byte[] bytes = registry.call("register the model schema", () -> records.encode(v));
    long ts = context.currentSystemTimeMs();
    byte[] name = settings.modelName().getBytes(StandardCharsets.UTF_8);
    context.forward(new Record<>(ModelRecords.historyKey(settings.modelName(), version).getBytes(StandardCharsets.UTF_8),
        bytes, ts), CellstreamTopology.MODELS_SINK);
    context.forward(new Record<>(name, bytes, ts), CellstreamTopology.MODELS_SINK);
    long expired = version - ModelRecords.HISTORY;
    if (expired >= 1) {
      context.forward(new Record<>(ModelRecords.historyKey(settings.modelName(), expired).getBytes(StandardCharsets.UTF_8),
          null, ts), CellstreamTopology.MODELS_SINK);
    }
    trainer.published(version, now);
    metrics.modelPublished(version);
    log.info("published model '{}' version {} ({}, {} examples seen{})", settings.modelName(), version, origin,
        trainer.examplesSeen(), loss == null ? "" : String.format(", training loss %.4f", loss));
  }

  /** The newest version on the models topic, so that versions keep increasing even across trainer stores. */
  private long newestOnTopic() {
    byte[] current = models.get(settings.modelName());
    if (current == null) {
      return 0;
    }
    try {
      return registry.call("read the schema of the current model", () -> records.decode(current)).version();
    } catch (RegistryRetry.ClosingException e) {
      throw e;
    } catch (SerdeException | RuntimeException e) {
      return 0;
    }
  }

  /** The feature list and standardised columns this service's versions read (nothing learned of them). */
  private io.cellstream.lstm.InputStatistics layout() {
    return settings.mapping().layout(settings.spec().inputSize());
  }

  private void restore() {
    try {
      trainer = OnlineTrainer.restore(cell, settings.learner(), layout(), store,
          why -> log.error("{}; starting over from the models topic", why));
    } catch (SnapshotFormatException | StateFormatException e) {
      log.error("the trainer's stored state is unreadable ({}); starting over from the models topic", e.getMessage());
      trainer = null;
    }
    if (trainer != null) {
      log.info("trainer resumed at version {} ({} examples seen, {} pending, {} in the replay buffer, {} Adam steps)",
          trainer.publishedVersion(), trainer.examplesSeen(), trainer.pendingExamples(), trainer.replayHeld(),
          trainer.optimizer().steps());
    }
  }
}
