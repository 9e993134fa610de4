package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cellstream.avro.Event;
import io.cellstream.serde.SerdeException.Reason;
import io.cellstream.testing.SharedStack;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * What our registry client and serde must do against any registry speaking the Confluent REST API, and
 * any Kafka broker: run against Apicurio + the embedded broker here, and against Confluent's images where
 * Docker exists.
 */
abstract class RegistryContract {

  abstract String registryUrl();

  abstract String bootstrapServers();

  SchemaRegistryClient newClient() {
    return new SchemaRegistryClient(registryUrl());
  }

  static String unique(String prefix) {
    return SharedStack.uniqueName(prefix);
  }

  // --- the client ------------------------------------------------------------------------------------

  @Test
  void registerIsIdempotentAndCached() {
    try (SchemaRegistryClient client = newClient()) {
      String subject = unique("reg") + "-value";
      Schema schema = Event.getClassSchema();
      int id = client.register(subject, schema);
      long calls = client.requestCount();
      assertThat(client.register(subject, schema)).isEqualTo(id);
      assertThat(client.requestCount()).as("second register is served from the cache").isEqualTo(calls);
      try (SchemaRegistryClient other = newClient()) {
        assertThat(other.register(subject, schema)).as("the registry gives the same id again").isEqualTo(id);
        assertThat(other.versions(subject)).containsExactly(1);
      }
      assertThat(client.schemaById(id)).isEqualTo(schema);
      assertThat(client.requestCount()).as("id -> schema known from the registration").isEqualTo(calls);
    }
  }

