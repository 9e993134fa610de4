package io.cellstream.serde;

import org.apache.avro.Schema;

/**
 * One version of a subject as the registry describes it ({@code GET /subjects/{subject}/versions/...}
 * and {@code POST /subjects/{subject}}).
 *
 * @param schemaType {@code AVRO} when the registry omits it, as Confluent does for Avro
 */
public record RegisteredSchema(String subject, int version, int id, String schema, String schemaType) {

  /** Parses {@link #schema()} as Avro; throws {@link org.apache.avro.SchemaParseException} otherwise. */
  public Schema avroSchema() {
    return SchemaRegistryClient.parseAvro(id, schemaType, schema);
  }
}
