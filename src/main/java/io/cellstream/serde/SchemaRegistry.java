package io.cellstream.serde;

import java.util.List;
import org.apache.avro.Schema;

/**
 * A Confluent-compatible schema registry, as the serdes and the commands see it: subjects with numbered
 * versions of Avro schemas, global schema ids, and a compatibility level per subject.
 *
 * <p>{@link SchemaRegistryClient} is the implementation that talks to a real registry over HTTP (Confluent,
 * Apicurio's {@code /apis/ccompat/v7}, Karapace). The tests' in-memory registry is the other; one contract test
 * runs against both, so that what the fast tests rely on is what a real registry does.
 *
 * <p>Failures are {@link SchemaRegistryException}s carrying the HTTP status and Confluent error code a real
 * registry would answer with: 404 with {@link SchemaRegistryException#SUBJECT_NOT_FOUND}, {@link
 * SchemaRegistryException#VERSION_NOT_FOUND} or {@link SchemaRegistryException#SCHEMA_NOT_FOUND}; 409 for a
 * schema the subject's compatibility level refuses.
 */
public interface SchemaRegistry extends AutoCloseable {

  /**
   * Registers {@code schema} as the next version of {@code subject} and returns its id; a schema the subject
   * already has returns the existing id and adds no version. Refused (409) when the subject's compatibility
   * level does not allow it.
   */
  int register(String subject, Schema schema);

  /** The id of {@code schema} under {@code subject}, without registering it (404 when it is not there). */
  int lookupId(String subject, Schema schema);

  /** Like {@link #lookupId}, with the subject's version of the schema. */
  RegisteredSchema lookup(String subject, Schema schema);

  /**
   * The schema with this id. 404 ({@link SchemaRegistryException#SCHEMA_NOT_FOUND}) for an unknown id; {@link
   * org.apache.avro.SchemaParseException} when the id names a schema that is not Avro.
   */
  Schema schemaById(int id);

  /** The latest version of a subject. */
  RegisteredSchema latest(String subject);

  /** One version of a subject. */
  RegisteredSchema version(String subject, int version);

  /** The versions of a subject, oldest first. */
  List<Integer> versions(String subject);

  /** Every subject. */
  List<String> subjects();

  /** The compatibility level in force for a subject (its own, else the global one); null = the global one. */
  String compatibility(String subject);

  /** Sets a subject's compatibility level, or the global one when subject is null (NONE, BACKWARD, FULL, ...). */
  void setCompatibility(String subject, String level);

  /** Whether {@code schema} may follow the latest version of {@code subject}; true for a new subject. */
  boolean isCompatible(String subject, Schema schema);

  @Override
  void close();
}
