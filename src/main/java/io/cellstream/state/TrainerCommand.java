package io.cellstream.state;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * An instruction to the trainer, sent on the training topic so that it is applied in order with the examples
 * by the one trainer task — no second writer of model versions, no race between versions.
 *
 * <p>Format version 1, little-endian: int magic 'CSTC'; short version; byte kind (1 = rollback);
 * long targetVersion; long requestedAt; short |requestId| + UTF-8; int CRC32C.
 *
 * @param kind          what to do
 * @param targetVersion the version to roll back to
 * @param requestedAt   when it was asked for (ms)
 * @param requestId     names the request, so the caller can recognise the version it caused
 */
public record TrainerCommand(Kind kind, long targetVersion, long requestedAt, String requestId) {

  public enum Kind {
    /** Republish {@code targetVersion}'s parameters as a new version and continue training from them. */
    ROLLBACK
  }

  public static final int MAGIC = 0x43545343; // "CSTC" little-endian
  private static final short VERSION = 1;

  /** Whether {@code bytes} start like a command (and not like a training example). */
  public static boolean isCommand(byte[] bytes) {
    return bytes != null && bytes.length >= 4
        && ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
  }

  public byte[] encode() {
    byte[] id = requestId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + 2 + 1 + 8 + 8 + 2 + id.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putShort(VERSION).put((byte) (kind.ordinal() + 1)).putLong(targetVersion).putLong(requestedAt)
        .putShort((short) id.length).put(id);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  public static TrainerCommand decode(byte[] bytes) {
    if (bytes.length < 4 + 2 + 1 + 16 + 2 + 4) {
      throw new StateFormatException("trainer command truncated: " + bytes.length + " bytes");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new StateFormatException("trainer command corrupt: CRC mismatch");
    }
    try {
      if (b.getInt() != MAGIC) {
        throw new StateFormatException("not a trainer command");
      }
      short version = b.getShort();
      if (version != VERSION) {
        throw new StateFormatException("trainer command format version " + version + " is newer than this build reads");
      }
      int kind = b.get();
      if (kind != 1) {
        throw new StateFormatException("unknown trainer command kind " + kind);
      }
      long target = b.getLong();
      long at = b.getLong();
      int len = b.getShort();
      if (len < 0 || len > b.remaining() - 4) {
        throw new StateFormatException("trainer command corrupt: id length " + len);
      }
      String id = new String(bytes, b.position(), len, StandardCharsets.UTF_8);
      return new TrainerCommand(Kind.ROLLBACK, target, at, id);
    } catch (BufferUnderflowException e) {
      throw new StateFormatException("trainer command truncated");
    }
  }
}
