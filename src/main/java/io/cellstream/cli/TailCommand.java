package io.cellstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.serde.AvroJson;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.serde.SchemaRegistryException;
import io.cellstream.serde.SerdeException;
import io.cellstream.stream.StreamSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cellstream tail TOPIC}: what the service wrote (or reads), decoded through the schema registry, one JSON
 * object per record on stdout — for people and for {@code jq}, without writing a consumer that speaks the Confluent
 * wire format.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Prints the records of a topic, decoded through the schema registry, one JSON object per line on stdout:",
        "  {\"topic\",\"partition\",\"offset\",\"timestamp\",\"key\",\"schemaId\",\"value\"}",
        "value is the record as its writer wrote it (times as ISO-8601, bytes as base64); a record that cannot be",
        "decoded has \"error\" and \"valueBase64\" instead. Reads committed records only (what consumers see).",
        "TOPIC is predictions, dead-letters, models, events or labels (the configured cellstream.topic.* names),",
        "or any topic by its own name. Takes the configuration options of 'run' (--config, --set, ...).",
        "A summary and any problem go to stderr.",
        "",
        "Against a running 'run --embedded' or 'demo', use the client.properties they write (the path is logged):",
        "  bin/cellstream tail predictions --config DIR/client.properties --follow",
        "Examples:",
        "  bin/cellstream tail dead-letters --max 10 | jq -r '.value.reason + \": \" + .value.message'",
        "  bin/cellstream tail predictions --key card-42 --from 2024-05-01T00:00:00Z",
        "",
        "Exit codes: 0 done (or stopped with Ctrl-C), 2 invalid options or configuration, 3 Kafka or the registry",
        "unreachable."})
