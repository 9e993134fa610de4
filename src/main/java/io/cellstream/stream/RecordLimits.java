package io.cellstream.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The largest records the producer and the broker accept on the topics the service writes records of variable
 * size to, as they are configured, not as Kafka's defaults would have them: {@code max.request.size} of Kafka
 * Streams' producer, and each topic's {@code max.message.bytes} (for a changelog Kafka Streams has not created
 * yet: {@code topic.max.message.bytes} if set, else the broker's {@code message.max.bytes}, which the topic will
 * get). A record over either limit fails with RecordTooLargeException, which stops the stream thread: the
 * service sizes its dead letters and entity memories below these instead.
 *
 * @param producerMaxRequestBytes  {@code max.request.size} of the stream's producer
 * @param deadLetterTopicBytes     {@code max.message.bytes} of the dead-letter topic
 * @param entityChangelogBytes     ... of {@code <application.id>-entity-state-changelog}
 * @param trainingTopicBytes       ... of the training topic
 * @param modelsTopicBytes         ... of the models topic
 * @param trainerChangelogBytes    ... of {@code <application.id>-trainer-state-changelog}
 * @param source                   where the figures came from, for the log
 */
public record RecordLimits(int producerMaxRequestBytes, int deadLetterTopicBytes, int entityChangelogBytes,
    int trainingTopicBytes, int modelsTopicBytes, int trainerChangelogBytes, String source) {

  /**
   * Kept free below each limit, so that the size estimate of {@link #recordSize} holds with a compressor's framing
   * too (a producer configured with compression sends incompressible bytes a little larger than they are).
   */
  public static final int FRAMING_SLACK = 1024;
  /** Kafka's defaults: the producer's max.request.size and the broker's message.max.bytes. */
  public static final int KAFKA_DEFAULT_REQUEST_BYTES = 1_048_576;
  public static final int KAFKA_DEFAULT_MESSAGE_BYTES = 1_048_588;

  /** Kafka's defaults with the producer's limit as {@code streamsProperties} configure it: for hosts without a broker. */
  public static RecordLimits defaults(Properties streamsProperties) {
    int producer = producerMaxRequestBytes(streamsProperties);
    int topic = KAFKA_DEFAULT_MESSAGE_BYTES;
    return new RecordLimits(producer, topic, topic, topic, topic, topic, "Kafka's defaults (the topics were not read)");
  }

  /** The default limits of a plain Kafka, as a TopologyTestDriver sees them. */
  public static RecordLimits kafkaDefaults() {
    return defaults(new Properties());
  }

  /** The largest record (key, value and headers together, as {@link #recordSize} counts) that may go to the dead-letter topic. */
  public int deadLetterRecordBytes() {
    return Math.min(producerMaxRequestBytes, deadLetterTopicBytes) - FRAMING_SLACK;
  }

  /** The largest record (entity id and memory) the entity-state changelog takes. */
  public int entityStateRecordBytes() {
    return Math.min(producerMaxRequestBytes, entityChangelogBytes) - FRAMING_SLACK;
  }

  /** The largest training example record. */
  public int trainingRecordBytes() {
    return Math.min(producerMaxRequestBytes, trainingTopicBytes) - FRAMING_SLACK;
  }

  /** The largest record of a model version on the models topic and in the trainer's store. */
  public int modelRecordBytes() {
    return Math.min(producerMaxRequestBytes, Math.min(modelsTopicBytes, trainerChangelogBytes)) - FRAMING_SLACK;
  }

  /**
   * An upper bound of the bytes a record takes in a batch of its own, as the producer checks it against
   * max.request.size and the broker against max.message.bytes: the v2 batch header (61 bytes) and the record with
   * its varint lengths, key, value and headers (as Kafka's own upper bound for an uncompressed batch).
   */
  public static int recordSize(byte[] key, byte[] value, Headers headers) {
    long size = 61 + 5 + 1 + 10 + 5 + 5 + (key == null ? 0 : key.length) + 5 + (value == null ? 0 : value.length) + 5;
    if (headers != null) {
      for (Header h : headers) {
        size += headerSize(h);
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, size);
  }

  /** The bytes one header adds to a record. */
  public static int headerSize(Header h) {
    return 5 + h.key().length() * 3 + 5 + (h.value() == null ? 0 : h.value().length);
  }

  /** {@code max.request.size} of Kafka Streams' producer: {@code producer.max.request.size}, then the plain key. */
  static int producerMaxRequestBytes(Properties streams) {
    String v = streams.getProperty(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        streams.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    return v == null ? KAFKA_DEFAULT_REQUEST_BYTES : Integer.parseInt(v.trim());
  }

  /**
   * Reads the limits from the cluster. A changelog that does not exist yet gets the broker's default (or the
   * streams configuration's {@code topic.max.message.bytes}); the caller falls back to {@link #defaults} if the
   * cluster cannot be asked (e.g. no DescribeConfigs permission).
   */
  static RecordLimits read(Admin admin, Properties streams, StreamSettings.Topics topics, String applicationId,
      Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    long ms = timeout.toMillis();
    String entityChangelog = applicationId + "-" + CellstreamTopology.ENTITY_STORE + "-changelog";
    String trainerChangelog = applicationId + "-" + CellstreamTopology.TRAINER_STORE + "-changelog";
    List<String> names = List.of(topics.deadLetters(), entityChangelog, topics.trainingExamples(), topics.models(),
        trainerChangelog);
    Collection<Node> nodes = admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS);
    List<ConfigResource> resources = new ArrayList<>();
    for (String n : names) {
      resources.add(new ConfigResource(ConfigResource.Type.TOPIC, n));
    }
    ConfigResource broker = nodes.isEmpty() ? null
        : new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodes.iterator().next().id()));
    if (broker != null) {
      resources.add(broker);
    }
    Map<ConfigResource, KafkaFuture<Config>> configs = admin.describeConfigs(resources).values();
    int brokerDefault = KAFKA_DEFAULT_MESSAGE_BYTES;
    if (broker != null) {
      ConfigEntry e = configs.get(broker).get(ms, TimeUnit.MILLISECONDS).get("message.max.bytes");
      if (e != null && e.value() != null) {
        brokerDefault = Integer.parseInt(e.value());
      }
    }
    String topicOverride = streams.getProperty(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
    int newTopic = topicOverride != null ? Integer.parseInt(topicOverride.trim()) : brokerDefault;
    Map<String, Integer> bytes = new HashMap<>();
    StringBuilder from = new StringBuilder();
    for (String n : names) {
      int b;
      try {
        ConfigEntry e = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, n)).get(ms, TimeUnit.MILLISECONDS)
            .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        b = e == null || e.value() == null ? brokerDefault : Integer.parseInt(e.value());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        b = newTopic; // created later (a changelog at the first start): it will get this
      }
      bytes.put(n, b);
      from.append(from.isEmpty() ? "" : ", ").append(n).append(' ').append(b);
    }
    int producer = producerMaxRequestBytes(streams);
    return new RecordLimits(producer, bytes.get(topics.deadLetters()), bytes.get(entityChangelog),
        bytes.get(topics.trainingExamples()), bytes.get(topics.models()), bytes.get(trainerChangelog),
        "max.request.size " + producer + "; max.message.bytes: " + from);
  }
}
