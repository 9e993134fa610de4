package io.cellstream.serde;

import io.cellstream.serde.SerdeException.Reason;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

/**
 * Writer schemas by their id in the record, as every Avro reader here fetches them: an id the registry does not know
 * blames the record ({@link Reason#UNKNOWN_SCHEMA}) and is not asked for again for 30 s (a flood of records with a
 * bogus id must not become a flood of registry calls); a schema that is not Avro is {@link
 * Reason#INCOMPATIBLE_SCHEMA}; a registry that does not answer is a {@link SchemaRegistryException} (not the
 * record's fault). Thread-safe.
 */
final class WriterSchemas {

  private static final long UNKNOWN_ID_RETRY_NANOS = 30_000_000_000L;
  private static final int MAX_UNKNOWN_IDS = 10_000;

  private final ConcurrentMap<Integer, Long> unknownIds = new ConcurrentHashMap<>();

  /** The schema with this id; the caller caches what it builds from it. */
  Schema fetch(SchemaRegistry client, String topic, int id) throws SerdeException {
    Long retryAt = unknownIds.get(id);
    if (retryAt != null && System.nanoTime() - retryAt < 0) {
      throw unknown(topic, id, null);
    }
    try {
      return client.schemaById(id);
    } catch (SchemaRegistryException e) {
      // Only the registry's own "schema not found" blames the record; a bare 404 (wrong URL) does not.
      if (e.isNotFound() && e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND) {
        if (unknownIds.size() >= MAX_UNKNOWN_IDS) {
          unknownIds.clear();
        }
        unknownIds.put(id, System.nanoTime() + UNKNOWN_ID_RETRY_NANOS);
        throw unknown(topic, id, e);
      }
      throw e;
    } catch (AvroRuntimeException e) {
      throw new SerdeException(Reason.INCOMPATIBLE_SCHEMA, topic, id, "schema " + id + " is not an Avro schema: "
          + e.getMessage(), e);
    }
  }

  private static SerdeException unknown(String topic, int id, Throwable cause) {
    return new SerdeException(Reason.UNKNOWN_SCHEMA, topic, id,
        "schema id " + id + " is not in the schema registry", cause);
  }
}
