package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cellstream.avro.Event;
import io.cellstream.serde.SerdeException.Reason;
import io.cellstream.testing.SharedStack;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * What a {@link SchemaRegistry} must do, whichever it is: ids, subjects, versions, compatibility, and the serde
 * on top of it. Run against the real registry over HTTP ({@link HttpRegistryContract}: Apicurio here, Confluent's
 * images where Docker exists) and against {@link InMemorySchemaRegistry}, which the fast tests use instead — so
 * the two cannot drift apart.
 */
abstract class RegistryContract {

  /**
   * A client of the registry under test, fresh (its own caches) but seeing the same registry as every other
   * client this method returns.
   */
  abstract SchemaRegistry newClient();

  /** Registers a schema that is not Avro ({@code schemaType} JSON) under {@code subject}; returns its id. */
  abstract int registerJsonSchema(String subject, String jsonSchema) throws Exception;

  static String unique(String prefix) {
    return SharedStack.uniqueName(prefix);
  }

  // --- the client ------------------------------------------------------------------------------------

  @Test
  void registerIsIdempotent() {
    try (SchemaRegistry client = newClient()) {
      String subject = unique("reg") + "-value";
      Schema schema = Event.getClassSchema();
      int id = client.register(subject, schema);
      assertThat(id).isPositive();
      assertThat(client.register(subject, schema)).isEqualTo(id);
      try (SchemaRegistry other = newClient()) {
        assertThat(other.register(subject, schema)).as("the registry gives the same id again").isEqualTo(id);
        assertThat(other.versions(subject)).containsExactly(1);
        assertThat(other.schemaById(id)).isEqualTo(schema);
      }
      assertThat(client.schemaById(id)).isEqualTo(schema);
    }
  }

  @Test
  void oneSchemaHasOneIdUnderEverySubject() {
    try (SchemaRegistry client = newClient()) {
      String a = unique("same-a") + "-value";
      String b = unique("same-b") + "-value";
      int id = client.register(a, Event.getClassSchema());
      assertThat(client.register(b, Event.getClassSchema())).isEqualTo(id);
      assertThat(client.latest(b).version()).isEqualTo(1);
    }
  }

