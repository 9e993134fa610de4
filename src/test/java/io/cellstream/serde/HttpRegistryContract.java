package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.avro.Event;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
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
 * The registry contract on a real registry through {@link SchemaRegistryClient}, plus what only the HTTP client
 * and a real broker add: the client's own caches, configuration from Kafka-style settings, and records that
 * travel through Kafka.
 */
abstract class HttpRegistryContract extends RegistryContract {

  abstract String registryUrl();

  abstract String bootstrapServers();

  @Override
  SchemaRegistryClient newClient() {
    return new SchemaRegistryClient(registryUrl());
  }

  /** {@code POST /subjects/{subject}/versions} with {@code schemaType} JSON, as another producer would. */
  @Override
  int registerJsonSchema(String subject, String jsonSchema) throws Exception {
    String body = "{\"schemaType\":\"JSON\",\"schema\":" + new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(jsonSchema) + "}";
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              URI.create(registryUrl() + "/subjects/" + subject + "/versions"))
          .header("Content-Type", SchemaRegistryClient.CONTENT_TYPE)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return Integer.parseInt(r.body().replaceAll("[^0-9]", ""));
    }
  }

  @Test
  void theClientCachesIdsBothWays() {
    try (SchemaRegistryClient client = newClient(); SchemaRegistryClient fresh = newClient()) {
      String subject = unique("cache") + "-value";
      Schema schema = Event.getClassSchema();
      int id = client.register(subject, schema);
      long calls = client.requestCount();
      assertThat(client.register(subject, schema)).isEqualTo(id);
      assertThat(client.requestCount()).as("second register is served from the cache").isEqualTo(calls);
      assertThat(client.schemaById(id)).isEqualTo(schema);
      assertThat(client.requestCount()).as("id -> schema known from the registration").isEqualTo(calls);

      assertThat(fresh.schemaById(id)).isEqualTo(schema);
      long freshCalls = fresh.requestCount();
      fresh.schemaById(id);
      assertThat(fresh.requestCount()).as("id -> schema cached after the first fetch").isEqualTo(freshCalls);
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

}
