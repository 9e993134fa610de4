package io.cellstream.stream;

import io.cellstream.lstm.Adam;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.MinibatchTrainer;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSnapshotCodec;
import io.cellstream.lstm.OptimizerStateCodec;
import io.cellstream.lstm.Parameters;
import io.cellstream.lstm.TrainerConfig;
import io.cellstream.lstm.UpdateResult;
import io.cellstream.lstm.Window;
import io.cellstream.serde.SerdeException;
import io.cellstream.state.StateFormatException;
import io.cellstream.state.TrainerCommand;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer: the one task of the single-partition training topic. Collects examples into minibatches,
 * runs truncated BPTT + Adam on them, and publishes a new model version every N examples or T seconds.
 *
 * <p>Everything it needs to resume — parameters, Adam's moments, the examples of the unfinished minibatch,
 * counters — is in its changelogged store, written in the same transaction that consumes the examples, so a
 * failover neither loses nor repeats an example. Version 1 is published here too, once: the first time the
 * task runs with an empty store and no model on the models topic.
 */
final class TrainerProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  private static final Logger log = LoggerFactory.getLogger(TrainerProcessor.class);
  private static final String KEY_MODEL = "model";
  private static final String KEY_OPTIMIZER = "optimizer";
  private static final String KEY_PENDING = "pending";
  private static final String KEY_META = "meta";
  /** Updates refused in a row before the warning is repeated. */
  private static final int REFUSAL_LOG_EVERY = 100;

  private final StreamSettings settings;
  private final StreamSettings.Training training;
  private final ModelRecords records;
  private final InitialModel initial;
  private final StreamMetrics metrics;
  private final LstmKernel kernel;
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, 2);

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<String, byte[]> store;
  private KeyValueStore<String, byte[]> models;

  // Resumable state (mirrored in the store).
  private MinibatchTrainer trainer;      // null until the model exists
  private final List<byte[]> pending = new ArrayList<>();
  private long publishedVersion;         // newest version this trainer published or adopted
  private long examplesSeen;             // examples learned from, over the model's life
  private long examplesSincePublish;
  private long updatesSincePublish;
  private double lossSincePublish;       // summed loss of the minibatches since the last version
  private long labelsSincePublish;
  private long lastPublishMillis;

  TrainerProcessor(StreamSettings settings, ModelRecords records, InitialModel initial, StreamMetrics metrics,
      LstmKernel kernel) {
    this.settings = settings;
    this.training = settings.training();
    this.records = records;
    this.initial = initial;
    this.metrics = metrics;
    this.kernel = kernel;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(CellstreamTopology.TRAINER_STORE);
    this.models = context.getStateStore(CellstreamTopology.MODELS_STORE);
    restore();
    Duration tick = training.publishInterval().compareTo(Duration.ofSeconds(1)) < 0 ? training.publishInterval() : Duration.ofSeconds(1);
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
    if (!training.enabled()) {
      return;
    }
    try {
      TrainingExampleCodec.decode(value); // validate before keeping it
    } catch (StateFormatException e) {
      warnings.warn(0, "skipping an unreadable training example: " + e.getMessage());
      return;
    }
    pending.add(value);
    if (pending.size() >= training.batchSize()) {
      update();
    }
    persist();
    if (examplesSincePublish >= training.publishEveryExamples()) {
      publish("trained", publishedVersion);
    }
  }

  /** Wall-clock tick: publish version 1 if there is none; publish what was learned if the interval passed. */
  private void tick(long now) {
    ensureModel();
    if (updatesSincePublish > 0 && now - lastPublishMillis >= training.publishInterval().toMillis()) {
      publish("trained", publishedVersion);
      persist();
    }
  }

  private void update() {
    List<TrainingExample> batch = new ArrayList<>(pending.size());
    for (byte[] b : pending) {
      batch.add(TrainingExampleCodec.decode(b));
    }
    pending.clear();
    int accumulated = 0;
    for (TrainingExample e : batch) {
      try {
        trainer.accumulate(new Window(e.h0(), e.c0(), e.inputs(), e.targets(), e.mask()));
        accumulated++;
      } catch (IllegalArgumentException ex) {
        warnings.warn(0, "skipping a training example that does not fit the model: " + ex.getMessage());
      }
    }
    if (accumulated == 0) {
      return;
    }
    UpdateResult r = trainer.update();
    switch (r.outcome()) {
      case APPLIED -> {
        metrics.updateApplied(r.meanLoss());
        examplesSeen += r.windows();
        examplesSincePublish += r.windows();
        updatesSincePublish++;
        lossSincePublish += r.loss();
        labelsSincePublish += r.labelledSteps();
      }
      case REFUSED_NON_FINITE_GRADIENT, REFUSED_NON_FINITE_UPDATE -> {
        metrics.updateRefusedNonFinite();
        warnings.warn(1, "refused a training update, keeping the last good parameters: " + r.reason());
      }
      case REFUSED_LOSS_BLOW_UP -> {
        metrics.updateRefusedLoss();
        warnings.warn(1, "refused a training update, keeping the last good parameters: " + r.reason());
      }
      case EMPTY -> { }
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
      target = records.decode(old);
    } catch (SerdeException | RuntimeException e) {
      log.warn("rollback to version {} refused: the stored version cannot be read ({})", c.targetVersion(), e.getMessage());
      return;
    }
    // Continue from the old parameters with fresh moments: the old ones belong to another trajectory.
    Parameters params = target.model().parametersCopy();
    trainer = new MinibatchTrainer(params, new Adam(training.adam(), params.size()), trainerConfig(), kernel);
    examplesSeen = target.model().examplesSeen(); // the restored parameters have learned from that many
    pending.clear();
    log.info("rolling back to version {} (request {})", c.targetVersion(), c.requestId());
    publish("rollback", c.targetVersion());
    persist();
  }

  /** Makes sure the trainer has parameters: from its store, else the models topic, else version 1. */
  private void ensureModel() {
    if (trainer != null) {
      return;
    }
    byte[] current = models.get(settings.modelName());
    if (current != null) {
      try {
        ModelVersion v = records.decode(current);
        if (v.model().spec().equals(settings.spec())) {
          Parameters params = v.model().parametersCopy();
          trainer = new MinibatchTrainer(params, new Adam(training.adam(), params.size()), trainerConfig(), kernel);
          publishedVersion = v.version();
          examplesSeen = v.model().examplesSeen();
          lastPublishMillis = System.currentTimeMillis();
          log.info("trainer starts from model '{}' version {} on the models topic", settings.modelName(), v.version());
          persist();
          return;
        }
        log.error("the models topic holds model '{}' as {}, but this service is configured for {}; "
            + "starting a new line of versions", settings.modelName(), v.model().spec(), settings.spec());
        publishedVersion = v.version();
      } catch (SerdeException | RuntimeException e) {
        log.error("the current model on the models topic cannot be read ({}); publishing a fresh version", e.getMessage());
      }
    }
    Model v1 = initial.get().model();
    Parameters params = v1.parametersCopy();
    trainer = new MinibatchTrainer(params, new Adam(training.adam(), params.size()), trainerConfig(), kernel);
    publish("init", null);
    persist();
  }

  private TrainerConfig trainerConfig() {
    TrainerConfig c = TrainerConfig.DEFAULTS.withClipNorm(training.clipNorm());
    if (training.lossGuardFactor() > 0) {
      c = c.withBlowUpGuard(training.lossGuardFactor(), 20);
    }
    return c;
  }

  private void publish(String origin, Long parent) {
    long version = Math.max(publishedVersion, newestOnTopic()) + 1;
    long now = System.currentTimeMillis();
    Model model = trainer.toModel(version, now, examplesSeen);
    Double loss = labelsSincePublish == 0 ? null : lossSincePublish / labelsSincePublish;
    ModelVersion v = new ModelVersion(settings.modelName(), model, origin,
        "trained".equals(origin) ? Long.valueOf(publishedVersion) : parent, loss);
    byte[] bytes = records.encode(v);
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
    publishedVersion = version;
    examplesSincePublish = 0;
    updatesSincePublish = 0;
    lossSincePublish = 0;
    labelsSincePublish = 0;
    lastPublishMillis = now;
    metrics.modelPublished(version);
    log.info("published model '{}' version {} ({}, {} examples seen{})", settings.modelName(), version, origin,
        examplesSeen, loss == null ? "" : String.format(", training loss %.4f", loss));
  }

  /** The newest version on the models topic, so that versions keep increasing even across trainer stores. */
  private long newestOnTopic() {
    byte[] current = models.get(settings.modelName());
    if (current == null) {
      return 0;
    }
    try {
      return records.decode(current).version();
    } catch (SerdeException | RuntimeException e) {
      return 0;
    }
  }

  // ------------------------------------------------------------------ persistence

  private void persist() {
    if (trainer == null) {
      return;
    }
    store.put(KEY_MODEL, ModelSnapshotCodec.encode(trainer.toModel(Math.max(publishedVersion, 1), lastPublishMillis, examplesSeen)));
    store.put(KEY_OPTIMIZER, OptimizerStateCodec.encode(trainer.optimizer()));
    store.put(KEY_PENDING, encodePending());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(1); // format version
      out.writeLong(publishedVersion);
      out.writeLong(examplesSeen);
      out.writeLong(examplesSincePublish);
      out.writeLong(updatesSincePublish);
      out.writeDouble(lossSincePublish);
      out.writeLong(labelsSincePublish);
      out.writeLong(lastPublishMillis);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    store.put(KEY_META, bytes.toByteArray());
  }

  private byte[] encodePending() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(pending.size());
      for (byte[] p : pending) {
        out.writeInt(p.length);
        out.write(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  private void restore() {
    byte[] model = store.get(KEY_MODEL);
    byte[] optimizer = store.get(KEY_OPTIMIZER);
    byte[] meta = store.get(KEY_META);
    if (model == null || optimizer == null || meta == null) {
      return;
    }
    Model m = ModelSnapshotCodec.decode(model);
    if (!m.spec().equals(settings.spec())) {
      log.error("the trainer's stored model is {} but the configuration says {}; starting over from the models topic",
          m.spec(), settings.spec());
      return;
    }
    Parameters params = m.parametersCopy();
    Adam adam = OptimizerStateCodec.decode(optimizer, params.size());
    // The configured hyper-parameters win over the stored ones; the moments carry over (v̂ from v if the
    // stored optimiser had no amsgrad).
    Adam configured = new Adam(training.adam(), adam.m(), adam.v(),
        adam.vMax() != null ? adam.vMax() : adam.v().clone(), adam.steps());
    trainer = new MinibatchTrainer(params, configured, trainerConfig(), kernel);
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(meta))) {
      in.readInt();
      publishedVersion = in.readLong();
      examplesSeen = in.readLong();
      examplesSincePublish = in.readLong();
      updatesSincePublish = in.readLong();
      lossSincePublish = in.readDouble();
      labelsSincePublish = in.readLong();
      lastPublishMillis = in.readLong();
    } catch (IOException e) {
      throw new IllegalStateException("trainer metadata unreadable", e);
    }
    byte[] p = store.get(KEY_PENDING);
    if (p != null) {
      try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(p))) {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          byte[] e = new byte[in.readInt()];
          in.readFully(e);
          pending.add(e);
        }
      } catch (IOException e) {
        throw new IllegalStateException("trainer pending examples unreadable", e);
      }
    }
    log.info("trainer resumed at version {} ({} examples seen, {} pending, {} Adam steps)", publishedVersion,
        examplesSeen, pending.size(), configured.steps());
  }
}
