package io.cellstream.lstm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * The conventions every binary format of the project shares (model snapshots, optimiser and trainer state):
 * little-endian, a 4-byte magic, a 2-byte format version, the body, and a CRC32 of everything before it as
 * the last 4 bytes.
 */
public final class BinaryFormat {

  private BinaryFormat() {}

  public static ByteBuffer writer(int size, int magic, int version) {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(magic);
    b.putShort((short) version);
    return b;
  }

  /** Appends the CRC32 of everything written so far; the buffer must then be exactly full. */
  public static byte[] finish(ByteBuffer b) {
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    if (b.hasRemaining()) {
      throw new IllegalStateException("encoder size mismatch: " + b.remaining() + " bytes left");
    }
    return b.array();
  }

  /**
   * Checks the magic and the version and returns a reader positioned after them.
   *
   * @param what     the kind of data, for messages ("model snapshot")
   * @param magicTxt the magic as text, for messages
   */
  public static ByteBuffer reader(byte[] bytes, String what, int magic, String magicTxt, int maxVersion) {
    if (bytes == null) {
      throw new SnapshotFormatException(what + " is missing (null)");
    }
    if (bytes.length < 6) {
      throw new SnapshotFormatException(
          what + " truncated: " + bytes.length + " bytes, not even magic and format version");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int m = b.getInt();
    if (m != magic) {
      throw new SnapshotFormatException("not a cellstream " + what + ": magic 0x" + Integer.toHexString(m)
          + ", expected 0x" + Integer.toHexString(magic) + " ('" + magicTxt + "')");
    }
    int version = Short.toUnsignedInt(b.getShort());
    if (version == 0) {
      throw new SnapshotFormatException(what + " has format version 0, which was never written");
    }
    if (version > maxVersion) {
      throw new SnapshotFormatException(what + " has format version " + version
          + ", newer than this build reads (1.." + maxVersion + "): upgrade cellstream to read it");
    }
    return b;
  }

  /** Checks that {@code bytes} is exactly {@code expected} long, then the trailing CRC32. */
  public static void checkLengthAndCrc(byte[] bytes, int expected, String what, String header) {
    if (bytes.length < expected) {
      throw new SnapshotFormatException(what + " truncated: " + bytes.length + " bytes, its header ("
          + header + ") announces " + expected);
    }
    if (bytes.length > expected) {
      throw new SnapshotFormatException(what + " has " + (bytes.length - expected)
          + " unexpected trailing bytes: " + bytes.length + " bytes, its header (" + header + ") announces "
          + expected);
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (stored != (int) crc.getValue()) {
      throw new SnapshotFormatException(what + " is corrupt: CRC32 0x" + Integer.toHexString(stored)
          + " stored, 0x" + Long.toHexString(crc.getValue()) + " computed");
    }
  }

  public static void readFloats(ByteBuffer b, float[] dst, String what, String name) {
    // One bulk copy, then the check: a float at a time through the ByteBuffer was the codec's whole cost.
    b.asFloatBuffer().get(dst);
    b.position(b.position() + 4 * dst.length);
    for (int i = 0; i < dst.length; i++) {
      if (!Float.isFinite(dst[i])) {
        throw new SnapshotFormatException(what + ": " + name + "[" + i + "] is " + dst[i] + " (must be finite)");
      }
    }
  }

  /** Writes {@code src} as little-endian floats in one bulk copy. */
  public static void writeFloats(ByteBuffer b, float[] src) {
    b.asFloatBuffer().put(src);
    b.position(b.position() + 4 * src.length);
  }
}
