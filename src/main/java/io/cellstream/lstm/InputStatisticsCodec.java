package io.cellstream.lstm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The binary form of {@link InputStatistics}: a block inside a model snapshot (format 2, {@link ModelSnapshotCodec})
 * and, framed on its own, the trainer's stored statistics. Little-endian.
 *
 * <pre>
 * block:
 *   int    f, bytes of the canonical feature list (UTF-8); byte[f]
 *   int    S, standardised columns
 *   S ×    int32 column index, float64 count, float64 mean, float64 M2
 *
 * on its own (the trainer's store, key "statistics"): magic "CSIS", short format version 1, int D, the block, CRC32
 * </pre>
 */
public final class InputStatisticsCodec {

  public static final int MAGIC = 0x53495343; // bytes 'C' 'S' 'I' 'S'
  public static final int FORMAT_VERSION = 1;
  static final int MAX_FEATURES_BYTES = 1 << 20;
  private static final String WHAT = "input statistics";

  private InputStatisticsCodec() {}

  /** Bytes of the block. */
  static int blockBytes(InputStatistics s, byte[] featuresUtf8) {
    return 4 + featuresUtf8.length + 4 + 28 * s.size();
  }

  static void writeBlock(ByteBuffer b, InputStatistics s, byte[] featuresUtf8) {
    b.putInt(featuresUtf8.length).put(featuresUtf8);
    b.putInt(s.size());
    for (int i = 0; i < s.size(); i++) {
      b.putInt(s.column(i)).putDouble(s.count(i)).putDouble(s.mean(i)).putDouble(s.m2(i));
    }
  }

  /**
   * The block's length in {@code bytes} from {@code at}, or a {@link SnapshotFormatException} when its lengths do
   * not fit in {@code end} (exclusive) bytes.
   */
  static int blockLength(byte[] bytes, int at, int end, String what) {
    if (end - at < 8) {
      throw new SnapshotFormatException(what + " truncated: no room for the input statistics (" + (end - at) + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int f = b.getInt(at);
    if (f < 0 || f > MAX_FEATURES_BYTES || (long) at + 4 + f + 4 > end) {
      throw new SnapshotFormatException(what + " is corrupt or truncated: a feature list of " + f + " bytes in "
          + (end - at - 8) + " bytes");
    }
    int s = b.getInt(at + 4 + f);
    if (s < 0 || s > (end - at - 8 - f) / 28) {
      throw new SnapshotFormatException(what + " is corrupt or truncated: " + s + " standardised columns in "
          + (end - at - 8 - f) + " bytes");
    }
    return 4 + f + 4 + 28 * s;
  }

  static InputStatistics readBlock(ByteBuffer b, int inputSize, String what) {
    byte[] f = new byte[b.getInt()];
    b.get(f);
    int s = b.getInt();
    int[] columns = new int[s];
    double[] count = new double[s];
    double[] mean = new double[s];
    double[] m2 = new double[s];
    for (int i = 0; i < s; i++) {
      columns[i] = b.getInt();
      count[i] = b.getDouble();
      mean[i] = b.getDouble();
      m2[i] = b.getDouble();
    }
    try {
      return InputStatistics.of(new String(f, StandardCharsets.UTF_8), inputSize, columns, count, mean, m2);
    } catch (IllegalArgumentException e) {
      throw new SnapshotFormatException(what + " has invalid input statistics: " + e.getMessage(), e);
    }
  }

  /** The statistics as one framed record (the trainer's store). */
  public static byte[] encode(InputStatistics s) {
    byte[] f = s.features().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = BinaryFormat.writer(6 + 4 + blockBytes(s, f) + 4, MAGIC, FORMAT_VERSION);
    b.putInt(s.inputSize());
    writeBlock(b, s, f);
    return BinaryFormat.finish(b);
  }

  public static InputStatistics decode(byte[] bytes) {
    ByteBuffer b = BinaryFormat.reader(bytes, WHAT, MAGIC, "CSIS", FORMAT_VERSION);
    if (bytes.length < 6 + 4 + 8 + 4) {
      throw new SnapshotFormatException(WHAT + " truncated: " + bytes.length + " bytes");
    }
    int d = b.getInt();
    int block = blockLength(bytes, 10, bytes.length - 4, WHAT);
    BinaryFormat.checkLengthAndCrc(bytes, 10 + block + 4, WHAT, "D=" + d);
    if (d < 1 || d > ModelSpec.MAX_SIZE) {
      throw new SnapshotFormatException(WHAT + " is corrupt: D=" + d);
    }
    return readBlock(b, d, WHAT);
  }
}
