package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C in the middle of {@code cellstream demo} (SIGTERM here: the same shutdown path, and a background
 * process ignores SIGINT): the demo stops producing, still writes the report of what it saw, closes the
 * service while the embedded broker is still up, then stops the broker — and leaves no temporary state behind.
 */
class DemoProcessIT {

  @Test
  void sigtermMidStreamReportsWhatWasSeenAndClosesInOrder(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("demo.log");
    Path reports = dir.resolve("report");
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-Djava.io.tmpdir=" + dir,
        "-Dcellstream.apicurio.archive=" + System.getProperty("cellstream.apicurio.archive", ""),
        "-cp", System.getProperty("java.class.path"),
        "io.cellstream.cli.CellstreamCommand", "demo", "--events", "5000000", "--entities", "20", "--lag", "5",
        "--report-dir", reports.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File(log.toString())).start();
    try {
      // Mid-stream: some predictions scored, far from the 5M events asked for.
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
          .until(() -> Files.exists(log) && Files.readString(log).matches("(?s).*events \\d+/5000000 +predicted [1-9]\\d{3,}.*"));
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      String out = Files.readString(log);

      assertThat(out).contains("interrupted: stopping the stream");
      assertThat(out.indexOf("closed cellstream cleanly")).as(out).isPositive()
          .as("the service closed before the embedded broker stopped").isLessThan(out.indexOf("embedded Kafka on"));
      assertThat(out).doesNotContain("Exception");

      JsonNode report = new ObjectMapper().readTree(reports.resolve("report.json").toFile());
      assertThat(report.path("run").path("interrupted").asBoolean()).isTrue();
      long events = report.path("run").path("events").asLong();
      assertThat(events).isPositive().isLessThan(5_000_000);
      assertThat(reports.resolve("report.html")).exists();

      try (var left = Files.list(dir)) {
        assertThat(left.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("cellstream-")).toList())
            .as("temporary broker, registry and state directories removed").isEmpty();
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }
}
