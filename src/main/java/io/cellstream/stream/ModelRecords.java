package io.cellstream.stream;

import io.cellstream.avro.ModelSnapshot;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSnapshotCodec;
import io.cellstream.lstm.SnapshotFormatException;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SerdeException;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Model versions on the models topic. Two kinds of keys, both compacted:
 * <ul>
 *   <li>{@code <name>}: the version in use — what every instance loads;
 *   <li>{@code <name>@<version, 19 digits>}: the history, one key per version, trimmed by tombstones to the
 *       newest {@link #HISTORY} versions; rollback reads from it.
 * </ul>
 * Values are Avro {@link ModelSnapshot} in the Confluent wire format, so any Avro tool can read the metadata;
 * the parameters are the engine's own binary snapshot inside.
 */
public final class ModelRecords {

  /** Versions kept in the history. */
  public static final int HISTORY = 50;

  private final AvroSerde<ModelSnapshot> serde;
  private final String topic;

  public ModelRecords(AvroSerde<ModelSnapshot> serde, String topic) {
    this.serde = serde;
    this.topic = topic;
  }

  public static String historyKey(String name, long version) {
    return name + "@" + String.format(Locale.ROOT, "%019d", version);
  }

  /** The version in a history key, or -1 if {@code key} is not one for {@code name}. */
  public static long versionOfHistoryKey(String name, String key) {
    if (key == null || !key.startsWith(name + "@")) {
      return -1;
    }
    try {
      return Long.parseLong(key.substring(name.length() + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public byte[] encode(ModelVersion v) {
    Model m = v.model();
    ModelSnapshot s = ModelSnapshot.newBuilder()
        .setModelName(v.name())
        .setVersion(m.version())
        .setCreatedAt(java.time.Instant.ofEpochMilli(m.createdAtMillis()))
        .setTask(m.spec().task().id())
        .setInputSize(m.spec().inputSize())
        .setHiddenSize(m.spec().hiddenSize())
        .setOutputSize(m.spec().outputSize())
        .setExamplesSeen(m.examplesSeen())
        .setParentVersion(v.parentVersion())
        .setOrigin(v.origin())
        .setTrainingLoss(v.trainingLoss())
        .setPayload(ByteBuffer.wrap(ModelSnapshotCodec.encode(m)))
        .build();
    return serde.encode(topic, s);
  }

  /**
   * Decodes a models-topic value.
   *
   * @throws SerdeException when the Avro cannot be read
   * @throws SnapshotFormatException when the parameters inside are damaged or disagree with the metadata
   */
  public ModelVersion decode(byte[] bytes) throws SerdeException {
    ModelSnapshot s = serde.decode(topic, bytes);
    ByteBuffer payload = s.getPayload();
    byte[] raw = new byte[payload.remaining()];
    payload.duplicate().get(raw);
    Model m = ModelSnapshotCodec.decode(raw);
    if (m.version() != s.getVersion() || m.spec().hiddenSize() != s.getHiddenSize()
        || m.spec().inputSize() != s.getInputSize() || m.spec().outputSize() != s.getOutputSize()
        || !m.spec().task().id().equals(s.getTask())) {
      throw new SnapshotFormatException("model snapshot metadata (version " + s.getVersion() + ", " + s.getTask()
          + " D=" + s.getInputSize() + " H=" + s.getHiddenSize() + " K=" + s.getOutputSize()
          + ") disagrees with its parameters (version " + m.version() + ", " + m.spec() + ")");
    }
    return new ModelVersion(s.getModelName(), m, s.getOrigin(), s.getParentVersion(), s.getTrainingLoss());
  }
}
