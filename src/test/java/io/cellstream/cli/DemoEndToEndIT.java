package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end, small: its own embedded broker and registry, the service, a long-lag stream with a
 * short lag, the baselines; the report and the JSON line must exist, the LSTM inside the service must have
 * learned the task and the model without memory must not have.
 */
class DemoEndToEndIT {

  @Test
  void aSmallDemoWritesItsReportAndEndsWithTheJsonLine(@TempDir Path dir) throws Exception {
    Path reports = dir.resolve("report");
    var run = ImportReplayIT.cli("demo", "--events", "30000", "--entities", "20", "--lag", "5",
        "--hidden-size", "16", "--metric-window", "1000", "--report-dir", reports.toString(), "--json");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).contains("starting the embedded Kafka broker").contains("events 30000/30000");

    String[] lines = run.out().strip().split("\n");
    assertThat(lines[lines.length - 2]).startsWith("report: ").endsWith("report.html");
    JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(last.path("task").asText()).isEqualTo("long-lag");
    assertThat(last.path("chance").asDouble()).isEqualTo(0.25);
    JsonNode models = last.path("models");
    for (String m : new String[] {"lstm", "rnn", "nomemory", "majority"}) {
      double acc = models.path(m).path("accuracy").asDouble(-1);
      assertThat(acc).as(m).isBetween(0.0, 1.0);
      // 30000 events in episodes of 1 cue + 5 distractors + 1 query: ~4285 queries, all scored.
      assertThat(models.path(m).path("scored").asLong()).as(m + " scored").isBetween(4000L, 4400L);
    }
    // The LSTM in the service learned from the live labels (over the last 1000 queries, the last ~7000 events);
    // no memory cannot beat chance on this task, by construction.
    assertThat(models.path("lstm").path("accuracy").asDouble()).as("the service's LSTM learned").isGreaterThan(0.9);
    assertThat(models.path("nomemory").path("accuracy").asDouble()).isLessThan(0.35);

    Path html = reports.resolve("report.html");
    Path json = reports.resolve("report.json");
    assertThat(html).exists();
    assertThat(Files.readString(html)).contains("<svg").contains("lstm").contains("nomemory");
    JsonNode report = new ObjectMapper().readTree(json.toFile());
    assertThat(report.path("models").size()).isEqualTo(4);
  }
}
