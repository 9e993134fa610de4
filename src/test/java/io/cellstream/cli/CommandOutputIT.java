package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.testing.CellstreamProcess;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results on stdout, logs on stderr, for the commands besides run and demo (see {@link RunProcessIT},
 * {@link DemoProcessIT}), as a user runs them with {@code bin/cellstream}: {@code --json} ends stdout with exactly
 * one line of JSON, stdout holds no log line, and a normal import, replay or eval shows no warning or error.
 */
@ExtendWith(SharedStackExtension.class)
class CommandOutputIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +[A-Z]+ +\\[.*");

  @Test
  void evalEndsStdoutWithItsJsonLine(@TempDir Path dir) throws Exception {
    CellstreamProcess eval = finished(CellstreamProcess.command("eval", "--events", "3000", "--entities", "10",
        "--lag", "5", "--report-dir", dir.resolve("report").toString(), "--json").outputIn(dir).name("eval").start());
    JsonNode last = assertResultsOnStdoutEndingWithJson(eval);
    assertThat(last.path("models").has("lstm")).isTrue();
  }

  @Test
  void importAndReplayKeepResultsOnStdoutAndShowNoWarning(@TempDir Path dir) throws Exception {
    String prefix = SharedStack.uniqueName("out");
    List<String> common = List.of("--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(), "--application-id", prefix + "-live",
        "--set", "cellstream.topic.events=" + prefix + "-events", "--set", "cellstream.topic.labels=" + prefix + "-labels",
        "--set", "cellstream.topic.predictions=" + prefix + "-predictions",
        "--set", "cellstream.topic.dead-letters=" + prefix + "-dead-letters",
        "--set", "cellstream.topic.models=" + prefix + "-models",
        "--set", "cellstream.model.input-size=2", "--set", "cellstream.model.hidden-size=8",
        "--set", "cellstream.window.steps=8", "--set", "cellstream.training.bptt-steps=4",
        "--set", "cellstream.topics.partitions=2");
    SharedStack.get().kafka().createTopic(prefix + "-events", 2);
    SharedStack.get().kafka().createTopic(prefix + "-labels", 2);

    StringBuilder csv = new StringBuilder("card,ts,f1,f2,label\n");
    long t0 = System.currentTimeMillis() - 600_000;
    for (int i = 0; i < 400; i++) {
      csv.append(String.format(Locale.ROOT, "c%d,%d,%.3f,%.3f,%d%n", i % 10, t0 + i * 1000L, Math.sin(i), Math.cos(i),
          i % 2));
    }
    Path file = Files.writeString(dir.resolve("tx.csv"), csv.toString());

    List<String> importArgs = new ArrayList<>(List.of("import"));
    importArgs.addAll(common);
    importArgs.addAll(List.of("--csv", file.toString(), "--entity", "card", "--time", "ts", "--features", "f1,f2",
        "--target", "label", "--task", "binary"));
    CellstreamProcess imp = finished(CellstreamProcess.command(importArgs).outputIn(dir).name("import").start());
    assertThat(imp.stdoutLines()).singleElement().asString().startsWith("imported 400 events");
    assertThat(CellstreamProcess.warningsAndErrors(imp.stderr())).as(imp.describe()).isEmpty();

    List<String> replayArgs = new ArrayList<>(List.of("replay"));
    replayArgs.addAll(common);
    replayArgs.addAll(List.of("--report-dir", dir.resolve("report").toString(), "--replay-id", prefix + "-r", "--json"));
    CellstreamProcess replay = finished(CellstreamProcess.command(replayArgs).outputIn(dir).name("replay").start());
    JsonNode last = assertResultsOnStdoutEndingWithJson(replay);
    assertThat(last.path("models").path("lstm").path("scored").asLong()).isEqualTo(400);
  }

  private static CellstreamProcess finished(CellstreamProcess p) throws Exception {
    try (p) {
      assertThat(p.waitFor(Duration.ofMinutes(3))).as(p.describe()).isTrue();
      assertThat(p.exitValue()).as(p.describe()).isZero();
      return p;
    }
  }

  private static JsonNode assertResultsOnStdoutEndingWithJson(CellstreamProcess p) throws Exception {
    List<String> out = p.stdoutLines();
    assertThat(out).as(p.describe()).noneMatch(l -> LOG_LINE.matcher(l).matches());
    assertThat(out.stream().filter(l -> l.startsWith("{"))).as("exactly one JSON line").hasSize(1);
    assertThat(CellstreamProcess.warningsAndErrors(p.stderr())).as(p.describe()).isEmpty();
    return JSON.readTree(out.getLast());
  }
}
