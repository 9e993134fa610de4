package io.cellstream.embedded;

import io.cellstream.util.FileTrees;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real schema registry speaking the Confluent REST API: Apicurio Registry {@value
 * ApicurioDistribution#VERSION} (from Maven Central) run as a child JVM, bound to 127.0.0.1 only (its
 * management port too), with in-memory storage. {@link #url()} is the Confluent-compatible base URL to use
 * as {@code schema.registry.url}. Schemas live in memory unless {@link Builder#dataDir} names a directory.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().start()) {
 *   var client = new SchemaRegistryClient(registry.url());
 * }
 * }</pre>
 *
 * <p>The child never outlives this JVM: {@link #close()} and a shutdown hook stop it (SIGTERM, then
 * SIGKILL after a grace period), and a watchdog agent in the child exits it when our end of its stdin
 * closes, which also covers {@code kill -9} of this JVM. Its output goes to {@link #logFile()}.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

  /** The Confluent-compatible API's path in Apicurio Registry 3. */
  public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
  /** System property naming the {@code java} executable for the registry child. */
  public static final String JAVA_PROPERTY = "cellstream.registry.java";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
  private static final List<String> DEFAULT_JVM_OPTIONS = List.of(
      "-Xms64m", "-Xmx192m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-XX:ReservedCodeCacheSize=64m", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData");
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final int port;
  private final int managementPort;
  private final Path logFile;
  private final Path runDir;
  private final boolean deleteRunDir;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private EmbeddedSchemaRegistry(Process process, int port, int managementPort, Path logFile, Path runDir,
      boolean deleteRunDir) {
    this.process = process;
    this.port = port;
    this.managementPort = managementPort;
    this.logFile = logFile;
    this.runDir = runDir;
    this.deleteRunDir = deleteRunDir;
    this.shutdownHook = new Thread(this::stop, "embedded-schema-registry-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A registry on free ports with default settings. */
  public static EmbeddedSchemaRegistry start() {
    return builder().start();
  }

  /** {@code http://127.0.0.1:<port>/apis/ccompat/v7}: the value for {@code schema.registry.url}. */
  public String url() {
    return baseUrl() + CCOMPAT_PATH;
  }

  /** {@code http://127.0.0.1:<port>}: Apicurio's own API and UI live below it. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Quarkus' management interface (health, metrics), also on 127.0.0.1. */
  public int managementPort() {
    return managementPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The child's stdout and stderr. */
  public Path logFile() {
    return logFile;
  }

  /** The child's resident memory (Linux {@code /proc/<pid>/status} VmRSS), if it can be read. */
  public OptionalLong residentMemoryBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return OptionalLong.empty();
  }

  /** Drops the registry's own JVM shutdown hook; see {@link EmbeddedKafka#detachShutdownHook()}. */
  void detachShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already: the hook runs as it would have
    }
  }

  /** Stops the registry (SIGTERM, SIGKILL after 10 s) and removes its temporary files. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already
    }
  }

  private synchronized void stop() {
    if (closed) {
      return;
    }
    closed = true;
    long t0 = System.nanoTime();
    kill(process);
    if (deleteRunDir) {
      FileTrees.deleteTree(runDir);
    }
    log.info("embedded schema registry on port {} stopped in {} ms", port,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  private static void kill(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedSchemaRegistry[" + url() + ", pid " + process.pid() + "]";
  }

  /** Options; every one has a default. */
  public static final class Builder {
    private int port;
    private int managementPort;
    private Path home;
    private Path logFile;
    private Path dataDir;
    private Path java;
    private Duration startupTimeout = Duration.ofSeconds(120);
    private final List<String> jvmOptions = new ArrayList<>(DEFAULT_JVM_OPTIONS);
    private final Map<String, String> properties = new LinkedHashMap<>();

    private Builder() {}

    /** The HTTP port on 127.0.0.1; 0 (default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The management port on 127.0.0.1; 0 (default) picks a free one. */
    public Builder managementPort(int managementPort) {
      this.managementPort = managementPort;
      return this;
    }

    /** An unpacked Apicurio distribution; default: {@link ApicurioDistribution#home()}. */
    public Builder home(Path home) {
      this.home = home;
      return this;
    }

    /**
     * Keep the schemas in an H2 database file in this directory, across restarts (the ids stay valid for
     * the records already in Kafka); default: in memory, gone on close. One registry per directory.
     */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /**
     * The {@code java} to run the registry with (Java 21+ with the full set of modules); default: system
     * property {@value #JAVA_PROPERTY}, else this JVM's own. A jlink image trimmed to cellstream's modules
     * cannot run Apicurio.
     */
    public Builder java(Path java) {
      this.java = java;
      return this;
    }

    /** Where the child's output goes (kept); default: a temporary file removed on close. */
    public Builder logFile(Path logFile) {
      this.logFile = logFile;
      return this;
    }

    public Builder startupTimeout(Duration startupTimeout) {
      this.startupTimeout = startupTimeout;
      return this;
    }

    /** Replaces the child's JVM options (default: a 192 MB heap, serial GC, C1 only). */
    public Builder jvmOptions(List<String> options) {
      jvmOptions.clear();
      jvmOptions.addAll(options);
      return this;
    }

    /** A Quarkus/Apicurio property for the child, e.g. {@code apicurio.ccompat.legacy-id-mode.enabled}. */
    public Builder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    /** Starts the child and waits until the Confluent-compatible API answers. */
    public EmbeddedSchemaRegistry start() {
      long t0 = System.nanoTime();
      Path dist = home != null ? home : ApicurioDistribution.home();
      Path runDir;
      try {
        runDir = Files.createTempDirectory("cellstream-registry-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path log = logFile != null ? logFile : runDir.resolve("registry.log");
      IllegalStateException failure = null;
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        int p = port != 0 ? port : Ports.freePort();
        int mp = managementPort != 0 ? managementPort : Ports.freePort();
        while (mp == p) {
          mp = Ports.freePort();
        }
        Process process;
        try {
          process = launch(dist, runDir, log, p, mp);
        } catch (IOException e) {
          FileTrees.deleteTree(runDir);
          throw new UncheckedIOException("cannot start the schema registry (java from "
              + System.getProperty("java.home") + ")", e);
        }
        try {
          awaitReady(process, p, log);
          EmbeddedSchemaRegistry r = new EmbeddedSchemaRegistry(process, p, mp, log, runDir, true);
          EmbeddedSchemaRegistry.log.info("embedded schema registry (Apicurio {}) at {} in {} ms, pid {}",
              ApicurioDistribution.VERSION, r.url(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
              process.pid());
          return r;
        } catch (IllegalStateException e) {
          kill(process);
          failure = e;
          String tail = tail(log, 200);
          boolean portClash = tail.contains("Port already bound") || tail.contains("Address already in use");
          if (!portClash || (port != 0 && managementPort != 0)) {
            break;
          }
          EmbeddedSchemaRegistry.log.info("port {} or {} was taken; trying others", p, mp);
        }
      }
      // The run directory (with the log) stays for a look when the start failed.
      throw failure;
    }

    private Process launch(Path dist, Path runDir, Path log, int p, int mp) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(java != null ? java.toString() : javaExecutable());
      cmd.addAll(jvmOptions);
      cmd.add("-javaagent:" + watchdogAgent(runDir));
      cmd.add("-Dquarkus.http.host=127.0.0.1");
      cmd.add("-Dquarkus.http.port=" + p);
      cmd.add("-Dquarkus.management.host=127.0.0.1");
      cmd.add("-Dquarkus.management.port=" + mp);
      cmd.add("-Dquarkus.banner.enabled=false");
      if (dataDir != null) {
        Path db = Files.createDirectories(dataDir).toAbsolutePath().resolve("registry");
        cmd.add("-Dapicurio.datasource.url=jdbc:h2:file:" + db.toString().replace('\\', '/'));
      }
      for (var e : properties.entrySet()) {
        cmd.add("-D" + e.getKey() + "=" + e.getValue());
      }
      cmd.add("-jar");
      cmd.add(dist.resolve(ApicurioDistribution.RUNNER).toString());
      Files.createDirectories(log.toAbsolutePath().getParent());
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .directory(runDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      // Our JVM options must not leak into the registry's (an agent, a 4 GB heap, the incubator module).
      pb.environment().remove("JAVA_TOOL_OPTIONS");
      pb.environment().remove("JDK_JAVA_OPTIONS");
      pb.environment().remove("_JAVA_OPTIONS");
      // stdin stays a pipe from us: the watchdog agent exits the child when it closes.
      EmbeddedSchemaRegistry.log.debug("starting schema registry: {}", String.join(" ", cmd));
      return pb.start();
    }

    private void awaitReady(Process process, int p, Path log) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2)).build();
      try (http) {
        URI probe = URI.create("http://127.0.0.1:" + p + CCOMPAT_PATH + "/subjects");
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (true) {
          if (!process.isAlive()) {
            throw new IllegalStateException("the schema registry exited with " + process.exitValue()
                + " while starting; the end of " + log + ":\n" + tail(log, 40));
          }
          try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).GET()
                .build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 200) {
              return;
            }
          } catch (IOException e) {
            // not listening yet
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the schema registry did not answer on " + probe + " within "
                + startupTimeout.toSeconds() + " s; the end of " + log + ":\n" + tail(log, 40));
          }
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the schema registry", e);
      }
    }

    private static String javaExecutable() {
      String configured = System.getProperty(JAVA_PROPERTY);
      if (configured != null && !configured.isBlank()) {
        return configured;
      }
      Path fromHome = Path.of(System.getProperty("java.home"), "bin",
          System.getProperty("os.name", "").startsWith("Windows") ? "java.exe" : "java");
      if (Files.isExecutable(fromHome)) {
        return fromHome.toString();
      }
      return ProcessHandle.current().info().command().orElse("java");
    }
  }

  /** Writes a jar holding {@link ParentWatchdog} as a Java agent into {@code dir}. */
  static Path watchdogAgent(Path dir) throws IOException {
    Path jar = dir.resolve("cellstream-watchdog.jar");
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(new Attributes.Name("Premain-Class"), ParentWatchdog.class.getName());
    String entry = ParentWatchdog.class.getName().replace('.', '/') + ".class";
    try (var in = ParentWatchdog.class.getClassLoader().getResourceAsStream(entry);
        OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jos = new JarOutputStream(out, m)) {
      if (in == null) {
        throw new IOException("cannot find " + entry + " on the class path");
      }
      jos.putNextEntry(new JarEntry(entry));
      in.transferTo(jos);
      jos.closeEntry();
    }
    return jar;
  }

  /** The last lines of a file, read from its last 64 KB, never failing. */
  static String tail(Path file, int lines) {
    try (var ch = Files.newByteChannel(file)) {
      long size = ch.size();
      int n = (int) Math.min(size, 64 * 1024);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(n);
      ch.position(size - n);
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // read on
      }
      List<String> all = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(no log: " + e + ")";
    }
  }
}
