package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.testing.CellstreamProcess;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import io.cellstream.util.FileTrees;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cellstream run} as an operator runs it: {@code bin/cellstream} in a child process, so that exit codes
 * are the process's own, stopped with SIGTERM ({@link CellstreamProcess#terminate()}).
 */
@ExtendWith(SharedStackExtension.class)
class RunProcessIT {

  private static final Pattern HTTP_LINE = Pattern.compile("HTTP on http://127\\.0\\.0\\.1:(\\d+) ");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Children started inside a test's body rather than in a try-with-resources of their own. */
  private final List<CellstreamProcess> closeAtTheEnd = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    closeAtTheEnd.forEach(CellstreamProcess::close);
  }

  @Test
  void sigtermClosesCleanlyExitsZeroAndNoSecretIsEverLogged(@TempDir Path dir) throws Exception {
    String app = SharedStack.uniqueName("sigterm");
    Path jaas = dir.resolve("jaas");
    Files.writeString(jaas, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"jaas-secret-from-file\";");
    List<String> args = new ArrayList<>(List.of("run", "--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(), "--application-id", app, "--http-port", "0"));
    for (String t : List.of("events", "labels", "predictions", "dead-letters", "models")) {
      args.addAll(List.of("--set", "cellstream.topic." + t + "=" + app + "-" + t));
    }
    args.addAll(List.of("--set", "state.dir=" + dir.resolve("state"),
        "--set", "cellstream.shutdown.timeout-seconds=20",
        "--set", "cellstream.model.hidden-size=8", "--set", "cellstream.model.input-size=2",
        "--set", "sasl.jaas.config.file=" + jaas,
        "--set", "ssl.key.password=set-secret-on-the-command-line"));
    try (CellstreamProcess p = CellstreamProcess.command(args).outputIn(dir)
        .env("CELLSTREAM_ADMIN_TOKEN", "env-secret-admin-token-0123")
        .env("CELLSTREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD", "env-secret-truststore").start()) {
      awaitReady(p, Duration.ofSeconds(60));

      long t0 = System.nanoTime();
      p.terminate();
      assertThat(p.waitFor(Duration.ofSeconds(40))).as("exits within the shutdown timeout").isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      String err = p.stderr();
      assertThat(p.exitValue()).as(p.describe()).isEqualTo(RunCommand.EXIT_OK);
      assertThat(seconds).isLessThan(25);
      assertThat(err).contains("shutdown requested; closing Kafka Streams (timeout 20 s)")
          .contains("Kafka Streams PENDING_SHUTDOWN -> NOT_RUNNING")
          .contains("closed cellstream cleanly")
          .contains("stopped (clean), exit code 0");
      assertThat(p.stdout()).as("run prints no results, so nothing on stdout").isEmpty();
      // The start logged the configuration with the secrets masked; no value of a secret appears anywhere.
      assertThat(err).contains("cellstream.admin.token = ******", "sasl.jaas.config = ******",
          "ssl.key.password = ******", "ssl.truststore.password = ******");
      assertThat(err).doesNotContain("env-secret-admin-token", "jaas-secret-from-file", "set-secret-on-the-command-line",
          "env-secret-truststore");
      assertThat(dir.resolve("state").resolve(app).resolve(StateDirectoryGuard.MARKER)).as("cluster recorded").exists();
    }
  }

  /**
   * Two {@code run --embedded} side by side, without --data-dir: each its own broker, registry, state directory and
   * HTTP port, no warnings; SIGTERM closes Kafka Streams before the broker; nothing is left in the temporary
   * directory; and each starts again cleanly (the state of the gone broker did not outlive it).
   */
  @Test
  void twoEmbeddedInstancesRunSideBySideAndEachRestartsCleanly(@TempDir Path dir) throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> run = List.of("run", "--embedded", "--set", "cellstream.model.hidden-size=8",
        "--set", "cellstream.topics.partitions=1", "--set", "cellstream.shutdown.timeout-seconds=30");
    for (String round : List.of("first", "again")) {
      // One after the other (two brokers and two registries starting at once starve a 2-core machine), then both up.
      try (CellstreamProcess a = CellstreamProcess.command(run).tmpDir(tmp).outputIn(dir).name("a-" + round).start()) {
        int portA = awaitReady(a, Duration.ofSeconds(150));
        CellstreamProcess b = CellstreamProcess.command(run).tmpDir(tmp).outputIn(dir).name("b-" + round).start();
        closeAtTheEnd.add(b);
        int portB = awaitReady(b, Duration.ofSeconds(150));
        assertThat(a.isAlive()).as("the first still runs beside the second").isTrue();
        assertThat(portA).isNotEqualTo(portB);
        try (Stream<Path> stacks = Files.list(tmp)) {
          assertThat(stacks.filter(f -> f.getFileName().toString().startsWith("cellstream-embedded-")).count())
              .as("one private directory each").isEqualTo(2);
        }
        for (CellstreamProcess p : List.of(a, b)) {
          p.terminate();
          assertThat(p.waitFor(Duration.ofSeconds(60))).isTrue();
          String err = p.stderr();
          assertThat(p.exitValue()).as(p.describe()).isEqualTo(RunCommand.EXIT_OK);
          assertThat(err).contains("closed cellstream cleanly").contains("stopped (clean), exit code 0");
          assertThat(err.indexOf("closed cellstream cleanly")).as("Kafka Streams closed before the embedded broker stopped")
              .isLessThan(err.indexOf("embedded Kafka on"));
          assertThat(CellstreamProcess.warningsAndErrors(err)).as(p.describe()).isEmpty();
        }
      }
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("cellstream-")).toList())
            .as("temporary broker, registry and state directories removed").isEmpty();
      }
    }
  }

  /**
   * With --data-dir the state is kept and a restart resumes on the same broker; when the broker's data goes (a new
   * cluster) but Kafka Streams' state stays, the next start refuses that state with the fix, rather than dying
   * on it with OffsetOutOfRangeException.
   */
  @Test
  void aDataDirRestartsOnItsOwnClusterAndRefusesStateOfAnother(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    // The child's temporary directory beside it, not above it: Kafka Streams rightly warns about state kept in the
    // temporary directory (the OS may clear it), and this data directory is meant to be kept.
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> run = List.of("run", "--embedded", "--data-dir", data.toString(),
        "--set", "cellstream.model.hidden-size=8", "--set", "cellstream.topics.partitions=1");
    for (String round : List.of("first", "restart")) {
      try (CellstreamProcess p = CellstreamProcess.command(run).tmpDir(tmp).outputIn(dir).name(round).start()) {
        awaitReady(p, Duration.ofSeconds(150));
        p.terminate();
        assertThat(p.waitFor(Duration.ofSeconds(60))).isTrue();
        assertThat(p.exitValue()).as(p.describe()).isEqualTo(RunCommand.EXIT_OK);
        assertThat(CellstreamProcess.warningsAndErrors(p.stderr())).as(p.describe()).isEmpty();
      }
    }
    assertThat(data.resolve("streams").resolve("cellstream").resolve(StateDirectoryGuard.MARKER)).exists();
    assertThat(data.resolve("cellstream.log")).as("the full log beside the data").isNotEmptyFile();

    assertThat(FileTrees.deleteTree(data.resolve("kafka"))).isTrue(); // the next broker is a new cluster
    try (CellstreamProcess p = CellstreamProcess.command(run).tmpDir(tmp).outputIn(dir).name("new-cluster").start()) {
      assertThat(p.waitFor(Duration.ofSeconds(120))).isTrue();
      assertThat(p.exitValue()).as(p.describe()).isEqualTo(RunCommand.EXIT_CONFIG);
      assertThat(p.stderr()).contains("cellstream run: configuration has 1 problem:")
          .contains("state.dir: " + data.resolve("streams").resolve("cellstream").toAbsolutePath()
              + " holds the Kafka Streams state of application 'cellstream' for Kafka cluster")
          .contains("delete " + data.resolve("streams").resolve("cellstream").toAbsolutePath());
    }
  }

  @Test
  void invalidConfigurationExits2WithTheProblems(@TempDir Path dir) throws Exception {
    try (CellstreamProcess p = CellstreamProcess.command("run", "--set", "cellstream.model.hidden-size=abc")
        .env("CELLSTREAM_MODEL_TASK", "ranking").outputIn(dir).start()) {
      assertThat(p.waitFor(Duration.ofSeconds(60))).isTrue();
      assertThat(p.exitValue()).as(p.describe()).isEqualTo(RunCommand.EXIT_CONFIG);
      assertThat(p.stderr()).contains("cellstream run: configuration has 2 problems:")
          .contains("cellstream.model.hidden-size: must be an integer in 1..16384, got 'abc' (from command line)")
          .contains("cellstream.model.task: unknown task 'ranking'").contains("(from environment CELLSTREAM_MODEL_TASK)");
    }
  }

  @Test
  void unreachableKafkaExits3(@TempDir Path dir) throws Exception {
    int port = RunCommandTest.unusedPort();
    try (CellstreamProcess p = CellstreamProcess.command("run", "--bootstrap-servers", "127.0.0.1:" + port,
        "--set", "default.api.timeout.ms=2000", "--set", "request.timeout.ms=1000", "--http-port", "0")
        .outputIn(dir).start()) {
      assertThat(p.waitFor(Duration.ofSeconds(60))).isTrue();
      assertThat(p.exitValue()).as(p.describe()).isEqualTo(RunCommand.EXIT_UNREACHABLE);
      assertThat(p.stderr()).contains("cellstream run: cannot reach Kafka at 127.0.0.1:" + port + " within 2000 ms");
    }
  }

  /** Waits until the instance logged its HTTP port and answers ready there; returns the port. */
  static int awaitReady(CellstreamProcess p, Duration timeout) {
    int port = await().atMost(timeout).alias("the HTTP line of " + p.stderrFile()).until(() -> {
      assertThat(p.isAlive()).as(p::describe).isTrue();
      return httpPort(p.stderr());
    }, v -> v > 0);
    await().atMost(timeout).alias("ready: " + p.stderrFile()).until(() -> HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode() == 200);
    return port;
  }

  private static int httpPort(String log) throws IOException {
    Matcher m = HTTP_LINE.matcher(log);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }
}
