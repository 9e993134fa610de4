package io.cellstream.embedded;

import io.cellstream.util.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EmbeddedKafka} broker and an {@link EmbeddedSchemaRegistry} together, started in parallel
 * (the registry is a child JVM, so the two overlap) and closed together: what the demo, {@code run
 * --embedded} and the integration tests need.
 *
 * <p>A stack from {@link #start()} or {@link #start(Path)} has a {@link #directory()} that holds everything a
 * local run keeps: the broker's log ({@code kafka/}), Kafka Streams' state ({@link #streamsStateDir()}), the
 * registry's schemas ({@code registry/}, kept ones only) and the logs. From {@link #start()} it is a private
 * temporary directory, deleted on {@link #close()}: state that belongs to a broker must not outlive it, or the
 * next run would restore offsets of a log that no longer exists. Two such stacks never share anything, so two
 * local instances run side by side.
 *
 * <pre>{@code
 * try (EmbeddedStack stack = EmbeddedStack.start()) {
 *   Map<String, Object> config = stack.clientConfig();   // bootstrap.servers + schema.registry.url
 *   config.put("state.dir", stack.streamsStateDir().toString());
 * }
 * }</pre>
 */
public final class EmbeddedStack implements AutoCloseable {

  /** Kafka's {@code schema.registry.url} client setting, as Confluent's serdes name it. */
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  /** The prefix of the private temporary directories in {@code java.io.tmpdir}. */
  static final String TEMPORARY_PREFIX = "cellstream-embedded-";
  /** In a temporary directory: the pid and start time of the JVM that owns it. */
  static final String OWNER_FILE = "owner";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private final Path directory;
  private final boolean temporary;

  private EmbeddedStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, Path directory, boolean temporary) {
    this.kafka = kafka;
    this.registry = registry;
    this.directory = directory;
    this.temporary = temporary;
  }

  /**
   * Both on free ports, everything in a private temporary directory deleted on close (schemas in memory). Also
   * removes the temporary directories of earlier stacks whose JVM is gone without closing them (kill -9).
   */
  public static EmbeddedStack start() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    sweepAbandoned(tmp);
    Path dir;
    try {
      dir = Files.createTempDirectory(tmp, TEMPORARY_PREFIX);
      Files.writeString(dir.resolve(OWNER_FILE), owner(ProcessHandle.current()), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the embedded broker in " + tmp, e);
    }
    try {
      return start(EmbeddedKafka.builder().dataDir(dir.resolve("kafka")),
          EmbeddedSchemaRegistry.builder().logFile(dir.resolve("registry.log")), dir, true);
    } catch (RuntimeException e) {
      FileTrees.deleteTree(dir);
      throw e;
    }
  }

  /**
   * Both keeping their data under {@code dataDir} ({@code kafka/} and {@code registry/}), so that a
   * restart finds the topics and the schema ids their records refer to; ports are free ones.
   */
  public static EmbeddedStack start(Path dataDir) {
    return start(EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")),
        EmbeddedSchemaRegistry.builder().dataDir(dataDir.resolve("registry"))
            .logFile(dataDir.resolve("registry.log")), dataDir, false);
  }

  /**
   * Both from the given builders (their own directories: {@link #directory()} is empty); if either fails to
   * start, the other is stopped.
   */
  public static EmbeddedStack start(EmbeddedKafka.Builder kafkaBuilder,
      EmbeddedSchemaRegistry.Builder registryBuilder) {
    return start(kafkaBuilder, registryBuilder, null, false);
  }

  private static EmbeddedStack start(EmbeddedKafka.Builder kafkaBuilder,
      EmbeddedSchemaRegistry.Builder registryBuilder, Path directory, boolean temporary) {
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
      return new EmbeddedStack(kafka, registry.join(), directory, temporary);
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

  /** Where this stack keeps its data, state and logs; empty for a stack started from builders. */
  public Optional<Path> directory() {
    return Optional.ofNullable(directory);
  }

  /** Whether {@link #directory()} is a private temporary one, deleted on close. */
  public boolean isTemporary() {
    return temporary;
  }

  /** The Kafka Streams {@code state.dir} that belongs with this broker: {@code streams/} in {@link #directory()}. */
  public Path streamsStateDir() {
    return requireDirectory().resolve("streams");
  }

  /** Where a command run on this stack writes its full log: {@code cellstream.log} in {@link #directory()}. */
  public Path logFile() {
    return requireDirectory().resolve("cellstream.log");
  }

  private Path requireDirectory() {
    if (directory == null) {
      throw new IllegalStateException("this stack was started from builders and has no directory of its own");
    }
    return directory;
  }

  /** {@code bootstrap.servers} and {@code schema.registry.url}, to start client configs from. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    c.put(SCHEMA_REGISTRY_URL, registry.url());
    return c;
  }

  /**
   * Drops the broker's and the registry's own JVM shutdown hooks, for an owner that closes the stack itself after
   * its clients (the commands' {@code StopSignal}): the JVM runs all hooks at once, and the broker's would pull it
   * from under clients that are still closing. The registry child still never outlives this JVM (its watchdog).
   */
  public void detachShutdownHooks() {
    kafka.detachShutdownHook();
    registry.detachShutdownHook();
  }

  /** Stops both, the registry in the background while the broker shuts down; deletes a temporary directory. */
  @Override
  public void close() {
    CompletableFuture<Void> r = CompletableFuture.runAsync(registry::close);
    try {
      kafka.close();
    } finally {
      r.join();
      if (temporary && !FileTrees.deleteTree(directory)) {
        log.warn("could not delete all of the embedded stack's temporary directory {}", directory);
      }
    }
  }

  /**
   * Deletes the private temporary directories under {@code tmp} whose owning JVM is gone (killed before it could
   * close its stack): demonstrably nobody's state. A directory whose owner file is missing or unreadable is left
   * alone (it may be a stack that is starting right now).
   */
  static void sweepAbandoned(Path tmp) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, TEMPORARY_PREFIX + "*")) {
      for (Path dir : dirs) {
        Path ownerFile = dir.resolve(OWNER_FILE);
        String recorded;
        try {
          recorded = Files.readString(ownerFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          continue;
        }
        if (!ownerAlive(recorded) && FileTrees.deleteTree(dir)) {
          log.info("removed {}, the temporary directory of an embedded run that was killed before it could", dir);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("could not look for abandoned temporary directories in {}: {}", tmp, e.toString());
    }
  }

  /** {@code <pid> <start instant>}: the start time tells a live owner from a later process with its pid. */
  static String owner(ProcessHandle p) {
    return p.pid() + " " + p.info().startInstant().map(Instant::toString).orElse("?");
  }

  private static boolean ownerAlive(String recorded) {
    String[] parts = recorded.split(" ", 2);
    long pid;
    try {
      pid = Long.parseLong(parts[0]);
    } catch (NumberFormatException e) {
      return true; // not ours to judge
    }
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(EmbeddedStack::owner)
        .map(now -> now.equals(recorded)).orElse(false);
  }

  @Override
  public String toString() {
    return "EmbeddedStack[" + kafka.bootstrapServers() + ", " + registry.url()
        + (directory == null ? "" : ", " + directory + (temporary ? " (temporary)" : "")) + "]";
  }
}
