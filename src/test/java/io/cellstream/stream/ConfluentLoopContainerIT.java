package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.ConfluentKafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The restart test against Confluent's own Kafka and Schema Registry images, for machines with Docker
 * (skipped without it): the loop does not depend on anything particular to the embedded broker or Apicurio.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConfluentLoopContainerIT {

  static final String CONFLUENT_VERSION = "7.9.1";
  static final Network NETWORK = Network.newNetwork();

  @Container
  static final ConfluentKafkaContainer KAFKA =
      new ConfluentKafkaContainer(DockerImageName.parse("confluentinc/cp-kafka:" + CONFLUENT_VERSION))
          .withNetwork(NETWORK)
          .withListener("kafka:19092");

  @Container
  static final GenericContainer<?> REGISTRY =
      new GenericContainer<>(DockerImageName.parse("confluentinc/cp-schema-registry:" + CONFLUENT_VERSION))
          .withNetwork(NETWORK)
          .withExposedPorts(8081)
          .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
          .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
          .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
          .dependsOn(KAFKA)
          .waitingFor(Wait.forHttp("/subjects").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(3)));

  @Test
  void aCleanRestartMidStreamChangesNothingOnConfluentKafkaAndSchemaRegistry() throws Exception {
    String registryUrl = "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
    try (SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
         LoopHarness h = new LoopHarness(KAFKA.getBootstrapServers(), registry, new ModelSpec(3, 8, 1, Task.BINARY),
             2, false, 8, 4, 0.01f, 8, 1000)) {
      List<Event> events = LoopHarness.stream(h, 10, 20, 31, null);
      CellstreamService first = h.startService("a");
      events.subList(0, 100).forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(120)).until(() -> h.predictions().size() >= 50);
      assertThat(first.close(Duration.ofSeconds(30))).isTrue();
      h.startService("a");
      events.subList(100, 200).forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(120)).until(() -> h.predictions().size() >= 200);
      Map<String, float[]> expected = h.expectedWithVersion1(events);
      List<Prediction> preds = h.predictions();
      assertThat(preds).hasSize(200);
      for (Prediction p : preds) {
        assertThat(LoopHarness.outputs(p)).containsExactly(expected.get(p.getEventId()));
      }
    }
  }
}