  @Test
  void looksUpRegisteredSchemasAndReportsMissingOnes() {
    try (SchemaRegistry client = newClient()) {
      String subject = unique("lookup") + "-value";
      Schema v1 = SampleRecords.parse(SampleRecords.EVENT_V0);
      SchemaRegistryException noSubject =
          catchThrowableOfType(SchemaRegistryException.class, () -> client.lookupId(subject, v1));
      assertThat(noSubject.status()).isEqualTo(404);
      assertThat(noSubject.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
      assertThat(noSubject.getMessage()).contains("404").contains("40401");

      int id = client.register(subject, v1);
      try (SchemaRegistry fresh = newClient()) {
        assertThat(fresh.lookupId(subject, v1)).isEqualTo(id);
        RegisteredSchema found = fresh.lookup(subject, v1);
        assertThat(found.subject()).isEqualTo(subject);
        assertThat(found.version()).isEqualTo(1);
        assertThat(found.avroSchema()).isEqualTo(v1);
        SchemaRegistryException notThere = catchThrowableOfType(SchemaRegistryException.class,
            () -> fresh.lookupId(subject, Event.getClassSchema()));
        assertThat(notThere.status()).isEqualTo(404);
        assertThat(notThere.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
      }
    }
  }

  @Test
  void fetchesSchemasByIdAndReportsUnknownIds() {
    try (SchemaRegistry client = newClient(); SchemaRegistry fresh = newClient()) {
      String subject = unique("byid") + "-value";
      int id = client.register(subject, Event.getClassSchema());
      assertThat(fresh.schemaById(id)).isEqualTo(Event.getClassSchema());

      SchemaRegistryException e =
          catchThrowableOfType(SchemaRegistryException.class, () -> fresh.schemaById(987_654_321));
      assertThat(e.isNotFound()).isTrue();
      assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
      assertThat(e.isTransient()).isFalse();
      assertThat(e.registryMessage()).isNotBlank();
    }
  }

  @Test
  void listsVersionsAndTheLatest() {
    try (SchemaRegistry client = newClient()) {
      String subject = unique("versions") + "-value";
      int v0 = client.register(subject, SampleRecords.parse(SampleRecords.EVENT_V0));
      int v1 = client.register(subject, Event.getClassSchema());
      assertThat(v1).isNotEqualTo(v0);
      assertThat(client.versions(subject)).containsExactly(1, 2);
      RegisteredSchema latest = client.latest(subject);
      assertThat(latest.id()).isEqualTo(v1);
      assertThat(latest.version()).isEqualTo(2);
      assertThat(latest.avroSchema()).isEqualTo(Event.getClassSchema());
      assertThat(client.version(subject, 1).id()).isEqualTo(v0);
      assertThat(client.subjects()).contains(subject);
      SchemaRegistryException e =
          catchThrowableOfType(SchemaRegistryException.class, () -> client.latest(subject + "-nope"));
      assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
    }
  }

  @Test
  void enforcesCompatibility() {
    try (SchemaRegistry client = newClient()) {
      String subject = unique("compat") + "-value";
      assertThat(client.isCompatible(subject, Event.getClassSchema())).as("no subject yet").isTrue();
      client.register(subject, SampleRecords.parse(SampleRecords.EVENT_V0));
      client.setCompatibility(subject, "BACKWARD");
      assertThat(client.compatibility(subject)).isEqualTo("BACKWARD");
      assertThat(client.isCompatible(subject, Event.getClassSchema())).isTrue();
      Schema incompatible = SampleRecords.parse(SampleRecords.EVENT_INCOMPATIBLE);
      assertThat(client.isCompatible(subject, incompatible)).isFalse();
      SchemaRegistryException e =
          catchThrowableOfType(SchemaRegistryException.class, () -> client.register(subject, incompatible));
      assertThat(e.status()).isEqualTo(409);
      assertThat(client.register(subject, Event.getClassSchema())).isPositive();
    }
  }

  // --- the serde -------------------------------------------------------------------------------------

  @Test
  void roundTripsEveryRecordType() throws Exception {
    try (SchemaRegistry client = newClient(); SchemaRegistry reader = newClient()) {
      for (SpecificRecord record : SampleRecords.all()) {
        String topic = unique(record.getClass().getSimpleName());
        AvroSerde<SpecificRecord> writeSerde = serde(record, client);
        AvroSerde<SpecificRecord> readSerde = serde(record, reader);
        byte[] bytes = writeSerde.encode(topic, record);
        assertThat(bytes[0]).isZero();
        assertThat(WireFormat.schemaId(topic, bytes)).isEqualTo(client.lookupId(topic + "-value",
            record.getSchema()));
        assertThat(readSerde.decode(topic, bytes)).isEqualTo(record);
        assertThat(readSerde.deserializer().deserialize(topic, bytes)).isEqualTo(record);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static AvroSerde<SpecificRecord> serde(SpecificRecord r, SchemaRegistry c) {
    return new AvroSerde<>((Class<SpecificRecord>) r.getClass(), c);
  }

  @Test
  void asksTheRegistryOncePerSchema() throws Exception {
    String topic = unique("cached");
    try (CountingSchemaRegistry writer = new CountingSchemaRegistry(newClient());
         CountingSchemaRegistry reader = new CountingSchemaRegistry(newClient())) {
      AvroSerde<Event> out = new AvroSerde<>(Event.class, writer);
      AvroSerde<Event> in = new AvroSerde<>(Event.class, reader);
      List<byte[]> encoded = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        encoded.add(out.encode(topic, SampleRecords.event()));
      }
      assertThat(writer.calls()).as("one registration for 50 records").isEqualTo(1);
      for (byte[] b : encoded) {
        assertThat(in.decode(topic, b)).isEqualTo(SampleRecords.event());
      }
      assertThat(reader.calls()).as("one schema fetch for 50 records").isEqualTo(1);
    }
  }

  @Test
  void unknownSchemaIdIsReportedAndNotAskedAgainAtOnce() {
    try (CountingSchemaRegistry client = new CountingSchemaRegistry(newClient())) {
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      byte[] bytes = WireFormat.frame(987_654_320, new byte[] {2, 'a', 0});
      SerdeException e = catchThrowableOfType(SerdeException.class, () -> serde.decode("t", bytes));
      assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA);
      assertThat(e.schemaId()).isEqualTo(987_654_320);
      assertThat(e.reason().code()).isEqualTo("unknown-schema");
      long calls = client.calls();
      assertThat(catchThrowableOfType(SerdeException.class, () -> serde.decode("t", bytes)).reason())
          .isEqualTo(Reason.UNKNOWN_SCHEMA);
      assertThat(client.calls()).isEqualTo(calls);
    }
  }

  @Test
  void readsRecordsOfAnOlderProducer() throws Exception {
    String topic = unique("old-producer");
    Schema v0 = SampleRecords.parse(SampleRecords.EVENT_V0);
    try (SchemaRegistry client = newClient()) {
      int id = client.register(topic + "-value", v0);
      GenericRecord old = new GenericData.Record(v0);
      old.put("entityId", "card-1");
      old.put("eventId", null);
      old.put("eventTime", SampleRecords.T.toEpochMilli());
      old.put("features", List.of(1f, 2f));
      old.put("target", 0.5f);
      byte[] bytes = WireFormat.frame(id, avro(v0, old));

      Event e = new AvroSerde<>(Event.class, client).decode(topic, bytes);
      assertThat(e.getEntityId()).isEqualTo("card-1");
      assertThat(e.getEventId()).isNull();
      assertThat(e.getEventTime()).isEqualTo(SampleRecords.T);
      assertThat(e.getFeatures()).containsExactly(1f, 2f);
      assertThat(e.getTarget()).isEqualTo(0.5f);
      assertThat(e.getTargetVector()).as("default of the field the old schema lacks").isNull();
    }
  }

  @Test
  void readsRecordsOfANewerProducerWithAnAddedOptionalField() throws Exception {
    String topic = unique("new-producer");
    Schema v2 = SampleRecords.parse(SampleRecords.EVENT_V2);
    try (SchemaRegistry client = newClient()) {
      int id = client.register(topic + "-value", v2);
      GenericRecord rec = new GenericData.Record(v2);
      rec.put("entityId", "card-2");
      rec.put("eventId", "e-9");
      rec.put("source", "pos-terminal");
      rec.put("eventTime", SampleRecords.T.toEpochMilli());
      rec.put("features", List.of(3f));
      rec.put("target", null);
      rec.put("targetVector", List.of(1f, 0f));
      rec.put("weight", 2.5);
      byte[] bytes = WireFormat.frame(id, avro(v2, rec));

      Event e = new AvroSerde<>(Event.class, client).decode(topic, bytes);
      assertThat(e).isEqualTo(Event.newBuilder().setEntityId("card-2").setEventId("e-9")
          .setEventTime(SampleRecords.T).setFeatures(List.of(3f)).setTarget(null)
          .setTargetVector(List.of(1f, 0f)).build());
    }
  }

  @Test
  void refusesAnIncompatibleWriterSchema() throws Exception {
    String topic = unique("incompatible");
    Schema bad = SampleRecords.parse(SampleRecords.EVENT_INCOMPATIBLE);
    try (SchemaRegistry client = newClient()) {
      int id = client.register(topic + "-value", bad);
      GenericRecord rec = new GenericData.Record(bad);
      rec.put("entityId", "x");
      rec.put("eventTime", 1L);
      rec.put("features", "1,2,3");
      byte[] bytes = WireFormat.frame(id, avro(bad, rec));
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      SerdeException e = catchThrowableOfType(SerdeException.class, () -> serde.decode(topic, bytes));
      assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA);
      assertThat(e.getMessage()).contains("features");
    }
  }

  @Test
  void refusesASchemaThatIsNotAvro() throws Exception {
    String subject = unique("json") + "-value";
    int id = registerJsonSchema(subject, "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}");
    try (SchemaRegistry client = newClient()) {
      assertThatThrownBy(() -> client.schemaById(id)).isInstanceOf(SchemaParseException.class);
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      SerdeException e = catchThrowableOfType(SerdeException.class,
          () -> serde.decode("t", WireFormat.frame(id, new byte[] {2, 'a'})));
      assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA);
    }
  }

  @Test
  void keySerdeRegistersUnderTheKeySubject() {
    String topic = unique("keyed");
    try (SchemaRegistry client = newClient()) {
      AvroSerde<Event> keys = new AvroSerde<>(Event.class, client, true, true);
      assertThat(keys.subject(topic)).isEqualTo(topic + "-key");
      keys.encode(topic, SampleRecords.event());
      assertThat(client.subjects()).contains(topic + "-key").doesNotContain(topic + "-value");
    }
  }

  @Test
  void withoutAutoRegisterTheSchemaMustBeThere() throws Exception {
    String topic = unique("no-auto");
    try (SchemaRegistry client = newClient()) {
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client, false, false);
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
          () -> serde.encode(topic, SampleRecords.event()));
      assertThat(e.isNotFound()).isTrue();
      assertThat(client.subjects()).doesNotContain(topic + "-value");
      int id = client.register(topic + "-value", Event.getClassSchema());
      byte[] bytes = serde.encode(topic, SampleRecords.event());
      assertThat(WireFormat.schemaId(topic, bytes)).isEqualTo(id);
    }
  }

  static byte[] avro(Schema schema, GenericRecord record) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, enc);
    enc.flush();
    return out.toByteArray();
  }
}
