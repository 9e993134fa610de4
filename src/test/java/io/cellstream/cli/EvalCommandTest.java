package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code eval} in-process: its defaults are the service's, a seed sweep tabulates, --json ends stdout. */
class EvalCommandTest {

  record Run(int exit, String out, String err) {}

  static Run eval(String... args) {
    CommandLine cl = CellstreamCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "eval";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Run(cl.execute(all), out.toString(), err.toString());
  }

  @Test
  void aSeedSweepPrintsItsTableAndEndsWithOneJsonLine(@TempDir Path dir) throws Exception {
    Run r = eval("--task", "long-lag", "--lag", "3", "--entities", "10", "--events", "20000", "--seeds", "1,2",
        "--models", "lstm,nomemory", "--hidden-size", "8", "--metric-window", "300", "--json",
        "--report-dir", dir.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    String[] lines = r.out().strip().split("\n");
    assertThat(lines[0]).startsWith("| L | seed | model |");
    JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(last.path("rows")).hasSize(4);
    for (JsonNode row : last.path("rows")) {
      assertThat(row.path("lag").asInt()).isEqualTo(3);
      if (row.path("model").asText().equals("lstm")) {
        // L = 3 is learned quickly: a full window of 300 queries at 0.95 within 20k events
        assertThat(row.path("eventsToTarget").asLong()).as("seed %s", row.path("seed")).isPositive();
        assertThat(row.path("queriesToTarget").asLong()).isPositive();
      } else {
        assertThat(row.path("eventsToTarget").asLong()).isEqualTo(-1);
      }
    }
  }

  @Test
  void helpShowsTheServiceDefaults() {
    Run r = eval("--help");
    assertThat(r.exit()).isZero();
    var d = io.cellstream.learn.LearnerSettings.DEFAULTS;
    assertThat(r.out()).contains("--lr-lstm=LR          LSTM learning rate (Adam). Default: " + d.adam().learningRate())
        .contains("Default: " + d.replayUpdates())
        .contains("Initial forget-gate bias of the LSTM. Default: " + d.forgetBias());
  }
}
