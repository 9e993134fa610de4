package io.cellstream.cli;

import com.sun.net.httpserver.HttpServer;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.config.Settings;
import io.cellstream.http.HttpApi;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.CellstreamService;
import io.cellstream.stream.ModelAdmin;
import io.cellstream.stream.ModelRecords;
import io.cellstream.stream.ServiceHealth;
import io.cellstream.stream.WatchedSchemaRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one service instance from a validated configuration: checks that Kafka and the schema registry
 * answer (with a message that says what to do when they don't), creates the topics, binds and starts the
 * HTTP interface, starts Kafka Streams. Shared by {@code run} and {@code demo}.
 *
 * <p>Failures are sorted for the exit code: {@link UnreachableException} (Kafka, the registry, or the topics
 * cannot be reached or checked), {@link ConfigException} (topics that exist but do not fit, an HTTP port that
 * cannot be bound), anything else is unexpected. Whatever was opened before a failure is closed again.
 */
public final class ServiceRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

  /** Default time the start-up check of Kafka may take; {@code default.api.timeout.ms} overrides it. */
  static final int KAFKA_CHECK_TIMEOUT_MS = 15_000;

  /** A dependency (Kafka, the registry) could not be reached; the message says which and what to check. */
  public static final class UnreachableException extends Exception {
    public UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final CellstreamConfig config;
  private final PrometheusMeterRegistry registry;
  private final SchemaRegistryClient schemaRegistry;
  private final CellstreamService service;
  private final ModelAdmin admin;
  private final HttpApi http;
  private Boolean closedCleanly; // null while open

  private ServiceRunner(CellstreamConfig config, boolean withHttp) throws IOException, UnreachableException, InterruptedException {
    this.config = config;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);

    SchemaRegistryClient schemaRegistry = null;
    HttpServer server = null;
    CellstreamService service = null;
    ModelAdmin admin = null;
    try {
      String clusterId = checkKafka(config.kafka());
      schemaRegistry = new SchemaRegistryClient(config.schemaRegistryUrl(), config.schemaRegistryBasicAuth(),
          config.schemaRegistryTimeout());
      checkRegistry(schemaRegistry, config.schemaRegistryUrl());
      // Once both answer (so that a failed start claims nothing), before Kafka Streams opens its state: state of
      // another cluster must not be restored.
      StateDirectoryGuard.claim(StateDirectoryGuard.stateDir(config.kafka()), config.applicationId(), clusterId,
          config.kafka().getProperty("bootstrap.servers"));
      Properties streams = new Properties();
      streams.putAll(config.kafka());
      log.info("{}{}", config.stateStore().describe(), streams.getProperty("rocksdb.config.setter", "").equals(
          io.cellstream.stream.CellstreamRocksDbConfig.class.getName()) || config.stateStore().isKafkaStreamsDefault()
          ? "" : " (rocksdb.config.setter given explicitly: " + streams.getProperty("rocksdb.config.setter") + ")");
      if (withHttp) {
        // Bound before Kafka Streams is configured, so that application.server names a port this process holds.
        try {
          server = HttpApi.bind(config.httpHost(), config.httpPort());
        } catch (BindException e) {
          throw new ConfigException(List.of("cellstream.http.port: " + e.getMessage()));
        }
        streams.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG,
            advertisedHost(config.httpHost()) + ":" + server.getAddress().getPort());
      }
      LstmKernel kernel = LstmKernels.get();
      // The serdes' registry reports calls under way, so that readiness turns 503 as soon as the registry is slow.
      ServiceHealth health = new ServiceHealth();
      CellstreamSerdes serdes = CellstreamSerdes.using(new WatchedSchemaRegistry(schemaRegistry, health));
      service = new CellstreamService(config.stream(), streams, serdes, registry, kernel, health);
      ensureTopics(service, config);
      admin = new ModelAdmin(service, new ModelRecords(serdes.models(), config.stream().topics().models()),
          service.clientProperties());
      this.http = server == null ? null : new HttpApi(server, service, registry, admin, config.adminToken());
    } catch (UnreachableException | InterruptedException | RuntimeException e) {
      if (admin != null) {
        admin.close();
      }
      if (service != null) {
        service.close(Duration.ofSeconds(5));
      }
      if (server != null) {
        server.stop(0);
      }
      if (schemaRegistry != null) {
        schemaRegistry.close();
      }
      registry.close();
      throw e;
    }
    this.schemaRegistry = schemaRegistry;
    this.service = service;
    this.admin = admin;
  }

  /**
   * Checks Kafka (and that the state directory is this cluster's) and the registry, creates the topics and starts HTTP ({@code /health/live} answers 200,
   * {@code /health/ready} 503) without starting Kafka Streams: {@link #startStreams()} does that.
   */
  public static ServiceRunner create(CellstreamConfig config, boolean withHttp)
      throws IOException, UnreachableException, InterruptedException {
    ServiceRunner r = new ServiceRunner(config, withHttp);
    if (r.http != null) {
      r.http.start();
    }
    return r;
  }

  /** Starts Kafka Streams; the instance turns ready once it runs and has a model. */
  public ServiceRunner startStreams() {
    service.start();
    return this;
  }

  /** Checks, creates topics, starts HTTP and Kafka Streams. */
  public static ServiceRunner start(CellstreamConfig config, boolean withHttp)
      throws IOException, UnreachableException, InterruptedException {
    return create(config, withHttp).startStreams();
  }

  private static void ensureTopics(CellstreamService service, CellstreamConfig config)
      throws UnreachableException, InterruptedException {
    try {
      service.ensureTopics(config.topicPartitions(), config.topicReplicationFactor(), config.createTopics());
    } catch (IllegalStateException e) {
      if (e.getCause() != null) {
        // Timed out or failed talking to the cluster (also: not authorised to create or describe topics).
        throw new UnreachableException(e.getMessage(), e);
      }
      // The topics exist but do not fit (partition counts), or are missing with creation off: the operator's fix.
      throw new ConfigException(List.of("topics: " + e.getMessage()));
    }
  }

  private static String advertisedHost(String bind) {
    return bind.equals("0.0.0.0") || bind.equals("::") ? hostName() : bind;
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "127.0.0.1";
    }
  }

  /** The admin-client subset of {@code kafka}; {@code admin.}-prefixed keys override, as in Kafka Streams. */
  static Properties adminProperties(Properties kafka) {
    Properties p = new Properties();
    for (String k : kafka.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(k)) {
        p.put(k, kafka.getProperty(k));
      }
    }
    for (String k : kafka.stringPropertyNames()) {
      if (k.startsWith("admin.") && AdminClientConfig.configNames().contains(k.substring("admin.".length()))) {
        p.put(k.substring("admin.".length()), kafka.getProperty(k));
      }
    }
    return p;
  }

  /**
   * Asks the cluster for its id, within {@code default.api.timeout.ms} (15 s unless configured; lower it,
   * with {@code request.timeout.ms}, to fail faster); returns the id.
   */
  static String checkKafka(Properties kafka) throws UnreachableException, InterruptedException {
    Properties p = adminProperties(kafka);
    int timeout = positiveInt(p.getProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG), KAFKA_CHECK_TIMEOUT_MS);
    int request = positiveInt(p.getProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG), Math.min(10_000, timeout));
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(timeout, request)));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(request));
    String servers = kafka.getProperty("bootstrap.servers");
    Admin admin = null;
    try {
      admin = Admin.create(p);
      return admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout)).clusterId()
          .get(timeout + 5_000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new UnreachableException("cannot reach Kafka at " + servers + " within " + timeout + " ms ("
          + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "). Check bootstrap.servers "
          + "(--bootstrap-servers) and the security settings, or use --embedded for a local broker.", e);
    } finally {
      if (admin != null) {
        admin.close(Duration.ofSeconds(2));
      }
    }
  }

  private static int positiveInt(String v, int fallback) {
    try {
      int i = v == null ? fallback : Integer.parseInt(v.trim());
      return i > 0 ? i : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  static void checkRegistry(SchemaRegistryClient client, String url) throws UnreachableException {
    try {
      client.subjects();
    } catch (RuntimeException e) {
      throw new UnreachableException("cannot reach the schema registry at " + Settings.redactUrl(url) + " ("
          + Settings.redactUrl(String.valueOf(e.getMessage())) + "). Check schema.registry.url (--schema-registry-url); "
          + "it must speak the Confluent REST API (Confluent Schema Registry, Apicurio's /apis/ccompat/v7, Karapace).", e);
    }
  }

  public CellstreamService service() {
    return service;
  }

  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  public HttpApi http() {
    return http;
  }

  public ModelAdmin admin() {
    return admin;
  }

  public SchemaRegistryClient schemaRegistry() {
    return schemaRegistry;
  }

  public CellstreamConfig config() {
    return config;
  }

  /**
   * Closes everything; false if Kafka Streams did not close within {@code timeout}. HTTP stays up while
   * Kafka Streams closes (ready turns 503 at once, live stays 200), so probes see the shutdown.
   */
  public synchronized boolean close(Duration timeout) {
    if (closedCleanly != null) {
      return closedCleanly; // closed already (a command's own close, then try-with-resources)
    }
    boolean clean = service.close(timeout);
    closedCleanly = clean;
    if (http != null) {
      http.close();
    }
    admin.close();
    schemaRegistry.close();
    registry.close();
    return clean;
  }

  @Override
  public void close() {
    close(config.shutdownTimeout());
  }
}
