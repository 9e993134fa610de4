package io.cellstream.lstm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary form of a {@link Model} (the value of the models topic). Format versions 1 and 2, little-endian:
 *
 * <pre>
 * offset size
 *  0     4   magic "CSLM" (0x4D4C5343 read as a little-endian int)
 *  4     2   format version (1)
 *  6     1   task: 0 binary, 1 multiclass, 2 regression
 *  7     1   reserved, 0
 *  8     4   D (input size)
 * 12     4   H (hidden size)
 * 16     4   K (output size)
 * 20     8   model version
 * 28     8   created at, epoch milliseconds
 * 36     8   examples seen
 * 44     4   n, number of parameters (must equal Parameters.count(D, H, K))
 * 48   4·n   parameters, float32, in the Parameters layout
 *  ..    4   CRC32 of all bytes before it
 * </pre>
 *
 * Format 2 (the model reads a feature list, {@link InputStatistics}) inserts before the CRC32:
 *
 * <pre>
 *  ..    4   f, bytes of the canonical feature list (UTF-8)
 *  ..    f   the feature list
 *  ..    4   S, standardised input columns
 *  ..  28·S  per column: int32 column index, float64 count, float64 mean, float64 M2
 * </pre>
 *
 * A model without a feature list and without standardised columns (the cellstream format) is still written as
 * format 1, byte for byte as before, so that instances of an older build keep reading its versions.
 *
 * Decoding checks magic, version, length, CRC, sizes and finiteness before it builds anything, and
 * throws {@link SnapshotFormatException} saying what is wrong; nothing is ever half-loaded. Versions
 * other than the current one stay readable: add a branch, never change an old one.
 */
public final class ModelSnapshotCodec {

  public static final int MAGIC = 0x4D4C5343; // bytes 'C' 'S' 'L' 'M'
  /** The newest format this build writes (for models with a feature list) and reads. */
  public static final int FORMAT_VERSION = 2;
  /** The format of models that read ready-made features: still written, so that older builds read them. */
  static final int FORMAT_PLAIN = 1;
  static final int HEADER_BYTES = 48;
  private static final String WHAT = "model snapshot";

  private ModelSnapshotCodec() {}

  public static byte[] encode(Model model) {
    ModelSpec s = model.spec();
    float[] p = model.rawParameters();
    InputStatistics st = model.statistics();
    boolean plain = st.features().isEmpty() && st.isIdentity();
    byte[] features = st.features().getBytes(StandardCharsets.UTF_8);
    int inputsBytes = plain ? 0 : InputStatisticsCodec.blockBytes(st, features);
    ByteBuffer b = BinaryFormat.writer(HEADER_BYTES + 4 * p.length + inputsBytes + 4, MAGIC,
        plain ? FORMAT_PLAIN : FORMAT_VERSION);
    b.put((byte) s.task().ordinal());
    b.put((byte) 0);
    b.putInt(s.inputSize());
    b.putInt(s.hiddenSize());
    b.putInt(s.outputSize());
    b.putLong(model.version());
    b.putLong(model.createdAtMillis());
    b.putLong(model.examplesSeen());
    b.putInt(p.length);
    BinaryFormat.writeFloats(b, p);
    if (!plain) {
      InputStatisticsCodec.writeBlock(b, st, features);
    }
    return BinaryFormat.finish(b);
  }

  public static Model decode(byte[] bytes) {
    ByteBuffer b = BinaryFormat.reader(bytes, WHAT, MAGIC, "CSLM", FORMAT_VERSION);
    int format = Short.toUnsignedInt(ByteBuffer.wrap(bytes, 4, 2).order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort());
    if (bytes.length < HEADER_BYTES + 4) {
      throw new SnapshotFormatException(WHAT + " truncated: " + bytes.length + " bytes, shorter than its "
          + (HEADER_BYTES + 4) + "-byte header and CRC");
    }
    int taskCode = Byte.toUnsignedInt(b.get());
    b.get(); // reserved
    int d = b.getInt();
    int h = b.getInt();
    int k = b.getInt();
    long version = b.getLong();
    long createdAt = b.getLong();
    long examples = b.getLong();
    int n = b.getInt();
    String header = "D=" + d + " H=" + h + " K=" + k + ", " + n + " parameters";
    if (n < 0 || n > (Integer.MAX_VALUE - HEADER_BYTES - 4) / 4) {
      throw new SnapshotFormatException(WHAT + " is corrupt: parameter count " + n);
    }
    if (format == FORMAT_PLAIN) {
      BinaryFormat.checkLengthAndCrc(bytes, HEADER_BYTES + 4 * n + 4, WHAT, header);
    } else {
      int block = InputStatisticsCodec.blockLength(bytes, HEADER_BYTES + 4 * n, bytes.length - 4, WHAT);
      BinaryFormat.checkLengthAndCrc(bytes, HEADER_BYTES + 4 * n + block + 4, WHAT, header + ", with input statistics");
    }
    Task[] tasks = Task.values();
    if (taskCode >= tasks.length) {
      throw new SnapshotFormatException(WHAT + " has unknown task code " + taskCode);
    }
    ModelSpec spec;
    try {
      spec = new ModelSpec(d, h, k, tasks[taskCode]);
    } catch (IllegalArgumentException e) {
      throw new SnapshotFormatException(WHAT + " has invalid sizes: " + e.getMessage(), e);
    }
    if (n != Parameters.count(spec)) {
      throw new SnapshotFormatException(WHAT + " has mismatched sizes: " + spec + " needs "
          + Parameters.count(spec) + " parameters, the snapshot holds " + n);
    }
    if (examples < 0) {
      throw new SnapshotFormatException(WHAT + " is corrupt: examples seen " + examples);
    }
    float[] data = new float[n];
    BinaryFormat.readFloats(b, data, WHAT, "parameter");
    InputStatistics statistics = format == FORMAT_PLAIN ? InputStatistics.none(d)
        : InputStatisticsCodec.readBlock(b, d, WHAT);
    return Model.of(new Parameters(spec, data), statistics, version, createdAt, examples);
  }
}