public final class TailCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TOPIC",
      description = "predictions, dead-letters, models, events, labels, or a topic's own name.")
  String topic;

  @Option(names = "--from", paramLabel = "POS", defaultValue = "earliest",
      description = "Where to start in every partition: earliest, latest, offset:N, or a time of the record timestamps (ISO-8601 like 2024-05-01T12:00:00Z, or epoch milliseconds). Default: ${DEFAULT-VALUE}.")
  String from;

  @Option(names = "--max", paramLabel = "N", description = "Stop after N records (after --key). Default: no limit.")
  Long max;

  @Option(names = "--follow", description = "Keep printing new records as they arrive, until Ctrl-C (or --max). Without it, stop at the end of what the topic holds at start.")
  boolean follow;

  @Option(names = "--key", paramLabel = "K", description = "Only records with this key (an entity id; on the models topic a model name or name@version).")
  String key;

  @Option(names = "--max-bytes-shown", paramLabel = "N", defaultValue = "4096",
      description = "Bytes fields longer than this (a model's payload) are shown as {\"omittedBytes\": length}; -1 = show all. Default: ${DEFAULT-VALUE}.")
  int maxBytesShown;

  @Mixin ConfigOptions config;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (max != null && max < 1) {
      err.println("cellstream tail: --max must be at least 1, got " + max);
      return RunCommand.EXIT_CONFIG;
    }
    CellstreamConfig c;
    try {
      c = CellstreamConfig.from(config.settings(Map.of()));
    } catch (ConfigException | IOException e) {
      err.println("cellstream tail: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    String name = topicName(c.stream().topics(), topic);
    try {
      ServiceRunner.checkKafka(c.kafka());
    } catch (ServiceRunner.UnreachableException e) {
      err.println("cellstream tail: " + e.getMessage());
      return RunCommand.EXIT_UNREACHABLE;
    }
    try (SchemaRegistryClient registry = new SchemaRegistryClient(c.schemaRegistryUrl(), c.schemaRegistryBasicAuth(),
             SchemaRegistryClient.DEFAULT_TIMEOUT);
         KafkaConsumer<byte[], byte[]> consumer = consumer(c.kafka());
         StopSignal stop = StopSignal.install("tail")) {
      try {
        ServiceRunner.checkRegistry(registry, c.schemaRegistryUrl());
      } catch (ServiceRunner.UnreachableException e) {
        err.println("cellstream tail: " + e.getMessage());
        return RunCommand.EXIT_UNREACHABLE;
      }
      List<PartitionInfo> partitions = consumer.partitionsFor(name);
      if (partitions == null || partitions.isEmpty()) {
        err.println("cellstream tail: there is no topic '" + name + "' on " + c.kafka().getProperty("bootstrap.servers")
            + (name.equals(topic) ? "" : " (" + topic + " is configured as " + name + ")") + "; topics there: "
            + new TreeSet<>(consumer.listTopics().keySet()));
        return RunCommand.EXIT_CONFIG;
      }
      List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(name, p.partition())).toList();
      Map<TopicPartition, Long> start;
      try {
        start = ReplayCommand.positions(consumer, tps, from, true);
      } catch (IllegalArgumentException e) {
        err.println("cellstream tail: --from " + from + ": " + e.getMessage()
            + " (use earliest, latest, offset:N, an ISO-8601 time or epoch milliseconds)");
        return RunCommand.EXIT_CONFIG;
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(tps); // read_committed: the last stable offsets
      consumer.assign(tps);
      start.forEach(consumer::seek);
      stop.onRequest(consumer::wakeup);

      AvroJson decoder = new AvroJson(registry, maxBytesShown);
      byte[] wantedKey = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
      long printed = 0;
      long undecodable = 0;
      try {
        while (!stop.isRequested() && (max == null || printed < max)) {
          if (!follow && tps.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
            break; // positions, not record offsets: transaction markers take offsets but are never returned
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            if (!follow && r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
              continue;
            }
            if (wantedKey != null && !Arrays.equals(wantedKey, r.key())) {
              continue;
            }
            ObjectNode line = line(r, decoder);
            undecodable += line.has("error") ? 1 : 0;
            out.println(JSON.writeValueAsString(line));
            printed++;
            if (max != null && printed >= max) {
              break;
            }
          }
          out.flush();
          if (out.checkError()) {
            break; // stdout is gone (e.g. `| head`): nobody reads any more
          }
        }
      } catch (WakeupException e) {
        // Ctrl-C with --follow: the normal way to end
      } catch (SchemaRegistryException e) {
        out.flush();
        err.println("cellstream tail: the schema registry failed while decoding: " + e.getMessage());
        return RunCommand.EXIT_UNREACHABLE;
      }
      out.flush();
      err.printf(Locale.ROOT, "tail: %d record%s from %s (%d partition%s)%s%n", printed, printed == 1 ? "" : "s", name,
          tps.size(), tps.size() == 1 ? "" : "s", undecodable == 0 ? "" : ", " + undecodable + " not decodable");
      err.flush();
      return RunCommand.EXIT_OK;
    }
  }

  /** A role name (predictions, ...) is the configured topic; anything else is a topic's own name. */
  static String topicName(StreamSettings.Topics topics, String topic) {
    return switch (topic) {
      case "events" -> topics.events();
      case "labels" -> topics.labels();
      case "predictions" -> topics.predictions();
      case "dead-letters" -> topics.deadLetters();
      case "models" -> topics.models();
      default -> topic;
    };
  }

  /** One record as the JSON line tail prints. */
  static ObjectNode line(ConsumerRecord<byte[], byte[]> r, AvroJson decoder) {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", r.topic());
    line.put("partition", r.partition());
    line.put("offset", r.offset());
    line.put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
    String k = utf8(r.key());
    if (r.key() == null || k != null) {
      line.put("key", k);
    } else {
      line.put("keyBase64", Base64.getEncoder().encodeToString(r.key()));
    }
    if (r.value() == null) {
      line.putNull("value"); // a tombstone
      return line;
    }
    try {
      JsonNode value = decoder.decode(r.topic(), r.value());
      line.put("schemaId", ByteBuffer.wrap(r.value(), 1, 4).getInt());
      line.set("value", value);
    } catch (SerdeException e) {
      line.put("error", e.reason().code() + ": " + e.getMessage());
      line.put("valueBase64", Base64.getEncoder().encodeToString(r.value()));
    }
    return line;
  }

  private static String utf8(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Properties kafka) {
    Properties p = new Properties();
    for (String k : kafka.stringPropertyNames()) {
      if (ConsumerConfig.configNames().contains(k)) {
        p.put(k, kafka.getProperty(k));
      }
    }
    p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, no group: tail commits nothing anywhere
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cellstream-tail");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // a mistyped name must not create a topic
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
