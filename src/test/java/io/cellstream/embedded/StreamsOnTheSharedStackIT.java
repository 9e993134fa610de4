package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams with exactly_once_v2 on the one shared broker, Avro values through the shared registry:
 * the setup the stream's integration tests build on, and an example of using {@link SharedStack}.
 */
@ExtendWith(SharedStackExtension.class)
class StreamsOnTheSharedStackIT {

  @Test
  void exactlyOnceStreamsAppWithAvroValues(EmbeddedKafka kafka, SchemaRegistryClient registry,
      @TempDir Path stateDir) throws Exception {
    String in = SharedStack.uniqueName("events");
    String out = SharedStack.uniqueName("labels");
    kafka.createTopic(in, 2);
    kafka.createTopic(out, 2);

    AvroSerde<Event> events = new AvroSerde<>(Event.class, registry);
    AvroSerde<Label> labels = new AvroSerde<>(Label.class, registry);
    StreamsBuilder b = new StreamsBuilder();
    b.stream(in, Consumed.with(Serdes.String(), events).withName("events-source"))
        .mapValues(e -> Label.newBuilder().setEntityId(e.getEntityId()).setEventId(e.getEventId())
            .setTarget(e.getTarget()).build(), Named.as("event-to-label"))
        .to(out, Produced.with(Serdes.String(), labels).withName("labels-sink"));

    Map<String, Object> config = SharedStack.streamsConfig(SharedStack.uniqueName("app"));
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    try (KafkaStreams streams = new KafkaStreams(b.build(), new StreamsConfig(config))) {
      streams.start();
      try (var producer = new KafkaProducer<>(SharedStack.get().clientConfig(), new StringSerializer(),
          events.serializer())) {
        for (int i = 0; i < 10; i++) {
          Event e = Event.newBuilder().setEntityId("e" + (i % 3)).setEventId("id-" + i)
              .setEventTime(Instant.ofEpochMilli(i)).setFeatures(List.of((float) i)).setTarget((float) (i % 2))
              .build();
          producer.send(new ProducerRecord<>(in, e.getEntityId(), e));
        }
      }
      Map<String, Object> c = SharedStack.consumerConfig(); // read_committed
      List<Label> got = new ArrayList<>();
      try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), labels.deserializer())) {
        consumer.subscribe(List.of(out));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (got.size() < 10 && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
        }
      }
      assertThat(got).extracting(Label::getEventId)
          .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 10).mapToObj(i -> "id-" + i).toList());
      assertThat(registry.subjects()).contains(in + "-value", out + "-value");
    }
  }
}
