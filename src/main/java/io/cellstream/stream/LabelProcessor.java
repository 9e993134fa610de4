package io.cellstream.stream;

import io.cellstream.avro.Label;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SerdeException;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import io.cellstream.state.StateFormatException;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delayed labels: matches each label with its step in the entity's window (same partition as the entity's
 * events, same store) and emits a training example. A label that cannot be matched — too late, unknown
 * entity or event, a second label for the same step — is counted and logged at a low rate; a label that
 * cannot be read goes to the dead-letter topic.
 */
final class LabelProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  private static final Logger log = LoggerFactory.getLogger(LabelProcessor.class);

  private final StreamSettings settings;
  private final ModelSpec spec;
  private final AvroSerde<Label> labels;
  private final DeadLetters deadLetters;
  private final StreamMetrics metrics;
  private final EntityState state;
  private final EntityStateCodec codec = new EntityStateCodec();
  private final LabelJoin labelJoin;
  private final float[] target;
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, LabelOutcome.values().length);

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<String, byte[]> store;

  LabelProcessor(StreamSettings settings, AvroSerde<Label> labels, DeadLetters deadLetters, StreamMetrics metrics) {
    this.settings = settings;
    this.spec = settings.spec();
    this.labels = labels;
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.state = new EntityState(spec.inputSize(), spec.hiddenSize(), spec.outputSize(), settings.windowSteps(),
        settings.checkpointEvery());
    this.labelJoin = new LabelJoin(settings.learner().bpttSteps());
    this.target = new float[spec.outputSize()];
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(CellstreamTopology.ENTITY_STORE);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    byte[] value = record.value();
    if (value == null) {
      deadLetters.send(context, record, DeadLetterReason.UNDECODABLE, "null value (a tombstone) on the labels topic", null);
      return;
    }
    if (value.length > settings.maxRecordBytes()) {
      deadLetters.send(context, record, DeadLetterReason.OVERSIZED, "label of " + value.length
          + " bytes exceeds cellstream.input.max-record-bytes = " + settings.maxRecordBytes(), null);
      return;
    }
    String topic = context.recordMetadata().orElseThrow().topic();
    Label label;
    try {
      label = labels.decode(topic, value);
    } catch (SerdeException e) {
      deadLetters.send(context, record, StepProcessor.reasonOf(e), e.getMessage(), e);
      return;
    }
    InputChecks.Rejection rejected = InputChecks.label(label, record.key(), spec, target);
    if (rejected != null) {
      deadLetters.send(context, record, rejected.reason(), rejected.message(), null);
      return;
    }
    String entityId = label.getEntityId();

    byte[] stored = store.get(entityId);
    if (stored == null) {
      count(LabelOutcome.UNKNOWN_ENTITY, entityId, label.getEventId());
      return;
    }
    try {
      codec.decode(stored, state);
    } catch (StateFormatException e) {
      metrics.stateUnreadable();
      count(LabelOutcome.UNKNOWN_ENTITY, entityId, label.getEventId());
      return;
    }
    LabelJoin.Result r = labelJoin.join(entityId, state, label.getEventId(), target);
    count(r.outcome(), entityId, label.getEventId());
    if (r.matched()) {
      metrics.joined(r.example(), target, spec);
      if (settings.trainingEnabled()) {
        context.forward(new Record<>(record.key(), TrainingExampleCodec.encode(r.example()), record.timestamp()),
            CellstreamTopology.TRAINING_SINK);
      }
      store.put(entityId, codec.encode(state));
    }
  }

  private void count(LabelOutcome outcome, String entityId, String eventId) {
    metrics.label(outcome);
    if (outcome != LabelOutcome.MATCHED) {
      warnings.warn(outcome.ordinal(), "label for entity '" + entityId + "' event '" + eventId + "' not learned from: "
          + outcome.id());
    }
  }
}
