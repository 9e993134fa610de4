package io.cellstream.stream;

import io.cellstream.lstm.LstmKernel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the loop: the topology on Kafka Streams, its model holder and metrics. Lifecycle
 * events are logged one line each; nothing per event.
 */
public final class CellstreamService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CellstreamService.class);

  private final StreamSettings settings;
  private final Properties streamsProperties;
  private final ModelHolder models;
  private final StreamMetrics metrics;
  private final Topology topology;
  private final KafkaStreams streams;
  private volatile Throwable fatal;

  /**
   * @param streamsProperties Kafka Streams and client settings; application.id and bootstrap.servers required
   */
  public CellstreamService(StreamSettings settings, Properties streamsProperties, CellstreamSerdes serdes,
      MeterRegistry registry, LstmKernel kernel) {
    this.settings = settings;
    this.streamsProperties = withDefaults(streamsProperties);
    this.metrics = new StreamMetrics(registry);
    this.models = new ModelHolder(settings.modelName(), settings.spec(), metrics);
    this.topology = CellstreamTopology.build(settings, serdes, models, metrics, kernel);
    this.streams = new KafkaStreams(topology, this.streamsProperties);
    new KafkaStreamsMetrics(streams).bindTo(registry);
    streams.setStateListener((now, before) -> log.info("Kafka Streams {} -> {}", before, now));
    streams.setUncaughtExceptionHandler(e -> {
      fatal = e;
      log.error("stream thread failed; shutting this instance down (predictions stop, nothing is lost: "
          + "uncommitted work is redone on restart)", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
  }

  private static Properties withDefaults(Properties p) {
    Properties out = new Properties();
    out.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    out.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1");
    // Our global processor handles its own bad records; opt in now to what becomes the default in Kafka 5.
    out.put("processing.exception.handler.global.enabled", "true");
    // The partition assignor rebuilds a StreamsConfig from the main consumer's settings and would warn about
    // the same flag again (a Kafka 4.4 quirk): hand it the flag through the main-consumer prefix too.
    out.put(StreamsConfig.mainConsumerPrefix("processing.exception.handler.global.enabled"), "true");
    out.putAll(p);
    for (String required : new String[] {StreamsConfig.APPLICATION_ID_CONFIG, StreamsConfig.BOOTSTRAP_SERVERS_CONFIG}) {
      if (!out.containsKey(required)) {
        throw new IllegalArgumentException(required + " is required");
      }
    }
    return out;
  }

  /** Creates or checks the topics; call before {@link #start()}. */
  public void ensureTopics(int partitions, short replicationFactor, boolean create) throws InterruptedException {
    Properties admin = new Properties();
    for (String k : streamsProperties.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(k)) {
        admin.put(k, streamsProperties.getProperty(k));
      } else if (k.startsWith("admin.")) {
        admin.put(k.substring("admin.".length()), streamsProperties.getProperty(k));
      }
    }
    try (Admin a = Admin.create(admin)) {
      TopicSetup.ensure(a, settings.topics(), partitions, replicationFactor, create);
    }
  }

  public void start() {
    log.info("starting cellstream '{}' ({}, model '{}' {}, window W={} k={}, training {})",
        streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG), streamsProperties.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG),
        settings.modelName(), settings.spec(), settings.windowSteps(), settings.checkpointEvery(),
        settings.trainingEnabled() ? "on" : "off");
    streams.start();
  }

  /** Ready: Kafka Streams is running and a published model version is loaded. */
  public boolean isReady() {
    return streams.state() == KafkaStreams.State.RUNNING && models.current() != null;
  }

  /** Alive: not failed and not shut down. */
  public boolean isAlive() {
    KafkaStreams.State s = streams.state();
    return fatal == null && s != KafkaStreams.State.ERROR && s != KafkaStreams.State.NOT_RUNNING
        && s != KafkaStreams.State.PENDING_ERROR;
  }

  /** Closes cleanly; returns false if that did not finish within {@code timeout}. */
  public boolean close(Duration timeout) {
    log.info("closing cellstream (timeout {})", timeout);
    // Leave the group on a clean stop, so the other instances take this one's partitions at once instead of
    // after session.timeout.ms. With static membership (group.instance.id) staying is the point: a restart
    // within the session timeout gets the same partitions back without a rebalance.
    boolean staticMember = streamsProperties.containsKey("group.instance.id")
        || streamsProperties.containsKey("main.consumer.group.instance.id");
    boolean clean = streams.close(org.apache.kafka.streams.CloseOptions.timeout(timeout).withGroupMembershipOperation(
        staticMember ? org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
            : org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    log.info("closed cellstream {}", clean ? "cleanly" : "with a timeout");
    return clean;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  public KafkaStreams streams() {
    return streams;
  }

  public ModelHolder models() {
    return models;
  }

  public StreamMetrics metrics() {
    return metrics;
  }

  public StreamSettings settings() {
    return settings;
  }

  public Topology topology() {
    return topology;
  }

  /** host:port other instances use to reach this one's HTTP interface (application.server), or null. */
  public String applicationServer() {
    String s = streamsProperties.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
    return s == null || s.isBlank() ? null : s;
  }

  /** Client settings (bootstrap, security) for other producers and consumers of this deployment. */
  public Properties clientProperties() {
    Properties p = new Properties();
    for (String k : streamsProperties.stringPropertyNames()) {
      if ((org.apache.kafka.clients.producer.ProducerConfig.configNames().contains(k)
          || org.apache.kafka.clients.consumer.ConsumerConfig.configNames().contains(k))
          && !k.equals("transactional.id") && !k.endsWith(".serializer") && !k.endsWith(".deserializer")) {
        p.put(k, streamsProperties.getProperty(k));
      }
    }
    return p;
  }

  public Throwable fatalError() {
    return fatal;
  }
}
