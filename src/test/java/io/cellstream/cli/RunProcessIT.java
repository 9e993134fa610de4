package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.io.File;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cellstream run} as an operator runs it: a child JVM started through the real {@code main}, so that
 * exit codes are the process's own, stopped with SIGTERM ({@link Process#destroy()}).
 */
@ExtendWith(SharedStackExtension.class)
class RunProcessIT {

  private static final Pattern HTTP_LINE = Pattern.compile("HTTP on http://127\\.0\\.0\\.1:(\\d+) ");

  @Test
  void sigtermClosesCleanlyExitsZeroAndNoSecretIsEverLogged(@TempDir Path dir) throws Exception {
    String app = SharedStack.uniqueName("sigterm");
    Path jaas = dir.resolve("jaas");
    Files.writeString(jaas, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"jaas-secret-from-file\";");
    Path log = dir.resolve("run.log");
    List<String> args = new ArrayList<>(List.of("--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(), "--application-id", app, "--http-port", "0"));
    for (String t : List.of("events", "labels", "predictions", "dead-letters", "models")) {
      args.addAll(List.of("--set", "cellstream.topic." + t + "=" + app + "-" + t));
    }
    args.addAll(List.of("--set", "state.dir=" + dir.resolve("state"),
        "--set", "cellstream.shutdown.timeout-seconds=20",
        "--set", "cellstream.model.hidden-size=8", "--set", "cellstream.model.input-size=2",
        "--set", "sasl.jaas.config.file=" + jaas,
        "--set", "ssl.key.password=set-secret-on-the-command-line"));
    Process p = start(Map.of("CELLSTREAM_ADMIN_TOKEN", "env-secret-admin-token-0123",
        "CELLSTREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD", "env-secret-truststore"), log, args);
    try {
      int port = await().atMost(Duration.ofSeconds(60)).until(() -> httpPort(log), v -> v > 0);
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(60)).until(() -> http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode() == 200);

      long t0 = System.nanoTime();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("exits within the shutdown timeout").isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      String out = Files.readString(log);
      assertThat(p.exitValue()).as(out).isEqualTo(RunCommand.EXIT_OK);
      assertThat(seconds).isLessThan(25);
      assertThat(out).contains("shutdown requested; closing Kafka Streams (timeout 20 s)")
          .contains("Kafka Streams PENDING_SHUTDOWN -> NOT_RUNNING")
          .contains("closed cellstream cleanly")
          .contains("stopped (clean), exit code 0");
      // The start logged the configuration with the secrets masked; no value of a secret appears anywhere.
      assertThat(out).contains("cellstream.admin.token = ******", "sasl.jaas.config = ******",
          "ssl.key.password = ******", "ssl.truststore.password = ******");
      assertThat(out).doesNotContain("env-secret-admin-token", "jaas-secret-from-file", "set-secret-on-the-command-line",
          "env-secret-truststore");
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * With --embedded the broker and the registry live in the same JVM and have shutdown hooks of their own;
   * SIGTERM must still close Kafka Streams first (while the broker runs), then the stack, and exit 0.
   */
  @Test
  void sigtermStopsAnEmbeddedRunCleanlyToo(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("run.log");
    Process p = start(Map.of(), log, List.of("--embedded", "--data-dir", dir.resolve("data").toString(),
        "--http-port", "0", "--set", "cellstream.model.hidden-size=8", "--set", "cellstream.topics.partitions=1",
        "--set", "cellstream.shutdown.timeout-seconds=30"));
    try {
      int port = await().atMost(Duration.ofSeconds(120)).until(() -> httpPort(log), v -> v > 0);
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(90)).until(() -> http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode() == 200);
      p.destroy();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = Files.readString(log);
      assertThat(p.exitValue()).as(out).isEqualTo(RunCommand.EXIT_OK);
      assertThat(out).contains("closed cellstream cleanly").contains("stopped (clean), exit code 0");
      assertThat(out.indexOf("closed cellstream cleanly")).as("Kafka Streams closed before the embedded broker stopped")
          .isLessThan(out.indexOf("embedded Kafka on"));
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void invalidConfigurationExits2WithTheProblems(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("run.log");
    Process p = start(Map.of("CELLSTREAM_MODEL_TASK", "ranking"), log,
        List.of("--set", "cellstream.model.hidden-size=abc"));
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(out).contains("cellstream run: configuration has 2 problems:")
        .contains("cellstream.model.hidden-size: must be an integer in 1..16384, got 'abc' (from command line)")
        .contains("cellstream.model.task: unknown task 'ranking'").contains("(from environment CELLSTREAM_MODEL_TASK)");
  }

  @Test
  void unreachableKafkaExits3(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("run.log");
    int port = RunCommandTest.unusedPort();
    Process p = start(Map.of(), log, List.of("--bootstrap-servers", "127.0.0.1:" + port,
        "--set", "default.api.timeout.ms=2000", "--set", "request.timeout.ms=1000", "--http-port", "0"));
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isEqualTo(RunCommand.EXIT_UNREACHABLE);
    assertThat(out).contains("cellstream run: cannot reach Kafka at 127.0.0.1:" + port + " within 2000 ms");
  }

  private static Process start(Map<String, String> env, Path log, List<String> args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
        "-Dcellstream.apicurio.archive=" + System.getProperty("cellstream.apicurio.archive", ""),
        "-cp", System.getProperty("java.class.path"),
        "io.cellstream.cli.CellstreamCommand", "run"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(new File(log.toString())));
    pb.environment().keySet().removeIf(k -> k.startsWith("CELLSTREAM_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  private static int httpPort(Path log) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    Matcher m = HTTP_LINE.matcher(Files.readString(log));
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }
}
