package io.cellstream.stream;

import io.cellstream.lstm.LstmKernel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the loop: the topology on Kafka Streams, its model holder and metrics. Lifecycle
 * events are logged one line each; nothing per event.
 *
 * <p>What it does so that trouble around it does not stop it: it reads the record limits of the producer and the
 * topics before it starts ({@link RecordLimits}), so that no record it writes is too large; its processors wait
 * for a schema registry that does not answer ({@link RegistryRetry}); a stream thread that fails for a transient
 * cause (Kafka unreachable longer than {@code task.timeout.ms}) is replaced, not the instance stopped; and a probe
 * asks Kafka every {@value #PROBE_INTERVAL_MS} ms whether it answers, so that readiness ({@link
 * #readinessProblem()}) tells the truth while the stream is stuck.
 */
public final class CellstreamService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CellstreamService.class);

  private final StreamSettings settings;
  private final Properties streamsProperties;
  private final ModelHolder models;
  private final StreamMetrics metrics;
  private final Topology topology;
  private final KafkaStreams streams;
  private final ServiceHealth health;
  private final String entitySubtopology; // the subtopology that holds the entities' memories
  private volatile RecordLimits limits;
  private volatile boolean limitsRead;
  private volatile Throwable fatal;
  private Admin probeAdmin;
  private Thread probe;

  /** How often the Kafka probe asks; two missed answers in a row make the instance not ready. */
  static final long PROBE_INTERVAL_MS = 1_000;

  /**
   * @param streamsProperties Kafka Streams and client settings; application.id and bootstrap.servers required
   */
  public CellstreamService(StreamSettings settings, Properties streamsProperties, CellstreamSerdes serdes,
      MeterRegistry registry, LstmKernel kernel) {
    this(settings, streamsProperties, serdes, registry, kernel, new ServiceHealth());
  }

  /**
   * @param health where this instance's troubles are gathered for readiness; the serdes' registry may report its
   *     calls there ({@link WatchedSchemaRegistry})
   */
  public CellstreamService(StreamSettings settings, Properties streamsProperties, CellstreamSerdes serdes,
      MeterRegistry registry, LstmKernel kernel, ServiceHealth health) {
    this.health = health;
    this.settings = settings;
    this.streamsProperties = withDefaults(streamsProperties, settings.delivery());
    this.metrics = new StreamMetrics(registry);
    this.models = new ModelHolder(settings.modelName(), settings.spec(),
        settings.mapping().layout(settings.spec().inputSize()), metrics);
    this.limits = RecordLimits.defaults(this.streamsProperties);
    this.topology = CellstreamTopology.build(settings, serdes, models, metrics, kernel, () -> limits, health);
    this.entitySubtopology = subtopologyOf(topology, CellstreamTopology.ENTITY_STORE);
    this.streams = new KafkaStreams(topology, this.streamsProperties);
    new KafkaStreamsMetrics(streams).bindTo(registry);
    streams.setStateListener((now, before) -> log.info("Kafka Streams {} -> {}", before, now));
    streams.setUncaughtExceptionHandler(e -> {
      if (health.isClosing()) {
        log.info("stream thread stopped while closing ({}); its uncommitted records are processed again after a restart",
            e.toString());
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
      if (isTransient(e)) {
        metrics.threadReplaced();
        log.warn("stream thread failed for a transient cause ({}); replacing it: its tasks resume from their last "
            + "commit, nothing is lost or repeated", rootMessage(e));
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      fatal = e;
      log.error("stream thread failed; shutting this instance down (predictions stop, nothing is lost: "
          + "uncommitted work is redone on restart)", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
  }

  /** Kafka's retriable errors (timeouts, a broker that went away) anywhere in the cause chain. */
  static boolean isTransient(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof RetriableException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.toString();
  }

  private static String subtopologyOf(Topology topology, String store) {
    for (TopologyDescription.Subtopology st : topology.describe().subtopologies()) {
      for (TopologyDescription.Node n : st.nodes()) {
        if (n instanceof TopologyDescription.Processor p && p.stores().contains(store)) {
          return String.valueOf(st.id());
        }
      }
    }
    throw new IllegalStateException("no subtopology holds " + store);
  }

  static Properties withDefaults(Properties p, Delivery delivery) {
    Properties out = new Properties();
    // The delivery mode's guarantee, commit interval and linger, unless given (a setting given for a client, with or
    // without its prefix, counts as given).
    delivery.streamsDefaults().forEach((k, v) -> {
      String unprefixed = k.startsWith("producer.") ? k.substring("producer.".length()) : k;
      if (!p.containsKey(k) && !p.containsKey(unprefixed)) {
        out.put(k, v);
      }
    });
    out.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1");
    // Our global processor handles its own bad records; opt in now to what becomes the default in Kafka 5.
    out.put("processing.exception.handler.global.enabled", "true");
    // The partition assignor rebuilds a StreamsConfig from the main consumer's settings and would warn about
    // the same flag again (a Kafka 4.4 quirk): hand it the flag through the main-consumer prefix too.
    out.put(StreamsConfig.mainConsumerPrefix("processing.exception.handler.global.enabled"), "true");
    out.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingErrors.class.getName());
    out.putAll(p);
    for (String required : new String[] {StreamsConfig.APPLICATION_ID_CONFIG, StreamsConfig.BOOTSTRAP_SERVERS_CONFIG}) {
      if (!out.containsKey(required)) {
        throw new IllegalArgumentException(required + " is required");
      }
    }
    String guarantee = out.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    if (!delivery.mode().processingGuarantee().equals(guarantee)) {
      // at_least_once without the low-latency mode's bookkeeping would step an event delivered twice twice.
      throw new IllegalArgumentException("processing.guarantee=" + guarantee + " does not go with cellstream.delivery="
          + delivery.mode().id() + " (" + delivery.mode().processingGuarantee() + "): set cellstream.delivery="
          + (StreamsConfig.AT_LEAST_ONCE.equals(guarantee) ? Delivery.Mode.LOW_LATENCY.id() : Delivery.Mode.EXACTLY_ONCE.id())
          + " instead, which sets the guarantee and what goes with it");
    }
    return out;
  }

  private Properties adminProperties() {
    Properties admin = new Properties();
    for (String k : streamsProperties.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(k)) {
        admin.put(k, streamsProperties.getProperty(k));
      } else if (k.startsWith("admin.")) {
        admin.put(k.substring("admin.".length()), streamsProperties.getProperty(k));
      }
    }
    return admin;
  }

  /**
   * Creates or checks the topics and reads the record limits of the producer and the topics; call before {@link
   * #start()}.
   *
   * @throws IllegalStateException (without a cause) when the topics cannot take what the configuration may write
   *     (a model or a training example larger than their limit): the operator's fix
   */
  public void ensureTopics(int partitions, short replicationFactor, boolean create) throws InterruptedException {
    try (Admin a = Admin.create(adminProperties())) {
      TopicSetup.ensure(a, settings.topics(), settings.mapping(), partitions, replicationFactor, create);
      readRecordLimits(a);
    }
    List<String> problems = RecordBudget.problems(settings, limits);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems));
    }
  }

  /** Reads the limits, or keeps Kafka's defaults with a warning when the cluster does not say. */
  private void readRecordLimits(Admin a) throws InterruptedException {
    try {
      limits = RecordLimits.read(a, streamsProperties, settings.topics(),
          streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG), Duration.ofSeconds(15));
      log.info("record limits: dead letters up to {} bytes, entity memories up to {} bytes ({})",
          limits.deadLetterRecordBytes(), limits.entityStateRecordBytes(), limits.source());
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
      limits = RecordLimits.defaults(streamsProperties);
      log.warn("cannot read the topics' max.message.bytes ({}); assuming Kafka's defaults (grant DescribeConfigs on "
          + "the topics and the cluster to have them read)", e.toString());
    }
    limitsRead = true;
  }

  /** The limits in force (Kafka's defaults until they were read). */
  public RecordLimits recordLimits() {
    return limits;
  }

  public void start() {
    if (!limitsRead) {
      try (Admin a = Admin.create(adminProperties())) {
        readRecordLimits(a);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    startProbe();
    log.info("starting cellstream '{}' ({}, model '{}' {}, window W={} k={}, training {})",
        streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG), streamsProperties.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG),
        settings.modelName(), settings.spec(), settings.windowSteps(), settings.checkpointEvery(),
        settings.trainingEnabled() ? "on" : "off");
    streams.start();
  }

  /** Ready: Kafka Streams is running, a published model version is loaded and nothing is known to stop the work. */
  public boolean isReady() {
    return readinessProblem() == null;
  }

  /**
   * Why this instance is not ready, or null when it is: Kafka Streams not RUNNING, no model yet, a thread waiting
   * for the schema registry, Kafka not answering, or stores of this instance's partitions not queryable (restoring).
   */
  public String readinessProblem() {
    KafkaStreams.State state = streams.state();
    if (state != KafkaStreams.State.RUNNING) {
      return "Kafka Streams is " + state;
    }
    if (models.current() == null) {
      return "no model version loaded yet";
    }
    String problem = health.problem();
    if (problem != null) {
      return problem;
    }
    return unavailableStores();
  }

  /** The partitions of this instance whose entity memories cannot be queried now (restoring), or null. */
  private String unavailableStores() {
    TreeSet<Integer> restoring = new TreeSet<>();
    for (ThreadMetadata t : streams.metadataForLocalThreads()) {
      for (TaskMetadata task : t.activeTasks()) {
        if (!String.valueOf(task.taskId().subtopology()).equals(entitySubtopology)) {
          continue;
        }
        int partition = task.taskId().partition();
        try {
          streams.store(StoreQueryParameters.fromNameAndType(CellstreamTopology.ENTITY_STORE,
              QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(partition)).approximateNumEntries();
        } catch (InvalidStateStoreException e) {
          restoring.add(partition);
        }
      }
    }
    return restoring.isEmpty() ? null : "the entity memories of partitions " + restoring + " are not available (restoring)";
  }

  /** What keeps the instance from its work, shared with the processors. */
  public ServiceHealth health() {
    return health;
  }

  /** Asks Kafka every PROBE_INTERVAL_MS whether it answers; two misses in a row make the instance not ready. */
  private void startProbe() {
    Properties p = adminProperties();
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG)
        + "-readiness-probe-" + Integer.toHexString(System.identityHashCode(this)));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
    probeAdmin = Admin.create(p);
    RepartitionPurge purge = RepartitionPurge.of(settings,
        streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
    probe = new Thread(() -> {
      int misses = 0;
      long probes = 0;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          probeAdmin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).clusterId().get(3, TimeUnit.SECONDS);
          misses = 0;
          health.kafkaReachable();
          if (purge != null && ++probes % RepartitionPurge.EVERY_PROBES == 0) {
            purge.run(probeAdmin);
          }
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          if (++misses >= 2) {
            health.kafkaUnreachable(rootMessage(e));
          }
        }
        try {
          Thread.sleep(PROBE_INTERVAL_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "cellstream-kafka-probe");
    probe.setDaemon(true);
    probe.start();
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
    health.closing(); // a thread waiting for the registry gives up its record instead of holding the close up
    // Leave the group on a clean stop, so the other instances take this one's partitions at once instead of
    // after session.timeout.ms. With static membership (group.instance.id) staying is the point: a restart
    // within the session timeout gets the same partitions back without a rebalance.
    boolean staticMember = streamsProperties.containsKey("group.instance.id")
        || streamsProperties.containsKey("main.consumer.group.instance.id");
    boolean clean = streams.close(org.apache.kafka.streams.CloseOptions.timeout(timeout).withGroupMembershipOperation(
        staticMember ? org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
            : org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    if (probe != null) {
      probe.interrupt();
      probeAdmin.close(Duration.ofSeconds(2));
    }
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
