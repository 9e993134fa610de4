package io.cellstream.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cellstream.serde.SerdeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * Any Avro record in the Confluent wire format as plain JSON, decoded with the very schema its writer used (fetched
 * from the registry by the id in the record): how {@code cellstream tail} shows records to people and to {@code jq},
 * whichever topic and schema version they come from.
 *
 * <p>Plain, not Avro's JSON encoding: a record is an object of its fields in schema order, a union is just the value
 * of its branch (no {@code {"float": 0.5}} wrapping), {@code timestamp-millis}/{@code -micros} and {@code date} are
 * ISO-8601 strings, bytes and fixed are base64 (longer than the limit: {@code {"omittedBytes": N}}), NaN and the
 * infinities are the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (JSON has no such numbers).
 */
public final class AvroJson {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final SchemaRegistry registry;
  private final int maxBytesShown;
  private final ConcurrentMap<Integer, Schema> writerSchemas = new ConcurrentHashMap<>();

  /**
   * @param maxBytesShown bytes and fixed values up to this length are shown (base64); longer ones only by their
   *     length; negative = no limit
   */
  public AvroJson(SchemaRegistry registry, int maxBytesShown) {
    this.registry = registry;
    this.maxBytesShown = maxBytesShown;
  }

  /**
   * The record as JSON.
   *
   * @throws SerdeException {@link Reason#UNDECODABLE} (not the wire format, corrupt or truncated, trailing bytes),
   *     {@link Reason#UNKNOWN_SCHEMA} (the registry has no such id), {@link Reason#INCOMPATIBLE_SCHEMA} (the id names
   *     a schema that is not Avro)
   * @throws SchemaRegistryException when the registry cannot be asked
   */
  public JsonNode decode(String topic, byte[] bytes) throws SerdeException {
    int id = WireFormat.schemaId(topic, bytes);
    Schema schema = writerSchema(topic, id);
    BoundedDecoder in = new BoundedDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE);
    Object datum;
    try {
      datum = new GenericDatumReader<>(schema, schema, GenericData.get()).read(null, in);
    } catch (IOException | RuntimeException e) {
      throw new SerdeException(Reason.UNDECODABLE, topic, id, "corrupt or truncated Avro body ("
          + (bytes.length - WireFormat.HEADER_SIZE) + " bytes, schema " + id + "): " + e, e);
    }
    if (in.remaining() != 0) {
      throw new SerdeException(Reason.UNDECODABLE, topic, id, in.remaining()
          + " bytes left over after the record (schema " + id + ")", null);
    }
    return toJson(datum, schema);
  }

  private Schema writerSchema(String topic, int id) throws SerdeException {
    Schema known = writerSchemas.get(id);
    if (known != null) {
      return known;
    }
    try {
      Schema s = registry.schemaById(id);
      writerSchemas.put(id, s);
      return s;
    } catch (SchemaRegistryException e) {
      if (e.isNotFound() && e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND) {
        throw new SerdeException(Reason.UNKNOWN_SCHEMA, topic, id, "schema id " + id + " is not in the schema registry",
            e);
      }
      throw e;
    } catch (AvroRuntimeException e) {
      throw new SerdeException(Reason.INCOMPATIBLE_SCHEMA, topic, id, "schema " + id + " is not Avro: "
          + e.getMessage(), e);
    }
  }

  /** One Avro datum (as {@link GenericDatumReader} returns it) of {@code schema} as JSON. */
  JsonNode toJson(Object datum, Schema schema) {
    if (datum == null) {
      return NODES.nullNode();
    }
    return switch (schema.getType()) {
      case RECORD -> {
        GenericRecord r = (GenericRecord) datum;
        ObjectNode o = NODES.objectNode();
        for (Schema.Field f : schema.getFields()) {
          o.set(f.name(), toJson(r.get(f.pos()), f.schema()));
        }
        yield o;
      }
      case UNION -> toJson(datum, schema.getTypes().get(GenericData.get().resolveUnion(schema, datum)));
      case ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (Object item : (Collection<?>) datum) {
          a.add(toJson(item, schema.getElementType()));
        }
        yield a;
      }
      case MAP -> {
        ObjectNode o = NODES.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) {
          o.set(e.getKey().toString(), toJson(e.getValue(), schema.getValueType()));
        }
        yield o;
      }
      case STRING, ENUM -> NODES.textNode(datum.toString());
      case BYTES -> bytes(byteArray((ByteBuffer) datum));
      case FIXED -> bytes(((GenericFixed) datum).bytes());
      case INT -> isLogical(schema, "date")
          ? NODES.textNode(LocalDate.ofEpochDay((Integer) datum).toString()) : NODES.numberNode((Integer) datum);
      case LONG -> longValue((Long) datum, schema.getLogicalType());
      case FLOAT -> floating(((Float) datum).doubleValue(), true);
      case DOUBLE -> floating((Double) datum, false);
      case BOOLEAN -> NODES.booleanNode((Boolean) datum);
      case NULL -> NODES.nullNode();
    };
  }

  private static JsonNode longValue(long v, LogicalType logical) {
    if (logical == null) {
      return NODES.numberNode(v);
    }
    return switch (logical.getName()) {
      case "timestamp-millis" -> NODES.textNode(Instant.ofEpochMilli(v).toString());
      case "timestamp-micros" -> NODES.textNode(Instant.EPOCH.plus(v, ChronoUnit.MICROS).toString());
      default -> NODES.numberNode(v);
    };
  }

  private static JsonNode floating(double v, boolean isFloat) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return NODES.textNode(Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }
    // A float printed as the float it is (0.1f, not 0.10000000149011612).
    return isFloat ? NODES.numberNode((float) v) : NODES.numberNode(v);
  }

  private JsonNode bytes(byte[] b) {
    if (maxBytesShown >= 0 && b.length > maxBytesShown) {
      return NODES.objectNode().put("omittedBytes", b.length);
    }
    return NODES.textNode(Base64.getEncoder().encodeToString(b));
  }

  private static byte[] byteArray(ByteBuffer buf) {
    ByteBuffer b = buf.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static boolean isLogical(Schema s, String name) {
    return s.getLogicalType() != null && s.getLogicalType().getName().equals(name);
  }
}
