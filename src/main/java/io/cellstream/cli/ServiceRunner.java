package io.cellstream.cli;

import io.cellstream.config.CellstreamConfig;
import io.cellstream.http.HttpApi;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.CellstreamService;
import io.cellstream.stream.ModelAdmin;
import io.cellstream.stream.ModelRecords;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one service instance from a validated configuration: checks that Kafka and the schema registry
 * answer (with a message that says what to do when they don't), creates the topics, starts Kafka Streams and
 * the HTTP interface. Shared by {@code run}, {@code demo}, {@code replay} and {@code bench stream}.
 */
public final class ServiceRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

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

  private ServiceRunner(CellstreamConfig config, boolean withHttp) throws IOException, UnreachableException, InterruptedException {
    this.config = config;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);

    checkKafka(config.kafka());
    this.schemaRegistry = new SchemaRegistryClient(config.schemaRegistryUrl(), config.schemaRegistryBasicAuth(),
        Duration.ofSeconds(10));
    checkRegistry(schemaRegistry, config.schemaRegistryUrl());

    Properties streams = new Properties();
    streams.putAll(config.kafka());
    int httpPort = config.httpPort();
    if (withHttp) {
      if (httpPort == 0) {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(config.httpHost()))) {
          httpPort = s.getLocalPort();
        }
      }
      streams.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHost(config.httpHost()) + ":" + httpPort);
    }
    LstmKernel kernel = LstmKernels.get();
    CellstreamSerdes serdes = CellstreamSerdes.using(schemaRegistry);
    this.service = new CellstreamService(config.stream(), streams, serdes, registry, kernel);
    service.ensureTopics(config.topicPartitions(), config.topicReplicationFactor(), config.createTopics());
    this.admin = new ModelAdmin(service, new ModelRecords(serdes.models(), config.stream().topics().models()),
        service.clientProperties());
    this.http = withHttp ? new HttpApi(config.httpHost(), httpPort, service, registry, admin, config.adminToken()) : null;
  }

  /** Checks, creates topics, starts streams and HTTP. */
  public static ServiceRunner start(CellstreamConfig config, boolean withHttp)
      throws IOException, UnreachableException, InterruptedException {
    ServiceRunner r = new ServiceRunner(config, withHttp);
    if (r.http != null) {
      r.http.start();
    }
    r.service.start();
    return r;
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

  static void checkKafka(Properties kafka) throws UnreachableException, InterruptedException {
    Properties p = new Properties();
    for (String k : kafka.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(k)) {
        p.put(k, kafka.getProperty(k));
      }
    }
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    String servers = kafka.getProperty("bootstrap.servers");
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(15_000)).clusterId().get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new UnreachableException("cannot reach Kafka at " + servers + " (" + cause.getClass().getSimpleName()
          + ": " + cause.getMessage() + "). Check bootstrap.servers (--bootstrap-servers) and the security settings, "
          + "or use --embedded for a local broker.", e);
    }
  }

  static void checkRegistry(SchemaRegistryClient client, String url) throws UnreachableException {
    try {
      client.subjects();
    } catch (RuntimeException e) {
      throw new UnreachableException("cannot reach the schema registry at " + url + " (" + e.getMessage()
          + "). Check schema.registry.url (--schema-registry-url); it must speak the Confluent REST API "
          + "(Confluent Schema Registry, Apicurio's /apis/ccompat/v7, Karapace).", e);
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

  /** Closes everything; false if Kafka Streams did not close within the configured timeout. */
  public boolean close(Duration timeout) {
    boolean clean = service.close(timeout);
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
