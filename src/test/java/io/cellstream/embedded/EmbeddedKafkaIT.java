package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.cellstream.testing.ListeningSockets;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedStackExtension.class)
class EmbeddedKafkaIT {

  @Test
  void producesAndConsumes(EmbeddedKafka kafka) throws Exception {
    String topic = SharedStack.uniqueName("roundtrip");
    kafka.createTopic(topic, 3);
    try (var producer = producer(kafka, null)) {
      for (int i = 0; i < 30; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
      }
    }
    List<ConsumerRecord<String, String>> got = consume(kafka, topic, "read_uncommitted", 30);
    assertThat(got).extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 30).mapToObj(i -> "v" + i).toList());
    assertThat(got).extracting(ConsumerRecord::partition).contains(0, 1, 2);
  }

  @Test
  void transactionsCommitAndAbortOnOneBroker(EmbeddedKafka kafka) throws Exception {
    String topic = SharedStack.uniqueName("tx");
    kafka.createTopic(topic, 2);
    try (var producer = producer(kafka, SharedStack.uniqueName("txid"))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "a", "committed-1"));
      producer.send(new ProducerRecord<>(topic, "b", "committed-2"));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "a", "aborted"));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "c", "committed-3"));
      producer.commitTransaction();
    }
    List<ConsumerRecord<String, String>> committed = consume(kafka, topic, "read_committed", 3);
    assertThat(committed).extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3");
    List<ConsumerRecord<String, String>> all = consume(kafka, topic, "read_uncommitted", 4);
    assertThat(all).extracting(ConsumerRecord::value).contains("aborted");
  }

  @Test
  void bindsLoopbackOnly(EmbeddedKafka kafka) {
    assumeThat(ListeningSockets.available()).as("needs /proc/net/tcp").isTrue();
    for (int port : new int[] {kafka.port(), kafka.controllerPort()}) {
      List<ListeningSockets.Listener> listeners = ListeningSockets.on(port);
      assertThat(listeners).as("listeners on port %d", port).isNotEmpty();
      assertThat(listeners).allSatisfy(l -> assertThat(l.address().isLoopbackAddress())
          .as("%s:%d", l.address(), l.port()).isTrue());
    }
    assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
    // and nothing else in this JVM (the broker runs here) listens beyond loopback
    assertThat(ListeningSockets.ofProcess(ProcessHandle.current().pid())).allSatisfy(l ->
        assertThat(l.address().isLoopbackAddress()).as("%s:%d", l.address(), l.port()).isTrue());
  }

  @Test
  void createTopicsIsIdempotentAndAppliesConfigs(EmbeddedKafka kafka) throws Exception {
    String topic = SharedStack.uniqueName("compacted");
    kafka.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
    kafka.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
    try (Admin admin = kafka.newAdmin()) {
      var resource = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
      var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
    }
  }

  /** A broker of its own on a given directory keeps its data across a restart on other ports. */
  @Test
  void restartsOnItsDataDirectory(@TempDir Path dir) throws Exception {
    String topic = "kept";
    long t0 = System.nanoTime();
    int firstPort;
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
      System.out.printf("own broker started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      firstPort = kafka.port();
      kafka.createTopic(topic, 1);
      try (var producer = producer(kafka, null)) {
        producer.send(new ProducerRecord<>(topic, "k", "survives a restart")).get();
      }
      t0 = System.nanoTime();
    }
    System.out.printf("own broker closed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertThat(Files.exists(dir.resolve("kraft").resolve("meta.properties"))).isTrue();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
      assertThat(kafka.port()).isNotEqualTo(firstPort);
      assertThat(consume(kafka, topic, "read_committed", 1)).extracting(ConsumerRecord::value)
          .containsExactly("survives a restart");
    }
  }

  @Test
  void deletesItsTemporaryDirectoryOnClose() {
    Path dir;
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      dir = kafka.dataDir();
      assertThat(dir).isDirectory();
    }
    assertThat(dir).doesNotExist();
  }

  static KafkaProducer<String, String> producer(EmbeddedKafka kafka, String transactionalId) {
    Map<String, Object> c = kafka.clientConfig();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    if (transactionalId != null) {
      c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return new KafkaProducer<>(c);
  }

  static List<ConsumerRecord<String, String>> consume(EmbeddedKafka kafka, String topic, String isolation,
      int expected) {
    Map<String, Object> c = kafka.clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, SharedStack.uniqueName("g"));
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<String, String>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // a little longer, to see records that should not be there
      consumer.poll(Duration.ofMillis(300)).forEach(out::add);
    }
    return out;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
