package io.cellstream.serde;

import io.cellstream.serde.SerdeException.Reason;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/**
 * Any Avro record in the Confluent wire format, read with its writer's schema (fetched by the id in the record, once
 * per id) into a {@link GenericRecord}: the user's own records, whatever evolution of their schema the registry
 * allowed. Fields are then looked up by name, so a field added, removed or moved between versions is found or is
 * missing, never misread. The errors are those of {@link AvroSerde#decode}: {@link Reason#UNDECODABLE}, {@link
 * Reason#UNKNOWN_SCHEMA}, {@link Reason#INCOMPATIBLE_SCHEMA} (not an Avro record), and a {@link
 * SchemaRegistryException} when the registry cannot be asked.
 *
 * <p>Not thread-safe: it reuses the last record of each schema (and its nested records and strings) for the next
 * one, so that reading allocates little. One per stream task, the result valid until the next {@link #read}.
 */
public final class GenericAvroReader {

  private record Reader(Schema schema, GenericDatumReader<GenericRecord> datumReader, GenericRecord[] reuse) {}

  private final SchemaRegistry client;
  private final WriterSchemas writerSchemas = new WriterSchemas();
  private final Map<Integer, Reader> readers = new HashMap<>();

  public GenericAvroReader(SchemaRegistry client) {
    this.client = client;
  }

  /** The record in {@code bytes}, read from {@code topic}; valid until the next call. */
  public GenericRecord read(String topic, byte[] bytes) throws SerdeException {
    int id = WireFormat.schemaId(topic, bytes);
    Reader r = readers.get(id);
    if (r == null) {
      Schema writer = writerSchemas.fetch(client, topic, id);
      if (writer.getType() != Schema.Type.RECORD) {
        throw new SerdeException(Reason.INCOMPATIBLE_SCHEMA, topic, id, "schema " + id + " is a " + writer.getType()
            + ", not a record: the input's fields are read from a record", null);
      }
      if (readers.size() >= 1_000) {
        readers.clear(); // a producer cycling through schemas must not grow this without bound
      }
      r = new Reader(writer, new GenericDatumReader<>(writer), new GenericRecord[1]);
      readers.put(id, r);
    }
    BoundedDecoder in = new BoundedDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE);
    GenericRecord value;
    try {
      value = r.datumReader().read(r.reuse()[0], in);
    } catch (IOException | RuntimeException e) {
      r.reuse()[0] = null; // possibly half-filled
      throw new SerdeException(Reason.UNDECODABLE, topic, id, "corrupt or truncated Avro body ("
          + (bytes.length - WireFormat.HEADER_SIZE) + " bytes, schema " + id + "): " + e, e);
    }
    if (in.remaining() != 0) {
      throw new SerdeException(Reason.UNDECODABLE, topic, id, in.remaining()
          + " bytes left over after the record (schema " + id + ")", null);
    }
    r.reuse()[0] = value;
    return value;
  }
}
