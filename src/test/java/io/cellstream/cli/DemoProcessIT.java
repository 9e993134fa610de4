package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.testing.CellstreamProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cellstream demo} as a user runs it, in a child process: results on stdout (the JSON line last), progress
 * and logs on stderr with no warning or error in a normal run; and Ctrl-C in the middle (SIGTERM here: the same
 * shutdown path, and a background process ignores SIGINT) still reports what was seen, closes the service while the
 * embedded broker is still up, then stops the broker — and leaves no temporary state behind.
 */
class DemoProcessIT {

  /** A line of logback's pattern (what the logs look like), which must never reach stdout. */
  private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +[A-Z]+ +\\[.*");

  @Test
  void aDemoKeepsItsResultsOnStdoutAndShowsNoWarningOrError(@TempDir Path dir) throws Exception {
    Path reports = dir.resolve("report");
    try (CellstreamProcess demo = CellstreamProcess.command("demo", "--events", "20000", "--entities", "20",
        "--lag", "5", "--hidden-size", "16", "--report-dir", reports.toString(), "--json")
        .tmpDir(Files.createDirectories(dir.resolve("tmp"))).outputIn(dir).start()) {
      assertThat(demo.waitFor(Duration.ofMinutes(4))).as("the demo finishes").isTrue();
      assertThat(demo.exitValue()).as(demo.describe()).isZero();

      List<String> out = demo.stdoutLines();
      assertThat(out).as("stdout holds results only").noneMatch(l -> LOG_LINE.matcher(l).matches())
          .noneMatch(l -> l.contains("events 20000/20000"));
      assertThat(out.get(out.size() - 2)).startsWith("report: ");
      JsonNode last = new ObjectMapper().readTree(out.getLast());
      assertThat(last.path("models").path("lstm").path("scored").asLong()).isPositive();
      assertThat(out.stream().filter(l -> l.startsWith("{"))).as("exactly one JSON line").hasSize(1);

      String err = demo.stderr();
      assertThat(err).contains("starting the embedded Kafka broker").contains("events 20000/20000")
          .contains("closed cellstream cleanly");
      assertThat(CellstreamProcess.warningsAndErrors(err)).as(demo.describe()).isEmpty();
    }
  }

  @Test
  void sigtermMidStreamReportsWhatWasSeenAndClosesInOrder(@TempDir Path dir) throws Exception {
    Path reports = dir.resolve("report");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    try (CellstreamProcess demo = CellstreamProcess.command("demo", "--events", "5000000", "--entities", "20",
        "--lag", "5", "--report-dir", reports.toString()).tmpDir(tmp).outputIn(dir).start()) {
      // Mid-stream: some predictions scored, far from the 5M events asked for.
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
          .until(() -> demo.stderr().matches("(?s).*events \\d+/5000000 +predicted [1-9]\\d{3,}.*"));
      demo.terminate();
      assertThat(demo.waitFor(Duration.ofSeconds(90))).as("exits after SIGTERM").isTrue();
      String err = demo.stderr();

      assertThat(demo.exitValue()).as(demo.describe()).isEqualTo(130);
      assertThat(err).contains("interrupted: stopping the stream");
      assertThat(err.indexOf("closed cellstream cleanly")).as(err).isPositive()
          .as("the service closed before the embedded broker stopped").isLessThan(err.indexOf("embedded Kafka on"));
      assertThat(CellstreamProcess.warningsAndErrors(err)).as(demo.describe()).isEmpty();
      assertThat(demo.stdoutLines().getLast()).as("the report of what was seen, on stdout").startsWith("report: ");

      JsonNode report = new ObjectMapper().readTree(reports.resolve("report.json").toFile());
      assertThat(report.path("run").path("interrupted").asBoolean()).isTrue();
      long events = report.path("run").path("events").asLong();
      assertThat(events).isPositive().isLessThan(5_000_000);
      assertThat(reports.resolve("report.html")).exists();

      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("cellstream-")).toList())
            .as("temporary broker, registry and state directories removed").isEmpty();
      }
    }
  }
}