  @Test
  void looksUpRegisteredSchemasAndReportsMissingOnes() {
    try (SchemaRegistryClient client = newClient()) {
      String subject = unique("lookup") + "-value";
      Schema v1 = SampleRecords.parse(SampleRecords.EVENT_V0);
      SchemaRegistryException noSubject =
          catchThrowableOfType(SchemaRegistryException.class, () -> client.lookupId(subject, v1));
      assertThat(noSubject.status()).isEqualTo(404);
      assertThat(noSubject.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
      assertThat(noSubject.getMessage()).contains("404").contains("40401");

      int id = client.register(subject, v1);
      try (SchemaRegistryClient fresh = newClient()) {
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
    try (SchemaRegistryClient client = newClient(); SchemaRegistryClient fresh = newClient()) {
      String subject = unique("byid") + "-value";
      int id = client.register(subject, Event.getClassSchema());
      assertThat(fresh.schemaById(id)).isEqualTo(Event.getClassSchema());
      long calls = fresh.requestCount();
      fresh.schemaById(id);
      assertThat(fresh.requestCount()).isEqualTo(calls);

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
    try (SchemaRegistryClient client = newClient()) {
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
    try (SchemaRegistryClient client = newClient()) {
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
    try (SchemaRegistryClient client = newClient(); SchemaRegistryClient reader = newClient()) {
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
  private static AvroSerde<SpecificRecord> serde(SpecificRecord r, SchemaRegistryClient c) {
    return new AvroSerde<>((Class<SpecificRecord>) r.getClass(), c);
  }

  @Test
  void asksTheRegistryOncePerSchema() throws Exception {
    String topic = unique("cached");
    try (SchemaRegistryClient writer = newClient(); SchemaRegistryClient reader = newClient()) {
      AvroSerde<Event> out = new AvroSerde<>(Event.class, writer);
      AvroSerde<Event> in = new AvroSerde<>(Event.class, reader);
      List<byte[]> encoded = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        encoded.add(out.encode(topic, SampleRecords.event()));
      }
      assertThat(writer.requestCount()).as("one registration for 50 records").isEqualTo(1);
      for (byte[] b : encoded) {
        assertThat(in.decode(topic, b)).isEqualTo(SampleRecords.event());
      }
      assertThat(reader.requestCount()).as("one schema fetch for 50 records").isEqualTo(1);
    }
  }

  @Test
  void unknownSchemaIdIsReportedAndNotAskedAgainAtOnce() {
    try (SchemaRegistryClient client = newClient()) {
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      byte[] bytes = WireFormat.frame(987_654_320, new byte[] {2, 'a', 0});
      SerdeException e = catchThrowableOfType(SerdeException.class, () -> serde.decode("t", bytes));
      assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA);
      assertThat(e.schemaId()).isEqualTo(987_654_320);
      assertThat(e.reason().code()).isEqualTo("unknown-schema");
      long calls = client.requestCount();
      assertThat(catchThrowableOfType(SerdeException.class, () -> serde.decode("t", bytes)).reason())
          .isEqualTo(Reason.UNKNOWN_SCHEMA);
      assertThat(client.requestCount()).isEqualTo(calls);
    }
  }

  @Test
  void readsRecordsOfAnOlderProducer() throws Exception {
    String topic = unique("old-producer");
    Schema v0 = SampleRecords.parse(SampleRecords.EVENT_V0);
    try (SchemaRegistryClient client = newClient()) {
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
    try (SchemaRegistryClient client = newClient()) {
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
    try (SchemaRegistryClient client = newClient()) {
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
    String body = "{\"schemaType\":\"JSON\",\"schema\":\"{\\\"type\\\":\\\"object\\\",\\\"properties\\\":"
        + "{\\\"a\\\":{\\\"type\\\":\\\"string\\\"}}}\"}";
    int id;
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              URI.create(registryUrl() + "/subjects/" + subject + "/versions"))
          .header("Content-Type", SchemaRegistryClient.CONTENT_TYPE)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      id = Integer.parseInt(r.body().replaceAll("[^0-9]", ""));
    }
    try (SchemaRegistryClient client = newClient()) {
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      SerdeException e = catchThrowableOfType(SerdeException.class,
          () -> serde.decode("t", WireFormat.frame(id, new byte[] {2, 'a'})));
      assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA);
    }
  }

  @Test
  void keySerdeRegistersUnderTheKeySubject() {
    String topic = unique("keyed");
    try (SchemaRegistryClient client = newClient()) {
      AvroSerde<Event> keys = new AvroSerde<>(Event.class, client, true, true);
      assertThat(keys.subject(topic)).isEqualTo(topic + "-key");
      keys.encode(topic, SampleRecords.event());
      assertThat(client.subjects()).contains(topic + "-key").doesNotContain(topic + "-value");
    }
  }

  @Test
  void withoutAutoRegisterTheSchemaMustBeThere() throws Exception {
    String topic = unique("no-auto");
    try (SchemaRegistryClient client = newClient()) {
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

  @Test
  void configuresItselfFromKafkaStyleSettings() throws Exception {
    String topic = unique("configured");
    AvroSerde<Event> serde = new AvroSerde<>(Event.class);
    serde.configure(Map.of(SchemaRegistryClient.URL_CONFIG, registryUrl(),
        AvroSerde.AUTO_REGISTER_SCHEMAS_CONFIG, "true"), false);
    try (serde) {
      byte[] bytes = serde.serializer().serialize(topic, SampleRecords.event());
      assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(SampleRecords.event());
      assertThat(serde.deserializer().deserialize(topic, null)).isNull();
      assertThat(serde.serializer().serialize(topic, null)).isNull();
      assertThatThrownBy(() -> serde.deserializer().deserialize(topic, new byte[] {1, 2, 3, 4, 5, 6}))
          .isInstanceOf(SerializationException.class)
          .hasCauseInstanceOf(SerdeException.class)
          .hasMessageStartingWith("undecodable");
    }
  }

  /** The wire format through a real broker: a Kafka producer with our serializer, raw bytes decoded. */
  @Test
  void travelsThroughKafka() throws Exception {
    String topic = unique("events");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    try (SchemaRegistryClient client = newClient()) {
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
          ProducerConfig.ACKS_CONFIG, "all");
      List<Event> sent = new ArrayList<>();
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
        for (int i = 0; i < 20; i++) {
          Event e = Event.newBuilder(SampleRecords.event()).setEntityId("card-" + (i % 4))
              .setEventId("e-" + i).build();
          sent.add(e);
          producer.send(new ProducerRecord<>(topic, e.getEntityId(), e)).get();
        }
      }
      Map<String, Object> c = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
          ConsumerConfig.GROUP_ID_CONFIG, unique("g"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      List<Event> got = new ArrayList<>();
      AvroSerde<Event> reader = new AvroSerde<>(Event.class, client);
      try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(topic));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (got.size() < sent.size() && System.nanoTime() < deadline) {
          for (var r : consumer.poll(Duration.ofMillis(200))) {
            Event e = reader.decode(r.topic(), r.value());
            assertThat(r.key()).isEqualTo(e.getEntityId());
            got.add(e);
          }
        }
      }
      assertThat(got).containsExactlyInAnyOrderElementsOf(sent);
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
