package io.cellstream.embedded;

import io.cellstream.util.FileTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: one KRaft node that is broker and controller at once, listening on
 * 127.0.0.1 only (plaintext), with replication factor 1 and min ISR 1 everywhere so that transactions
 * (exactly_once_v2), consumer groups and Kafka Streams' internal topics work on a single broker.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
 *   kafka.createTopic("events", 4);
 *   props.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>The data directory is a temporary one deleted on {@link #close()} unless {@link Builder#dataDir} names
 * one, which is formatted the first time and reused afterwards (the ports may differ between runs: the
 * quorum is the static single voter of the configuration). The storage is formatted with Kafka's own
 * {@code kafka-storage format}; the server is {@link KafkaRaftServer}, as {@code kafka-server-start}
 * runs it.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  private static final int START_ATTEMPTS = 3;

  private final Path dataDir;
  private final boolean deleteDataDir;
  private final int port;
  private final int controllerPort;
  private final KafkaRaftServer server;
  private final Thread cleanupHook;
  private Admin admin;
  private boolean closed;

  private EmbeddedKafka(Path dataDir, boolean deleteDataDir, int port, int controllerPort,
      KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.deleteDataDir = deleteDataDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.server = server;
    this.cleanupHook = new Thread(this::closeQuietly, "embedded-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A broker on free ports with a temporary data directory. */
  public static EmbeddedKafka start() {
    return builder().start();
  }

  /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public int controllerPort() {
    return controllerPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** {@code bootstrap.servers} alone, to start client configs from. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return c;
  }

  /** A new Admin client on this broker; the caller closes it. */
  public Admin newAdmin() {
    Map<String, Object> c = clientConfig();
    c.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin-" + Uuid.randomUuid());
    return Admin.create(c);
  }

  /** Creates a topic with replication factor 1 (if absent) and waits until all its partitions have a leader. */
  public void createTopic(String name, int partitions) {
    createTopics(List.of(new NewTopic(name, partitions, (short) 1)));
  }

  /** Creates a topic with topic configs (e.g. {@code cleanup.policy=compact}), as {@link #createTopic}. */
  public void createTopic(String name, int partitions, Map<String, String> configs) {
    createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
  }

  public void createTopics(NewTopic... topics) {
    createTopics(List.of(topics));
  }

  /**
   * Creates the topics that do not exist yet and waits until every partition of every one has a leader,
   * so that a producer started right after does not see UNKNOWN_TOPIC_OR_PARTITION.
   */
  public void createTopics(Collection<NewTopic> topics) {
    Admin a = admin();
    List<String> names = topics.stream().map(NewTopic::name).toList();
    try {
      for (var e : a.createTopics(topics).values().entrySet()) {
        try {
          e.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex);
          }
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          Map<String, TopicDescription> d = a.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
          if (d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) {
            return;
          }
        } catch (ExecutionException e) {
          // not visible in the metadata yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topics " + names + " have no leaders after 30 s");
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics " + names, e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out creating topics " + names, e);
    }
  }

  private synchronized Admin admin() {
    if (closed) {
      throw new IllegalStateException("the embedded broker is closed");
    }
    if (admin == null) {
      admin = newAdmin();
    }
    return admin;
  }

  /**
   * Drops this broker's own JVM shutdown hook: for an owner that stops the broker's clients first on shutdown
   * (see {@link EmbeddedStack#detachShutdownHooks}), since hooks run concurrently and the broker would vanish
   * under clients that are still closing.
   */
  void detachShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already: the hook runs as it would have
    }
  }

  /** Stops the broker (clean shutdown) and deletes its data directory if it was a temporary one. */
  @Override
  public void close() {
    closeQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already
    }
  }

  private void closeQuietly() {
    Admin a;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      a = admin;
      admin = null;
    }
    long t0 = System.nanoTime();
    if (a != null) {
      a.close(Duration.ofSeconds(5));
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      log.warn("embedded Kafka did not shut down cleanly", e);
    }
    if (deleteDataDir && !FileTrees.deleteTree(dataDir)) {
      log.warn("could not delete all of {}", dataDir);
    }
    log.info("embedded Kafka on {} stopped in {} ms", bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  /** Options; every one has a default suitable for tests. */
  public static final class Builder {
    private int port;
    private int controllerPort;
    private Path dataDir;
    private final Map<String, String> overrides = new LinkedHashMap<>();

    private Builder() {}

    /** The client port on 127.0.0.1; 0 (default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The controller (KRaft) port on 127.0.0.1; 0 (default) picks a free one. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = controllerPort;
      return this;
    }

    /** Keep data here, across restarts; default: a temporary directory deleted on close. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Any broker property, overriding ours (e.g. {@code log.retention.ms}). */
    public Builder config(String key, Object value) {
      overrides.put(key, String.valueOf(value));
      return this;
    }

    /** Formats the storage if needed and starts the broker; returns once it accepts requests. */
    public EmbeddedKafka start() {
      long t0 = System.nanoTime();
      boolean temp = dataDir == null;
      Path dir;
      try {
        dir = temp ? Files.createTempDirectory("cellstream-kafka-") : Files.createDirectories(dataDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the Kafka data directory", e);
      }
      RuntimeException failure = null;
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        int p = port != 0 ? port : Ports.freePort();
        int cp = controllerPort != 0 ? controllerPort : Ports.freePort();
        while (cp == p) {
          cp = Ports.freePort();
        }
        Properties props = properties(dir, p, cp);
        KafkaRaftServer server = null;
        try {
          format(dir, props);
          server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
          server.startup();
          EmbeddedKafka kafka = new EmbeddedKafka(dir, temp, p, cp, server);
          log.info("embedded Kafka started on {} in {} ms (data in {})", kafka.bootstrapServers(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
          return kafka;
        } catch (RuntimeException e) {
          failure = e;
          if (server != null) {
            try {
              server.shutdown();
              server.awaitShutdown();
            } catch (RuntimeException ignored) {
              // best effort
            }
          }
          boolean portClash = hasCause(e, BindException.class);
          if (!portClash || (port != 0 && controllerPort != 0)) {
            break;
          }
          log.info("port {} or {} was taken before the broker bound it; trying others", p, cp);
        }
      }
      if (temp) {
        FileTrees.deleteTree(dir);
      }
      throw new IllegalStateException("embedded Kafka did not start: " + failure, failure);
    }

    private Properties properties(Path dir, int p, int cp) {
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", String.valueOf(NODE_ID));
      props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + cp);
      props.put("listeners", "PLAINTEXT://127.0.0.1:" + p + ",CONTROLLER://127.0.0.1:" + cp);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + p);
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("controller.listener.names", "CONTROLLER");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("log.dirs", dir.resolve("kraft").toString());
      // One broker: every internal topic has one replica, and transactions need an ISR of one.
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "5");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("transaction.state.log.num.partitions", "5");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("default.replication.factor", "1");
      props.put("min.insync.replicas", "1");
      props.put("num.partitions", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      // Small and quick: tests, demos and a laptop, not production.
      props.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
      props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
      props.put("num.network.threads", "2");
      props.put("num.io.threads", "4");
      props.put("background.threads", "4");
      props.put("num.recovery.threads.per.data.dir", "1");
      // broker.heartbeat.interval.ms stays at Kafka's 2000: the controller gives each heartbeat half the interval,
      // and 250 ms (at 500) was missed on a loaded 2-core machine ("controller event queue overloaded. Timed out
      // heartbeat", REQUEST_TIMED_OUT), alarming lines for nothing; start-up takes as long either way (~0.6 s).
      props.putAll(overrides);
      return props;
    }

    private static void format(Path dir, Properties props) {
      Path logDir = Path.of(props.getProperty("log.dirs").split(",")[0]);
      if (Files.exists(logDir.resolve("meta.properties"))) {
        return;
      }
      Path config = dir.resolve("server.properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        props.store(out, "written by cellstream's EmbeddedKafka for kafka-storage format");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int rc;
      try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
        rc = StorageTool.execute(new String[] {"format", "--cluster-id", Uuid.randomUuid().toString(),
            "--config", config.toString(), "--ignore-formatted"}, ps);
      } catch (Exception e) {
        throw new IllegalStateException("kafka-storage format failed: " + e + "\n" + buf, e);
      }
      if (rc != 0) {
        throw new IllegalStateException("kafka-storage format exited with " + rc + ":\n" + buf);
      }
      log.debug("formatted {}: {}", logDir, buf.toString(StandardCharsets.UTF_8).strip());
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
      List<Throwable> seen = new ArrayList<>();
      for (Throwable c = t; c != null && !seen.contains(c); c = c.getCause()) {
        if (type.isInstance(c)) {
          return true;
        }
        seen.add(c);
      }
      return false;
    }
  }

  @Override
  public String toString() {
    return "EmbeddedKafka[" + bootstrapServers() + ", " + dataDir + "]";
  }
}
