package io.cellstream.state;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Binary format of {@link EntityState}, version 4. Little-endian:
 *
 * <pre>
 * int    magic 'CSES' (0x53455343 as read little-endian)
 * short  format version (4; 1, 2 and 3 are read too)
 * short  flags (bit 0: gates present)
 * int    D, H, K, W, k
 * long   eventsSeen, modelVersion, lastEventTime
 * float  h (H), c (H), lastOutputs (K)
 * byte   gates (3H)                       only when flag bit 0
 * long   firstStep
 * int    count                             steps in the window
 * count × { long eventTime; byte labelled; short idLength; byte id[idLength] (UTF-8) }
 * float  inputs (count, D), predictions (count, K)
 * float  checkpoints (⌈count / k⌉, 2H)
 * int    departed                          (v2) hashes of ids that left the window, oldest first
 * long   departed hashes (departed)        (v2)
 * int    held                              (v2) labels held for their event, oldest first
 * held × { long heldAt; short idLength; byte id[idLength]; float target (K); int originLength; byte origin[] }  (v2)
 * int    inputPartition; long inputOffset   (v3) where the last applied event came from (-1: not recorded)
 * int    emissions                         (v3) predictions kept for re-emission, oldest first
 * emissions × { long inputOffset, modelVersion, predictionTime, eventsSeen; float outputs (K) }  (v3)
 * int    featureMemoryLength; byte featureMemory[]   (v3) the input layer's per-entity memory
 * int    labelPartition; long labelOffset   (v4) where the last label applied came from (-1: not recorded)
 * int    CRC32C of everything before it
 * </pre>
 *
 * Version 1 (no departed ids, no held labels) is read as a state that has neither; versions 1 and 2 as a state
 * with no input position, no kept predictions and an empty feature memory; versions 1 to 3 with no label position.
 * Kept predictions beyond the configured R are dropped oldest first.
 *
 * A state written with another window shape (W or k) is read with its (h, c) and counters kept and its
 * window trimmed (W smaller) or dropped (k different), so that a configuration change never loses the memory
 * itself. Another D/H/K is refused: that state belongs to another model shape.
 */
public final class EntityStateCodec {

  public static final int MAGIC = 0x53455343; // "CSES" little-endian
  public static final short VERSION = 4;
  /** Event ids are stored with a 16-bit length. */
  public static final int MAX_EVENT_ID_BYTES = Short.MAX_VALUE;
  private static final int FLAG_GATES = 1;

  private final CRC32C crc = new CRC32C();
  private float[] emissionScratch = new float[0]; // (K)

  /** Not thread-safe: one codec per stream task. */
  public EntityStateCodec() {}

  /** The number of bytes {@link #encode} writes for {@code s}, without encoding it. */
  public static int encodedSize(EntityState s) {
    int hs = s.hiddenSize();
    int count = s.windowCount();
    long size = 4 + 2 + 2 + 5 * 4 + 3 * 8 + 4L * (2 * hs + s.outputSize()) + (s.hasGates ? 3L * hs : 0)
        + 8 + 4 + 4L * count * (s.inputSize() + s.outputSize()) + 4L * s.checkpointCount() * 2 * hs
        + 4 + 8L * s.departedCount() + 4
        + 4 + 8 + 4 + (32L + 4L * s.outputSize()) * s.emissionCount() + 4 + s.featureMemory().length
        + 4 + 8
        + 4;
    for (int i = 0; i < count; i++) {
      size += 8 + 1 + 2 + s.rawEventId(i).length;
    }
    for (HeldLabel l : s.heldLabels()) {
      size += l.encodedSize();
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("entity state of " + size + " bytes");
    }
    return (int) size;
  }

