package io.cellstream.serde;

import io.cellstream.serde.SerdeException.Reason;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Registry-free Avro for internal topics and stores: Avro's single-object encoding ({@code C3 01}, the
 * schema's 8-byte little-endian CRC-64-AVRO fingerprint, then the Avro binary body), the same bytes as a
 * generated class's {@code toByteBuffer()}.
 *
 * <p>The fingerprint makes old data readable after a schema change without a registry: pass the older
 * schemas to {@link #of(Class, Schema...)} and records written with any of them resolve into the current
 * class. Decoding uses the same bounded decoder as {@link AvroSerde}, so corrupt bytes are a
 * {@link SerdeException} and never an OutOfMemoryError.
 *
 * <pre>{@code
 * byte[] b = AvroBinary.encode(snapshot);
 * ModelSnapshot s = AvroBinary.decode(ModelSnapshot.class, b);
 * Serde<ModelSnapshot> serde = AvroBinary.of(ModelSnapshot.class).serde();
 * }</pre>
 */
public final class AvroBinary<T extends SpecificRecord> {

  public static final byte[] MAGIC = {(byte) 0xC3, (byte) 0x01};
  public static final int HEADER_SIZE = 10;

  private static final ClassValue<AvroBinary<?>> DEFAULTS = new ClassValue<>() {
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    protected AvroBinary<?> computeValue(Class<?> type) {
      return new AvroBinary(type, new Schema[0]);
    }
  };

  private final Class<T> type;
  private final Schema schema;
  private final long fingerprint;
  private final DatumWriter<T> writer;
  private final Map<Long, DatumReader<T>> readers = new LinkedHashMap<>();

  private AvroBinary(Class<T> type, Schema[] olderSchemas) {
    this.type = Objects.requireNonNull(type, "type");
    SpecificData model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.writer = new SpecificDatumWriter<>(schema, model);
    readers.put(fingerprint, new SpecificDatumReader<>(schema, schema, model));
    for (Schema old : olderSchemas) {
      SchemaCompatibility.SchemaPairCompatibility c =
          SchemaCompatibility.checkReaderWriterCompatibility(schema, old);
      if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        throw new IllegalArgumentException("an older " + old.getFullName() + " schema cannot be read as the "
            + "current one: " + c.getDescription());
      }
      readers.putIfAbsent(SchemaNormalization.parsingFingerprint64(old),
          new SpecificDatumReader<>(old, schema, model));
    }
  }

  /** A codec for {@code type} that also reads data written with any of {@code olderSchemas}. */
  public static <T extends SpecificRecord> AvroBinary<T> of(Class<T> type, Schema... olderSchemas) {
    return olderSchemas.length == 0 ? forClass(type) : new AvroBinary<>(type, olderSchemas.clone());
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> AvroBinary<T> forClass(Class<T> type) {
    return (AvroBinary<T>) DEFAULTS.get(type);
  }

  /** Single-object encoding of a generated record with its class's schema. */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecord> byte[] encode(T record) {
    return forClass((Class<T>) record.getClass()).encodeValue(record);
  }

  /** Decodes what {@link #encode(SpecificRecord)} wrote with the current schema of {@code type}. */
  public static <T extends SpecificRecord> T decode(Class<T> type, byte[] bytes) throws SerdeException {
    return forClass(type).decodeValue(bytes);
  }

  public Schema schema() {
    return schema;
  }

  public byte[] encodeValue(T value) {
    Objects.requireNonNull(value, "value");
    Buffers out = Buffers.get();
    try {
      out.write(MAGIC, 0, 2);
      long fp = fingerprint;
      for (int i = 0; i < 8; i++) {
        out.write((int) (fp >>> (8 * i)));
      }
      BinaryEncoder enc = out.encoder();
      writer.write(value, enc);
      enc.flush();
    } catch (IOException | RuntimeException e) {
      out.toByteArray();
      throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e, e);
    }
    return out.toByteArray();
  }

  /**
   * @throws SerdeException {@link Reason#UNDECODABLE} for a wrong header or corrupt body,
   *     {@link Reason#UNKNOWN_SCHEMA} for a fingerprint of no schema this codec knows
   */
  public T decodeValue(byte[] bytes) throws SerdeException {
    if (bytes == null || bytes.length < HEADER_SIZE || bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1]) {
      throw new SerdeException(Reason.UNDECODABLE, null, bytes == null ? "null value"
          : "not Avro single-object encoding (" + bytes.length + " bytes, needs C3 01 + fingerprint)");
    }
    long fp = 0;
    for (int i = 0; i < 8; i++) {
      fp |= (bytes[2 + i] & 0xffL) << (8 * i);
    }
    DatumReader<T> reader = readers.get(fp);
    if (reader == null) {
      throw new SerdeException(Reason.UNKNOWN_SCHEMA, null, -1, String.format(
          "written with an unknown %s schema (fingerprint %016x)", type.getSimpleName(), fp), null);
    }
    BoundedDecoder in = new BoundedDecoder(bytes, HEADER_SIZE, bytes.length - HEADER_SIZE);
    T value;
    try {
      value = reader.read(null, in);
    } catch (IOException | RuntimeException e) {
      throw new SerdeException(Reason.UNDECODABLE, null, -1, "corrupt " + type.getSimpleName() + ": " + e, e);
    }
    if (in.remaining() != 0) {
      throw new SerdeException(Reason.UNDECODABLE, null, -1,
          in.remaining() + " bytes left over after the " + type.getSimpleName(), null);
    }
    return value;
  }

  /** A Kafka serde: null stays null; a bad record is a {@link SerializationException} (cause: SerdeException). */
  public Serde<T> serde() {
    Serializer<T> ser = (topic, value) -> value == null ? null : encodeValue(value);
    Deserializer<T> de = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return decodeValue(bytes);
      } catch (SerdeException e) {
        throw new SerializationException(e.reason().code() + " on " + topic + ": " + e.getMessage(), e);
      }
    };
    return org.apache.kafka.common.serialization.Serdes.serdeFrom(ser, de);
  }
}
