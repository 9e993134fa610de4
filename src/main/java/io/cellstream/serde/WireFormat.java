package io.cellstream.serde;

import io.cellstream.serde.SerdeException.Reason;

/**
 * The Confluent wire format: magic byte {@code 0}, the schema id as a 4-byte big-endian int, then the
 * Avro binary encoding of the value (no Avro container, no fingerprint).
 */
public final class WireFormat {

  public static final byte MAGIC_BYTE = 0;
  /** Magic byte plus schema id. */
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The schema id of a framed record, or {@link Reason#UNDECODABLE} when the frame is wrong. */
  public static int schemaId(String topic, byte[] bytes) throws SerdeException {
    if (bytes == null) {
      throw new SerdeException(Reason.UNDECODABLE, topic, "null value (a tombstone), not an Avro record");
    }
    if (bytes.length < HEADER_SIZE) {
      throw new SerdeException(Reason.UNDECODABLE, topic,
          "too short for the wire format: " + bytes.length + " bytes, need at least " + HEADER_SIZE);
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new SerdeException(Reason.UNDECODABLE, topic,
          String.format("unknown magic byte 0x%02x (the wire format starts with 0x00)", bytes[0] & 0xff));
    }
    return ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8)
        | (bytes[4] & 0xff);
  }

  /** Frames an Avro binary body written with the schema that has this id. */
  public static byte[] frame(int schemaId, byte[] avroBody) {
    byte[] out = new byte[HEADER_SIZE + avroBody.length];
    writeHeader(out, schemaId);
    System.arraycopy(avroBody, 0, out, HEADER_SIZE, avroBody.length);
    return out;
  }

  static void writeHeader(byte[] out, int schemaId) {
    out[0] = MAGIC_BYTE;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
  }
}
