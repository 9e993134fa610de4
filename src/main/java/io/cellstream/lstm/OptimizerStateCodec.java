package io.cellstream.lstm;

import java.nio.ByteBuffer;

/**
 * The binary form of an {@link Adam} optimiser (its config, step count and both moments), which the
 * trainer keeps in its state store beside the parameters. Little-endian; version 1:
 *
 * <pre>
 * offset size
 *  0     4   magic "CSAD" (0x44415343 read as a little-endian int)
 *  4     2   format version (1)
 *  6     2   reserved, 0
 *  8     4   learning rate (float32)
 * 12     4   beta1
 * 16     4   beta2
 * 20     4   eps
 * 24     8   step count t
 * 32     4   n, number of parameters
 * 36   4·n   m, first moments (float32)
 *  ..  4·n   v, second moments
 *  ..    4   CRC32 of all bytes before it
 * </pre>
 *
 * Version 2 (written only with amsgrad on, so plain Adam still writes version 1 byte for byte): the reserved
 * short holds flags (bit 0: amsgrad) and v̂, the largest second moments (4·n), follows v.
 *
 * Same conventions and refusals as {@link ModelSnapshotCodec}.
 */
public final class OptimizerStateCodec {

  public static final int MAGIC = 0x44415343; // bytes 'C' 'S' 'A' 'D'
  public static final int FORMAT_VERSION = 2;
  private static final int FLAG_AMSGRAD = 1;
  static final int HEADER_BYTES = 36;
  private static final String WHAT = "optimiser state";

  private OptimizerStateCodec() {}

  public static byte[] encode(Adam adam) {
    int n = adam.size();
    AdamConfig c = adam.config();
    boolean ams = c.amsgrad();
    ByteBuffer b = BinaryFormat.writer(HEADER_BYTES + (ams ? 12 : 8) * n + 4, MAGIC, ams ? 2 : 1);
    b.putShort((short) (ams ? FLAG_AMSGRAD : 0));
    b.putFloat(c.learningRate());
    b.putFloat(c.beta1());
    b.putFloat(c.beta2());
    b.putFloat(c.eps());
    b.putLong(adam.steps());
    b.putInt(n);
    BinaryFormat.writeFloats(b, adam.m());
    BinaryFormat.writeFloats(b, adam.v());
    if (ams) {
      BinaryFormat.writeFloats(b, adam.vMax());
    }
    return BinaryFormat.finish(b);
  }

  /** Decodes an optimiser for any number of parameters. */
  public static Adam decode(byte[] bytes) {
    return decode(bytes, -1);
  }

  /** Decodes an optimiser and checks that it is sized for {@code expectedSize} parameters. */
  public static Adam decode(byte[] bytes, int expectedSize) {
    ByteBuffer b = BinaryFormat.reader(bytes, WHAT, MAGIC, "CSAD", FORMAT_VERSION);
    if (bytes.length < HEADER_BYTES + 4) {
      throw new SnapshotFormatException(WHAT + " truncated: " + bytes.length + " bytes, shorter than its "
          + (HEADER_BYTES + 4) + "-byte header and CRC");
    }
    int version = b.getShort(4);
    int flags = b.getShort(); // reserved (0) in version 1
    boolean ams = version >= 2 && (flags & FLAG_AMSGRAD) != 0;
    float lr = b.getFloat();
    float beta1 = b.getFloat();
    float beta2 = b.getFloat();
    float eps = b.getFloat();
    long step = b.getLong();
    int n = b.getInt();
    if (n < 0 || n > (Integer.MAX_VALUE - HEADER_BYTES - 4) / 8) {
      throw new SnapshotFormatException(WHAT + " is corrupt: parameter count " + n);
    }
    BinaryFormat.checkLengthAndCrc(bytes, HEADER_BYTES + (ams ? 12 : 8) * n + 4, WHAT, n + " parameters");
    if (expectedSize >= 0 && n != expectedSize) {
      throw new SnapshotFormatException(WHAT + " has mismatched sizes: it holds moments for " + n
          + " parameters, the model has " + expectedSize);
    }
    if (step < 0) {
      throw new SnapshotFormatException(WHAT + " is corrupt: step count " + step);
    }
    AdamConfig config;
    try {
      config = new AdamConfig(lr, beta1, beta2, eps, ams);
    } catch (IllegalArgumentException e) {
      throw new SnapshotFormatException(WHAT + " has an invalid config: " + e.getMessage(), e);
    }
    float[] m = new float[n];
    float[] v = new float[n];
    BinaryFormat.readFloats(b, m, WHAT, "m");
    BinaryFormat.readFloats(b, v, WHAT, "v");
    float[] vMax = null;
    if (ams) {
      vMax = new float[n];
      BinaryFormat.readFloats(b, vMax, WHAT, "vMax");
    }
    for (int i = 0; i < n; i++) {
      if (v[i] < 0) {
        throw new SnapshotFormatException(WHAT + ": v[" + i + "] is negative (" + v[i] + ")");
      }
    }
    return new Adam(config, m, v, vMax, step);
  }
}
