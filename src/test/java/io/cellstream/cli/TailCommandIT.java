package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Prediction;
import io.cellstream.serde.AvroSerde;
import io.cellstream.testing.CellstreamProcess;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cellstream tail} on the real broker and registry: predictions and dead letters in the Confluent wire format
 * come out as one JSON object per line, a record that is not Avro as an error line with its bytes, and the options
 * pick what is printed.
 */
@ExtendWith(SharedStackExtension.class)
class TailCommandIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private String prefix;
  private List<String> connection;
  private final AvroSerde<Prediction> predictions = new AvroSerde<>(Prediction.class, SharedStack.registryClient());
  private final AvroSerde<DeadLetter> deadLetters = new AvroSerde<>(DeadLetter.class, SharedStack.registryClient());

  @BeforeEach
  void topics() {
    prefix = SharedStack.uniqueName("tail");
    SharedStack.get().kafka().createTopic(prefix + "-predictions", 2);
    SharedStack.get().kafka().createTopic(prefix + "-dead-letters", 1);
    connection = List.of("--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(),
        "--set", "cellstream.topic.predictions=" + prefix + "-predictions",
        "--set", "cellstream.topic.dead-letters=" + prefix + "-dead-letters");
  }

  @Test
  void printsDecodedPredictionsAndDeadLettersOneJsonObjectPerLine(@TempDir java.nio.file.Path dir) throws Exception {
    for (int i = 0; i < 5; i++) {
      sendPrediction(i % 2 == 0 ? "card-a" : "card-b", "e-" + i, 0.1f * i);
    }
    send(prefix + "-predictions", "card-x", "not avro at all".getBytes(StandardCharsets.UTF_8));
    DeadLetter dl = DeadLetter.newBuilder().setSourceTopic(prefix + "-events").setPartition(1).setOffset(41)
        .setTimestamp(Instant.now()).setReason("wrong-dimension").setErrorClass(null)
        .setMessage("expected 3 features, got 2").setKey(ByteBuffer.wrap("card-a".getBytes(StandardCharsets.UTF_8)))
        .setValue(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1, 2})).setFailedAt(Instant.now()).build();
    send(prefix + "-dead-letters", "card-a", deadLetters.encode(prefix + "-dead-letters", dl));

    List<String> args = new ArrayList<>(List.of("tail", "predictions"));
    args.addAll(connection);
    try (CellstreamProcess tail = CellstreamProcess.command(args).outputIn(dir).name("predictions").start()) {
      assertThat(tail.waitFor(Duration.ofSeconds(60))).isTrue();
      assertThat(tail.exitValue()).as(tail.describe()).isZero();
      List<JsonNode> lines = parse(tail.stdoutLines());
      assertThat(lines).hasSize(6);
      List<JsonNode> decoded = lines.stream().filter(l -> l.has("value")).toList();
      assertThat(decoded).hasSize(5).allSatisfy(l -> {
        assertThat(l.path("topic").asText()).isEqualTo(prefix + "-predictions");
        assertThat(l.path("key").asText()).isEqualTo(l.path("value").path("entityId").asText());
        assertThat(l.path("schemaId").asInt()).isPositive();
        assertThat(Instant.parse(l.path("value").path("eventTime").asText())).isNotNull();
        assertThat(l.path("value").path("modelName").asText()).isEqualTo("m");
      });
      assertThat(decoded).extracting(l -> l.path("value").path("eventId").asText())
          .containsExactlyInAnyOrder("e-0", "e-1", "e-2", "e-3", "e-4");
      JsonNode bad = lines.stream().filter(l -> l.has("error")).findFirst().orElseThrow();
      assertThat(bad.path("error").asText()).startsWith("undecodable: unknown magic byte");
      assertThat(new String(java.util.Base64.getDecoder().decode(bad.path("valueBase64").asText()),
          StandardCharsets.UTF_8)).isEqualTo("not avro at all");
      assertThat(tail.stderr()).contains("tail: 6 records from " + prefix + "-predictions (2 partitions), 1 not decodable");
      assertThat(CellstreamProcess.warningsAndErrors(tail.stderr())).isEmpty();
    }

    ImportReplayIT.Run letters = tail("dead-letters");
    assertThat(letters.exit()).as(letters.err()).isZero();
    JsonNode letter = JSON.readTree(letters.out().strip());
    assertThat(letter.path("value").path("reason").asText()).isEqualTo("wrong-dimension");
    assertThat(letter.path("value").path("errorClass").isNull()).isTrue();
    assertThat(letter.path("value").path("key").asText()).as("bytes as base64")
        .isEqualTo(java.util.Base64.getEncoder().encodeToString("card-a".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void keyMaxFromAndRawTopicNamesPickTheRecords() throws Exception {
    for (int i = 0; i < 6; i++) { // all in partition 0, at offsets 0..5
      sendPrediction(i % 2 == 0 ? "card-a" : "card-b", "e-" + i, 0.5f, 0);
    }
    assertThat(eventIds(tail("predictions", "--key", "card-a"))).containsExactly("e-0", "e-2", "e-4");
    assertThat(eventIds(tail("predictions", "--key", "card-a", "--max", "2"))).containsExactly("e-0", "e-2");
    assertThat(eventIds(tail("predictions", "--key", "card-b", "--from", "offset:3"))).containsExactly("e-3", "e-5");
    assertThat(eventIds(tail("predictions", "--from", "latest"))).isEmpty();
    assertThat(eventIds(tail(prefix + "-predictions"))).as("a topic by its own name").hasSize(6);
    String later = Instant.now().plusSeconds(3600).toString();
    assertThat(eventIds(tail("predictions", "--from", later))).as("from a time after every record").isEmpty();
  }

  /** The topic is empty when the tail starts: without --follow it would end at once; with it, it waits. */
  @Test
  void followPrintsRecordsAsTheyArrive() throws Exception {
    CompletableFuture<ImportReplayIT.Run> following = CompletableFuture.supplyAsync(
        () -> tail("predictions", "--follow", "--max", "3"));
    assertThat(eventIds(tail("predictions"))).as("what an empty topic holds").isEmpty();
    for (int i = 0; i < 3; i++) {
      sendPrediction("card-f", "live-" + i, 0.25f);
    }
    ImportReplayIT.Run run = following.get(60, TimeUnit.SECONDS);
    assertThat(eventIds(run)).containsExactly("live-0", "live-1", "live-2");
  }

  @Test
  void aTopicThatIsNotThereIsReportedAndNotCreated() throws Exception {
    ImportReplayIT.Run run = tail(prefix + "-nope");
    assertThat(run.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(run.err()).contains("cellstream tail: there is no topic '" + prefix + "-nope' on ")
        .contains(prefix + "-predictions");
    try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", SharedStack.bootstrapServers()))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(prefix + "-nope");
    }
    ImportReplayIT.Run badFrom = tail("predictions", "--from", "yesterday");
    assertThat(badFrom.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(badFrom.err()).contains("--from yesterday");
  }

  private ImportReplayIT.Run tail(String topic, String... options) {
    List<String> args = new ArrayList<>(List.of("tail", topic));
    args.addAll(connection);
    args.addAll(List.of(options));
    return ImportReplayIT.cli(args.toArray(String[]::new));
  }

  private static List<JsonNode> parse(List<String> lines) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : lines) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  private static List<String> eventIds(ImportReplayIT.Run run) throws Exception {
    assertThat(run.exit()).as(run.err()).isZero();
    return parse(run.out().lines().filter(l -> !l.isBlank()).toList()).stream()
        .map(l -> l.path("value").path("eventId").asText()).toList();
  }

  private void sendPrediction(String entity, String eventId, float p) throws Exception {
    sendPrediction(entity, eventId, p, null);
  }

  private void sendPrediction(String entity, String eventId, float p, Integer partition) throws Exception {
    Prediction pr = Prediction.newBuilder().setEntityId(entity).setEventId(eventId).setEventTime(Instant.now())
        .setPredictionTime(Instant.now()).setModelName("m").setModelVersion(1).setOutputs(List.of(p))
        .setPredictedClass(p >= 0.5f ? 1 : 0).setEventsSeen(1).build();
    send(prefix + "-predictions", partition, entity, predictions.encode(prefix + "-predictions", pr));
  }

  private static void send(String topic, String key, byte[] value) throws Exception {
    send(topic, null, key, value);
  }

  private static void send(String topic, Integer partition, String key, byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(SharedStack.producerConfig())) {
      producer.send(new ProducerRecord<>(topic, partition, key.getBytes(StandardCharsets.UTF_8), value))
          .get(30, TimeUnit.SECONDS);
    }
  }
}
