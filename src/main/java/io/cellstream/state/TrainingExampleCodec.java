package io.cellstream.state;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Binary format of {@link TrainingExample} on the training topic, version 1. Little-endian:
 *
 * <pre>
 * int   magic 'CSTE'; short format version (1); short reserved (0)
 * short |entityId| + UTF-8 bytes; short |eventId| + UTF-8 bytes
 * long  labelledStep, eventTime, modelVersion
 * int   T, D, H, K
 * float h0 (H), c0 (H), inputs (T, D), targets (T, K)
 * byte  mask (T)
 * float prediction (K)
 * int   CRC32C of everything before it
 * </pre>
 */
public final class TrainingExampleCodec {

  public static final int MAGIC = 0x45545343; // "CSTE" little-endian
  public static final short VERSION = 1;
  /** Refuse absurd sizes before allocating: a corrupt header must not allocate gigabytes. */
  private static final int MAX_FLOATS = 1 << 26;

  private TrainingExampleCodec() {}

  public static byte[] encode(TrainingExample e) {
    if (e.c0().length != e.hiddenSize()) {
      throw new IllegalArgumentException("only LSTM examples (|c0| = H) travel on the training topic");
    }
    byte[] entity = e.entityId().getBytes(StandardCharsets.UTF_8);
    byte[] event = e.eventId().getBytes(StandardCharsets.UTF_8);
    if (entity.length > Short.MAX_VALUE || event.length > Short.MAX_VALUE) {
      throw new IllegalArgumentException("id longer than " + Short.MAX_VALUE + " bytes");
    }
    int floats = 2 * e.hiddenSize() + e.inputs().length + e.targets().length + e.outputSize();
    int size = 8 + 2 + entity.length + 2 + event.length + 24 + 16 + 4 * floats + e.steps() + 4;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0);
    b.putShort((short) entity.length).put(entity).putShort((short) event.length).put(event);
    b.putLong(e.labelledStep()).putLong(e.eventTime()).putLong(e.modelVersion());
    b.putInt(e.steps()).putInt(e.inputSize()).putInt(e.hiddenSize()).putInt(e.outputSize());
    put(b, e.h0());
    put(b, e.c0());
    put(b, e.inputs());
    put(b, e.targets());
    for (boolean m : e.mask()) {
      b.put((byte) (m ? 1 : 0));
    }
    put(b, e.prediction());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** @throws StateFormatException when the bytes are not a training example or are damaged */
  public static TrainingExample decode(byte[] bytes) {
    if (bytes == null || bytes.length < 8 + 4 + 24 + 16 + 4) {
      throw new StateFormatException("training example truncated: " + (bytes == null ? "null" : bytes.length + " bytes"));
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new StateFormatException("training example corrupt: CRC mismatch");
    }
    try {
      int magic = b.getInt();
      if (magic != MAGIC) {
        throw new StateFormatException("not a training example: magic " + Integer.toHexString(magic));
      }
      short version = b.getShort();
      if (version != VERSION) {
        throw new StateFormatException("training example format version " + version + " is newer than this build reads (" + VERSION + ")");
      }
      b.getShort();
      String entity = string(b, bytes);
      String event = string(b, bytes);
      long step = b.getLong();
      long time = b.getLong();
      long version2 = b.getLong();
      int t = b.getInt();
      int d = b.getInt();
      int h = b.getInt();
      int k = b.getInt();
      long floats = 2L * h + (long) t * d + (long) t * k + k;
      if (t < 1 || d < 1 || h < 1 || k < 1 || floats > MAX_FLOATS || 4 * floats + t > b.remaining()) {
        throw new StateFormatException("training example corrupt: sizes T=" + t + " D=" + d + " H=" + h + " K=" + k);
      }
      float[] h0 = get(b, h);
      float[] c0 = get(b, h);
      float[] inputs = get(b, t * d);
      float[] targets = get(b, t * k);
      boolean[] mask = new boolean[t];
      for (int i = 0; i < t; i++) {
        mask[i] = b.get() != 0;
      }
      float[] prediction = get(b, k);
      return new TrainingExample(entity, event, step, time, version2, t, d, h, k, h0, c0, inputs, targets, mask, prediction);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new StateFormatException("training example truncated or corrupt: " + e.getMessage());
    }
  }

  private static String string(ByteBuffer b, byte[] bytes) {
    int len = b.getShort();
    if (len < 0 || len > b.remaining()) {
      throw new StateFormatException("training example corrupt: string length " + len);
    }
    String s = new String(bytes, b.position(), len, StandardCharsets.UTF_8);
    b.position(b.position() + len);
    return s;
  }

  private static void put(ByteBuffer b, float[] a) {
    for (float v : a) {
      b.putFloat(v);
    }
  }

  private static float[] get(ByteBuffer b, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = b.getFloat();
    }
    return a;
  }
}
