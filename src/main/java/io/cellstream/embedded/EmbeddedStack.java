package io.cellstream.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * An {@link EmbeddedKafka} broker and an {@link EmbeddedSchemaRegistry} together, started in parallel
 * (the registry is a child JVM, so the two overlap) and closed together: what the demo, {@code run
 * --embedded} and the integration tests need.
 *
 * <pre>{@code
 * try (EmbeddedStack stack = EmbeddedStack.start()) {
 *   Map<String, Object> config = stack.clientConfig();   // bootstrap.servers + schema.registry.url
 * }
 * }</pre>
 */
public final class EmbeddedStack implements AutoCloseable {

  /** Kafka's {@code schema.registry.url} client setting, as Confluent's serdes name it. */
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private Thread orderedShutdown; // set by closeOnShutdownAfter

  private EmbeddedStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry) {
    this.kafka = kafka;
    this.registry = registry;
  }

  /** Both on free ports with defaults. */
  public static EmbeddedStack start() {
    return start(EmbeddedKafka.builder(), EmbeddedSchemaRegistry.builder());
  }

  /**
   * Both keeping their data under {@code dataDir} ({@code kafka/} and {@code registry/}), so that a
   * restart finds the topics and the schema ids their records refer to; ports are free ones.
   */
  public static EmbeddedStack start(java.nio.file.Path dataDir) {
    return start(EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")),
        EmbeddedSchemaRegistry.builder().dataDir(dataDir.resolve("registry"))
            .logFile(dataDir.resolve("registry.log")));
  }

  /** Both from the given builders; if either fails to start, the other is stopped. */
  public static EmbeddedStack start(EmbeddedKafka.Builder kafkaBuilder,
      EmbeddedSchemaRegistry.Builder registryBuilder) {
    CompletableFuture<EmbeddedSchemaRegistry> registry =
        CompletableFuture.supplyAsync(registryBuilder::start, r -> {
          Thread t = new Thread(r, "embedded-schema-registry-start");
          t.setDaemon(true);
          t.start();
        });
    EmbeddedKafka kafka;
    try {
      kafka = kafkaBuilder.start();
    } catch (RuntimeException e) {
      registry.thenAccept(EmbeddedSchemaRegistry::close);
      throw e;
    }
    try {
      return new EmbeddedStack(kafka, registry.join());
    } catch (CompletionException e) {
      kafka.close();
      throw e.getCause() instanceof RuntimeException re ? re : e;
    }
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  public EmbeddedSchemaRegistry registry() {
    return registry;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** The registry's Confluent-compatible URL. */
  public String schemaRegistryUrl() {
    return registry.url();
  }

  /** {@code bootstrap.servers} and {@code schema.registry.url}, to start client configs from. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    c.put(SCHEMA_REGISTRY_URL, registry.url());
    return c;
  }

  /**
   * On JVM shutdown (Ctrl-C, SIGTERM), runs {@code first} — typically: tell the application to stop its clients
   * and wait until it has — and only then stops the broker and the registry. Without this, the components' own
   * hooks, which the JVM runs concurrently with any other, pull the broker from under clients still closing.
   */
  public synchronized void closeOnShutdownAfter(Runnable first) {
    kafka.detachShutdownHook();
    registry.detachShutdownHook();
    orderedShutdown = new Thread(() -> {
      try {
        first.run();
      } finally {
        close();
      }
    }, "embedded-stack-shutdown");
    Runtime.getRuntime().addShutdownHook(orderedShutdown);
  }

  /** Stops both, the registry in the background while the broker shuts down. */
  @Override
  public void close() {
    Thread hook;
    synchronized (this) {
      hook = orderedShutdown;
      orderedShutdown = null;
    }
    if (hook != null && hook != Thread.currentThread()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already
      }
    }
    CompletableFuture<Void> r = CompletableFuture.runAsync(registry::close);
    try {
      kafka.close();
    } finally {
      r.join();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedStack[" + kafka.bootstrapServers() + ", " + registry.url() + "]";
  }
}
