package io.cellstream.testing;

import io.cellstream.embedded.EmbeddedKafka;
import io.cellstream.embedded.EmbeddedSchemaRegistry;
import io.cellstream.embedded.EmbeddedStack;
import io.cellstream.serde.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * ONE in-process Kafka broker and ONE Apicurio schema registry for the whole test JVM, shared by every
 * integration test class ({@code *IT}, run by failsafe; the fast lane refuses to start them). Started on first use (about 6 s: the registry is a child JVM, the broker starts
 * meanwhile), stopped when the JVM exits (shutdown hooks) or, for classes that use
 * {@link SharedStackExtension}, when JUnit finishes.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * @ExtendWith(SharedStackExtension.class)
 * class MyStreamTest {
 *   @Test
 *   void learns(EmbeddedStack stack) {                        // injected, or SharedStack.get()
 *     String events = SharedStack.uniqueName("events");      // never reuse names across tests
 *     stack.kafka().createTopic(events, 4);
 *     Map<String, Object> streams = SharedStack.streamsConfig(SharedStack.uniqueName("app"));
 *     var serde = new AvroSerde<>(Event.class, SharedStack.registryClient());
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Topics, application ids, group ids and transactional ids must be unique per test: use
 *       {@link #uniqueName}. Nothing is cleaned between tests; the broker and the registry keep
 *       everything until the JVM ends.</li>
 *   <li>Never close the stack, the broker, the registry or {@link #registryClient()} from a test.</li>
 *   <li>Registry subjects follow topic names ({@code <topic>-value}), so unique topics mean unique
 *       subjects; a test that changes a subject's compatibility must use its own topic.</li>
 *   <li>A test that needs its own broker (restart, data directory) starts an {@link EmbeddedKafka} itself
 *       and closes it.</li>
 * </ul>
 *
 * <p>The registry's output goes to {@code target/shared-stack-registry.log}.
 */
public final class SharedStack {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static volatile EmbeddedStack stack;
  private static volatile SchemaRegistryClient client;

  private SharedStack() {}

  /** The system property the build sets to {@code fast} in the fast lane (surefire) and {@code integration} in failsafe. */
  public static final String LANE_PROPERTY = "cellstream.test.lane";

  /** The shared broker and registry, started on first call. Do not close it. */
  public static EmbeddedStack get() {
    EmbeddedStack s = stack;
    if (s == null) {
      synchronized (SharedStack.class) {
        s = stack;
        if (s == null) {
          if ("fast".equals(System.getProperty(LANE_PROPERTY))) {
            // The fast lane promises no broker and no registry process; a class that needs them is an *IT.
            throw new IllegalStateException("the shared broker and registry were asked for in the fast test lane: "
                + "rename the test class to *IT (integration lane), or use an InMemorySchemaRegistry");
          }
          EmbeddedSchemaRegistry.Builder registry = EmbeddedSchemaRegistry.builder();
          if (Files.isDirectory(Path.of("target"))) {
            registry.logFile(Path.of("target", "shared-stack-registry.log").toAbsolutePath());
          }
          s = EmbeddedStack.start(EmbeddedKafka.builder(), registry);
          stack = s;
        }
      }
    }
    return s;
  }

  /** Stops the shared stack (JUnit's root store does this at the end of the run); a later get() restarts it. */
  static synchronized void shutdown() {
    SchemaRegistryClient c = client;
    client = null;
    if (c != null) {
      c.close();
    }
    EmbeddedStack s = stack;
    stack = null;
    if (s != null) {
      s.close();
    }
  }

  /** {@code bootstrap.servers} of the shared broker. */
  public static String bootstrapServers() {
    return get().bootstrapServers();
  }

  /** {@code schema.registry.url} of the shared registry (Apicurio's Confluent-compatible API). */
  public static String schemaRegistryUrl() {
    return get().schemaRegistryUrl();
  }

  /** A registry client for the shared registry, shared too (its caches are per id, so that is fine). */
  public static SchemaRegistryClient registryClient() {
    SchemaRegistryClient c = client;
    if (c == null) {
      synchronized (SharedStack.class) {
        c = client;
        if (c == null) {
          c = new SchemaRegistryClient(schemaRegistryUrl());
          client = c;
        }
      }
    }
    return c;
  }

  /**
   * A name no other test in this JVM gets: {@code <prefix>-<n>-<random>}, valid as a topic, application
   * id, group id or transactional id.
   */
  public static String uniqueName(String prefix) {
    String p = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return p + "-" + COUNTER.incrementAndGet() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
  }

  /**
   * A starting Kafka Streams config: application id, bootstrap servers, registry URL, one stream thread,
   * a short commit interval and a state directory under the temp directory unique to the app.
   */
  public static Map<String, Object> streamsConfig(String applicationId) {
    Map<String, Object> c = get().clientConfig();
    c.put("application.id", applicationId);
    c.put("num.stream.threads", 1);
    c.put("commit.interval.ms", 100);
    c.put("state.dir", Path.of(System.getProperty("java.io.tmpdir"), "cellstream-streams", applicationId)
        .toString());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return c;
  }

  /** A starting producer config (acks=all, idempotent) with byte[] keys and values. */
  public static Map<String, Object> producerConfig() {
    Map<String, Object> c = get().clientConfig();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
        org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    return c;
  }

  /** A starting consumer config: a unique group, from the earliest offset, read_committed, byte[]s. */
  public static Map<String, Object> consumerConfig() {
    Map<String, Object> c = get().clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, uniqueName("group"));
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
        org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    return c;
  }
}