  public byte[] encode(EntityState s) {
    int hs = s.hiddenSize();
    if (s.cellStateSize() != hs) {
      throw new IllegalArgumentException("only LSTM states (|c| = |h|) are stored; this one has |h|=" + hs
          + " |c|=" + s.cellStateSize());
    }
    int count = s.windowCount();
    int size = encodedSize(s);
    // The store keeps the array it is given, so each state needs a fresh one; sized exactly up front, it is
    // written once (no scratch buffer and copy: that copy was the largest allocation per event under JFR).
    byte[] out = new byte[size];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) (s.hasGates ? FLAG_GATES : 0));
    b.putInt(s.inputSize()).putInt(hs).putInt(s.outputSize()).putInt(s.windowSteps()).putInt(s.checkpointEvery());
    b.putLong(s.eventsSeen).putLong(s.modelVersion).putLong(s.lastEventTime);
    putFloats(b, s.h, 0, hs);
    putFloats(b, s.c, 0, hs);
    putFloats(b, s.lastOutputs, 0, s.outputSize());
    if (s.hasGates) {
      b.put(s.gates);
    }
    b.putLong(s.firstStep()).putInt(count);
    for (int i = 0; i < count; i++) {
      b.putLong(s.rawEventTime(i)).put((byte) (s.rawLabelled(i) ? 1 : 0));
      byte[] id = s.rawEventId(i);
      if (id.length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("event id longer than " + Short.MAX_VALUE + " bytes");
      }
      b.putShort((short) id.length).put(id);
    }
    putFloats(b, s.rawInputs(), 0, count * s.inputSize());
    putFloats(b, s.rawPredictions(), 0, count * s.outputSize());
    putFloats(b, s.rawCheckpoints(), 0, s.checkpointCount() * 2 * hs);
    b.putInt(s.departedCount());
    for (int i = 0; i < s.departedCount(); i++) {
      b.putLong(s.departedHash(i));
    }
    b.putInt(s.heldCount());
    for (HeldLabel l : s.heldLabels()) {
      if (l.eventId().length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("event id longer than " + Short.MAX_VALUE + " bytes");
      }
      if (l.target().length != s.outputSize()) {
        throw new IllegalArgumentException("held label target has " + l.target().length + " values, K=" + s.outputSize());
      }
      b.putLong(l.heldAt()).putShort((short) l.eventId().length).put(l.eventId());
      putFloats(b, l.target(), 0, l.target().length);
      b.putInt(l.origin().length).put(l.origin());
    }
    b.putInt(s.inputPartition).putLong(s.inputOffset);
    b.putInt(s.emissionCount());
    float[] outputs = emissionScratch(s.outputSize());
    for (int i = 0; i < s.emissionCount(); i++) {
      b.putLong(s.emissionInputOffset(i)).putLong(s.emissionModelVersion(i)).putLong(s.emissionPredictionTime(i))
          .putLong(s.emissionEventsSeen(i));
      s.copyEmissionOutputs(i, outputs);
      putFloats(b, outputs, 0, s.outputSize());
    }
    b.putInt(s.featureMemory().length).put(s.featureMemory());
    b.putInt(s.labelPartition).putLong(s.labelOffset);
    crc.reset();
    crc.update(out, 0, b.position());
    b.putInt((int) crc.getValue());
    assert b.position() == size : "size computed " + size + ", written " + b.position();
    return out;
  }

  /**
   * Reads {@code bytes} into {@code into}, whose shape (D, H, K, W, k) comes from the current configuration.
   *
   * @throws StateFormatException when the bytes are not a state, are damaged, or belong to another D/H/K
   */
  public void decode(byte[] bytes, EntityState into) {
    if (bytes.length < 4 + 2 + 2 + 20 + 24 + 4) {
      throw new StateFormatException("entity state truncated: " + bytes.length + " bytes");
    }
    crc.reset();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int stored = b.getInt(bytes.length - 4);
    if (stored != (int) crc.getValue()) {
      throw new StateFormatException("entity state corrupt: CRC mismatch");
    }
    try {
      int magic = b.getInt();
      if (magic != MAGIC) {
        throw new StateFormatException("not an entity state: magic " + Integer.toHexString(magic));
      }
      short version = b.getShort();
      if (version < 1 || version > VERSION) {
        throw new StateFormatException("entity state format version " + version + " is newer than this build reads (" + VERSION + ")");
      }
      int flags = b.getShort();
      int d = b.getInt();
      int hs = b.getInt();
      int k = b.getInt();
      int storedWindow = b.getInt();
      int storedEvery = b.getInt();
      if (d != into.inputSize() || hs != into.hiddenSize() || hs != into.cellStateSize() || k != into.outputSize()) {
        throw new StateFormatException("entity state is for D=" + d + " H=" + hs + " K=" + k
            + " but the model is D=" + into.inputSize() + " H=" + into.hiddenSize() + " K=" + into.outputSize());
      }
      into.reset();
      into.eventsSeen = b.getLong();
      into.modelVersion = b.getLong();
      into.lastEventTime = b.getLong();
      getFloats(b, into.h, 0, hs);
      getFloats(b, into.c, 0, hs);
      getFloats(b, into.lastOutputs, 0, k);
      if ((flags & FLAG_GATES) != 0) {
        b.get(into.gates);
        into.hasGates = true;
      }
      long firstStep = b.getLong();
      int count = b.getInt();
      if (count < 0 || count > (bytes.length / 11)) {
        throw new StateFormatException("entity state corrupt: window count " + count);
      }
      boolean keepWindow = into.hasWindow() && storedEvery == into.checkpointEvery() && storedWindow >= 0;
      // Steps to skip from the front if the window shrank: whole blocks only, so it stays aligned.
      int skip = 0;
      if (keepWindow && count > into.capacity()) {
        int excess = count - into.windowSteps();
        skip = ((excess + storedEvery - 1) / storedEvery) * storedEvery;
        skip = Math.min(skip, count);
      }
      int kept = keepWindow ? count - skip : 0;
      long[] skippedIds = new long[skip]; // steps cut off a shrunk window have left it: remembered after the stored ones
      for (int i = 0; i < count; i++) {
        long time = b.getLong();
        boolean labelled = b.get() != 0;
        int len = b.getShort();
        if (len < 0 || len > b.remaining()) {
          throw new StateFormatException("entity state corrupt: event id length " + len);
        }
        if (keepWindow && i >= skip) {
          into.setRaw(i - skip, Arrays.copyOfRange(bytes, b.position(), b.position() + len), time, labelled);
        } else if (i < skip) {
          skippedIds[i] = EntityState.fnv1a64(Arrays.copyOfRange(bytes, b.position(), b.position() + len));
        }
        b.position(b.position() + len);
      }
      int blocks = count == 0 ? 0 : (count - 1) / storedEvery + 1;
      int afterWindow = b.position() + 4 * count * (d + k) + 4 * blocks * 2 * hs;
      if (keepWindow) {
        b.position(b.position() + 4 * skip * d);
        getFloats(b, into.rawInputs(), 0, kept * d);
        b.position(b.position() + 4 * (count - kept - skip) * d);
        b.position(b.position() + 4 * skip * k);
        getFloats(b, into.rawPredictions(), 0, kept * k);
        int skipBlocks = skip / storedEvery;
        b.position(b.position() + 4 * skipBlocks * 2 * hs);
        getFloats(b, into.rawCheckpoints(), 0, (blocks - skipBlocks) * 2 * hs);
        into.restoreWindow(firstStep + skip, kept);
      }
      b.position(afterWindow);
      if (version >= 2) {
        int departed = b.getInt();
        if (departed < 0 || departed > b.remaining() / 8) {
          throw new StateFormatException("entity state corrupt: departed ids " + departed);
        }
        for (int i = 0; i < departed; i++) {
          into.restoreDeparted(b.getLong());
        }
        int held = b.getInt();
        if (held < 0 || held > b.remaining() / 14) {
          throw new StateFormatException("entity state corrupt: held labels " + held);
        }
        for (int i = 0; i < held; i++) {
          long heldAt = b.getLong();
          int len = b.getShort();
          if (len < 0 || len > b.remaining()) {
            throw new StateFormatException("entity state corrupt: held label id length " + len);
          }
          byte[] id = new byte[len];
          b.get(id);
          float[] target = new float[k];
          getFloats(b, target, 0, k);
          int originLength = b.getInt();
          if (originLength < 0 || originLength > b.remaining()) {
            throw new StateFormatException("entity state corrupt: held label origin length " + originLength);
          }
          byte[] origin = new byte[originLength];
          b.get(origin);
          into.hold(new HeldLabel(id, target, heldAt, origin));
        }
      }
      for (long id : skippedIds) {
        into.restoreDeparted(id);
      }
      if (version >= 3) {
        into.inputPartition = b.getInt();
        into.inputOffset = b.getLong();
        int emissions = b.getInt();
        if (emissions < 0 || emissions > b.remaining() / (32 + 4 * k)) {
          throw new StateFormatException("entity state corrupt: kept predictions " + emissions);
        }
        float[] outputs = emissionScratch(k);
        int dropped = Math.max(0, emissions - into.emissionCapacity()); // the oldest, when fewer are kept now
        for (int i = 0; i < emissions; i++) {
          long offset = b.getLong();
          long version3 = b.getLong();
          long predictionTime = b.getLong();
          long eventsSeen = b.getLong();
          getFloats(b, outputs, 0, k);
          if (i >= dropped) {
            into.recordEmission(offset, version3, predictionTime, eventsSeen, outputs);
          }
        }
        int memoryLength = b.getInt();
        if (memoryLength < 0 || memoryLength > b.remaining() - 4) {
          throw new StateFormatException("entity state corrupt: feature memory length " + memoryLength);
        }
        byte[] memory = new byte[memoryLength];
        b.get(memory);
        into.setFeatureMemory(memory);
      }
      if (version >= 4) {
        into.labelPartition = b.getInt();
        into.labelOffset = b.getLong();
      }
      if (b.remaining() != 4) {
        throw new StateFormatException("entity state corrupt: " + (b.remaining() - 4) + " unexpected bytes at the end");
      }
    } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new StateFormatException("entity state truncated or corrupt: " + e);
    }
  }

  private float[] emissionScratch(int k) {
    if (emissionScratch.length != k) {
      emissionScratch = new float[k];
    }
    return emissionScratch;
  }

  // Bulk copies through a little-endian float view: a plain memory copy on a little-endian CPU instead of one
  // bounds-checked putFloat/getFloat per element.
  private static void putFloats(ByteBuffer b, float[] a, int off, int n) {
    if (n == 0) {
      return;
    }
    b.asFloatBuffer().put(a, off, n);
    b.position(b.position() + 4 * n);
  }

  private static void getFloats(ByteBuffer b, float[] a, int off, int n) {
    if (n == 0) {
      return;
    }
    b.asFloatBuffer().get(a, off, n);
    b.position(b.position() + 4 * n);
  }
}
