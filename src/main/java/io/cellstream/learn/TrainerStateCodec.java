package io.cellstream.learn;

import io.cellstream.lstm.BinaryFormat;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.SnapshotFormatException;
import io.cellstream.lstm.Task;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The binary records of the trainer's store besides the optimiser ({@code OptimizerStateCodec}) and the
 * examples ({@code TrainingExampleCodec}). Little-endian, magic, format version, body, CRC32 (as every binary
 * format here, {@link BinaryFormat}).
 *
 * <pre>
 * counters, key "meta", magic "CSTS", version 2:
 *   short flags (0); byte task; byte 0; int D, H, K
 *   long  publishedVersion, examplesSeen, examplesSincePublish, updatesSincePublish
 *   double lossSincePublish; long labelsSincePublish, lastPublishMillis
 *   long  acceptedUpdates, refusedUpdates; double lossMovingAverage
 *   int   pending (examples of the unfinished minibatch, under "pending/0" ...)
 *   long  replayAdded (examples ever added to the replay ring, slot = n mod capacity, under "replay/<slot>")
 *   long  replayRandomState (SplitMix64)
 *   int   CRC32
 *
 * parameters, key "params", magic "CSTP", version 1:
 *   short 0; byte task; byte 0; int D, H, K; int n; float params (n); int CRC32
 * </pre>
 *
 * Version 1 of the counters (written before the store was split by key) has no magic: big-endian int 1, then
 * publishedVersion, examplesSeen, examplesSincePublish, updatesSincePublish (long), lossSincePublish (double),
 * labelsSincePublish, lastPublishMillis (long). It is still read ({@link #decodeMeta}), with the guard's and
 * the replay's fields starting afresh.
 */
public final class TrainerStateCodec {

  public static final int META_MAGIC = 0x53545343;   // bytes 'C' 'S' 'T' 'S'
  public static final int PARAMS_MAGIC = 0x50545343; // bytes 'C' 'S' 'T' 'P'
  public static final int META_VERSION = 2;
  private static final int META_BYTES = 4 + 2 + 2 + 2 + 12 + 4 * 8 + 8 + 2 * 8 + 2 * 8 + 8 + 4 + 8 + 8 + 4;
  private static final int PARAMS_HEADER = 4 + 2 + 2 + 2 + 12 + 4;

  /** The trainer's counters, as stored. */
  public record Meta(
      ModelSpec spec,
      long publishedVersion,
      long examplesSeen,
      long examplesSincePublish,
      long updatesSincePublish,
      double lossSincePublish,
      long labelsSincePublish,
      long lastPublishMillis,
      long acceptedUpdates,
      long refusedUpdates,
      double lossMovingAverage,
      int pending,
      long replayAdded,
      long replayRandomState,
      int formatVersion) {}

  private TrainerStateCodec() {}

  public static byte[] encodeMeta(Meta m) {
    ByteBuffer b = BinaryFormat.writer(META_BYTES, META_MAGIC, META_VERSION);
    b.putShort((short) 0);
    putSpec(b, m.spec());
    b.putLong(m.publishedVersion()).putLong(m.examplesSeen()).putLong(m.examplesSincePublish())
        .putLong(m.updatesSincePublish());
    b.putDouble(m.lossSincePublish()).putLong(m.labelsSincePublish()).putLong(m.lastPublishMillis());
    b.putLong(m.acceptedUpdates()).putLong(m.refusedUpdates()).putDouble(m.lossMovingAverage());
    b.putInt(m.pending()).putLong(m.replayAdded()).putLong(m.replayRandomState());
    return BinaryFormat.finish(b);
  }

  /**
   * Reads the counters of either format. A version-1 record carries no shape: {@code v1Spec} (the shape of
   * the model stored beside it) is taken as its shape.
   */
  public static Meta decodeMeta(byte[] bytes, ModelSpec v1Spec) {
    if (bytes != null && bytes.length == 60 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 1) {
      return decodeMetaV1(bytes, v1Spec);
    }
    ByteBuffer b = BinaryFormat.reader(bytes, "trainer state", META_MAGIC, "CSTS", META_VERSION);
    BinaryFormat.checkLengthAndCrc(bytes, META_BYTES, "trainer state", "counters");
    b.getShort();
    ModelSpec spec = getSpec(b, "trainer state");
    return new Meta(spec, b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getDouble(), b.getLong(), b.getLong(),
        b.getLong(), b.getLong(), b.getDouble(), b.getInt(), b.getLong(), b.getLong(), META_VERSION);
  }

  private static Meta decodeMetaV1(byte[] bytes, ModelSpec spec) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      in.readInt();
      long published = in.readLong();
      long seen = in.readLong();
      long sincePublish = in.readLong();
      long updates = in.readLong();
      double loss = in.readDouble();
      long labels = in.readLong();
      long lastPublish = in.readLong();
      return new Meta(spec, published, seen, sincePublish, updates, loss, labels, lastPublish, 0, 0, Double.NaN, 0, 0, 0, 1);
    } catch (IOException e) {
      throw new SnapshotFormatException("trainer state (format 1) unreadable: " + e.getMessage());
    }
  }

  public static byte[] encodeParameters(ModelSpec spec, float[] params) {
    ByteBuffer b = BinaryFormat.writer(PARAMS_HEADER + 4 * params.length + 4, PARAMS_MAGIC, 1);
    b.putShort((short) 0);
    putSpec(b, spec);
    b.putInt(params.length);
    BinaryFormat.writeFloats(b, params);
    return BinaryFormat.finish(b);
  }

  /** The parameters, checked against {@code expected} (shape) and {@code count} (floats). */
  public static float[] decodeParameters(byte[] bytes, ModelSpec expected, int count) {
    ByteBuffer b = BinaryFormat.reader(bytes, "trainer parameters", PARAMS_MAGIC, "CSTP", 1);
    if (bytes.length < PARAMS_HEADER + 4) {
      throw new SnapshotFormatException("trainer parameters truncated: " + bytes.length + " bytes");
    }
    b.getShort();
    ModelSpec spec = getSpec(b, "trainer parameters");
    int n = b.getInt();
    BinaryFormat.checkLengthAndCrc(bytes, PARAMS_HEADER + 4 * n + 4, "trainer parameters", spec + ", " + n + " floats");
    if (!spec.equals(expected) || n != count) {
      throw new SnapshotFormatException("trainer parameters are for " + spec + " (" + n + " floats), expected "
          + expected + " (" + count + ")");
    }
    float[] p = new float[n];
    BinaryFormat.readFloats(b, p, "trainer parameters", "params");
    return p;
  }

  private static void putSpec(ByteBuffer b, ModelSpec s) {
    b.put((byte) s.task().ordinal()).put((byte) 0);
    b.putInt(s.inputSize()).putInt(s.hiddenSize()).putInt(s.outputSize());
  }

  private static ModelSpec getSpec(ByteBuffer b, String what) {
    int task = b.get();
    b.get();
    int d = b.getInt();
    int h = b.getInt();
    int k = b.getInt();
    Task[] tasks = Task.values();
    if (task < 0 || task >= tasks.length) {
      throw new SnapshotFormatException(what + ": unknown task " + task);
    }
    try {
      return new ModelSpec(d, h, k, tasks[task]);
    } catch (IllegalArgumentException e) {
      throw new SnapshotFormatException(what + ": " + e.getMessage());
    }
  }
}
