package io.cellstream.testing;

import static org.awaitility.Awaitility.await;

import io.cellstream.embedded.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka broker in a JVM of its own (the project's {@link EmbeddedKafka} run by {@link #main}), on fixed ports and
 * a data directory that outlive it, so that a test can stop it — SIGTERM or kill -9 — and start it again as the
 * same broker while the services stay up: what a broker restart looks like to them. The services never hold it in
 * their own process.
 */
public final class BrokerProcess implements AutoCloseable {

  private static final String READY = "BROKER READY ";

  private final Path dataDir;
  private final int port;
  private final int controllerPort;
  private final Path log;
  private Process process;

  private BrokerProcess(Path dataDir, int port, int controllerPort, Path log) {
    this.dataDir = dataDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.log = log;
  }

  /** Starts a broker keeping its data in {@code dataDir}, on two free ports that it keeps across restarts. */
  public static BrokerProcess start(Path dataDir, Path log) {
    int port = TestPortsHolder.freePort();
    int controller = TestPortsHolder.freePort();
    while (controller == port) {
      controller = TestPortsHolder.freePort();
    }
    BrokerProcess b = new BrokerProcess(dataDir, port, controller, log);
    b.startAgain();
    return b;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Starts the broker (again) on the same ports and data; returns once it accepts requests. */
  public synchronized void startAgain() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the broker is running");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx384m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BrokerProcess.class.getName());
    cmd.add(dataDir.toAbsolutePath().toString());
    cmd.add(String.valueOf(port));
    cmd.add(String.valueOf(controllerPort));
    long readyBefore = readyLines(); // the log is appended to across restarts
    try {
      Files.createDirectories(log.getParent());
      process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process p = process;
    await().atMost(Duration.ofSeconds(120)).alias("the broker process is ready (" + log + ")").until(() -> {
      if (!p.isAlive()) {
        throw new IllegalStateException("the broker process exited with " + p.exitValue() + "; see " + log);
      }
      return readyLines() > readyBefore;
    });
  }

  private long readyLines() {
    try {
      return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith(READY)).count() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** SIGTERM: the broker shuts down cleanly. */
  public synchronized void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** SIGKILL. */
  public synchronized void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      try {
        stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }

  /** The child: args = data directory, port, controller port. Runs until killed (SIGTERM closes the broker). */
  public static void main(String[] args) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(Path.of(args[0])).port(Integer.parseInt(args[1]))
        .controllerPort(Integer.parseInt(args[2]))
        // Groups form at once after a restart, as in the service's own embedded broker.
        .config("group.initial.rebalance.delay.ms", 0)
        .start();
    System.out.println(READY + kafka.bootstrapServers());
    System.out.flush();
    Thread.currentThread().join(); // EmbeddedKafka's shutdown hook closes it on SIGTERM
  }

  /** Free ports as the embedded package's tests find them. */
  private static final class TestPortsHolder {
    static int freePort() {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
