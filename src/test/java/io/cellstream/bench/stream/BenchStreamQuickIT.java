package io.cellstream.bench.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.cli.CellstreamCommand;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench stream --quick}, shrunk further by options, against the shared broker and registry: every phase
 * runs for real (LSTM and pass-through deployments, two threads, paced latency, training, scaling with the engine
 * baseline, the state path's variants) and the outputs exist and parse. Speed is not checked: the machine is shared.
 */
@ExtendWith(SharedStackExtension.class)
class BenchStreamQuickIT {

  private static final Pattern RATIO_LINE = Pattern.compile("stream H=(\\d+) lstm/passthrough throughput ratio: (\\d+\\.\\d\\d)");
  private static final Pattern BASELINE_LINE = Pattern.compile("stream lstm/engine-baseline throughput ratio at E=300: (\\d+\\.\\d\\d)");
  private static final Pattern SCALING_LINE = Pattern.compile("stream E=300/E=100 throughput ratio: (\\d+\\.\\d\\d)");
  private static final Pattern EOS_LINE = Pattern.compile("stream eos p99 ms at 50% load: (\\d+\\.\\d)");

  @Test
  void quickModeWritesTheTableTheJsonAndTheRatioLine(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench.json");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = CellstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("bench", "stream", "--quick",
        "--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(),
        "--hidden", "16", "--entities", "300", "--events", "3000", "--repeats", "1", "--warmup-events", "0",
        "--scaling", "100,300", "--scaling-events", "1500",
        "--training-entities", "50", "--training-events", "1500", "--window", "8",
        "--latency-seconds", "1.5",
        "--json", json.toString(), "--work-dir", dir.resolve("work").toString());
    String stdout = out.toString();
    assertEquals(0, code, () -> "exit code; stderr:\n" + err + "\nstdout:\n" + stdout);

    // The table: every section the phases make, with its header.
    for (String section : List.of("== Throughput", "== Latency", "== Training", "== State per entity", "== Entity scaling",
        "== State path at E=300")) {
      assertTrue(stdout.contains(section), () -> "no " + section + " in\n" + stdout);
    }
    assertTrue(stdout.contains("events/s, 2 threads, LSTM"), stdout);
    // Latency in both delivery modes, each a line of its own.
    for (String mode : List.of("eos", "low-latency")) {
      assertTrue(java.util.regex.Pattern.compile("(?m)^stream " + mode + " p99 ms at 50% load: \\d+\\.\\d$").matcher(stdout).find(),
          () -> "no latency line for " + mode + " in\n" + stdout);
    }

    // The headline lines before the last, each with the figure the JSON holds.
    List<String> lines = stdout.strip().lines().toList();
    JsonNode j = new ObjectMapper().readTree(Files.readString(json));
    assertEquals(j.at("/engineBaseline/ratio").asDouble(), headline(lines, BASELINE_LINE), 0.006);
    assertEquals(j.at("/scalingRatio/ratio").asDouble(), headline(lines, SCALING_LINE), 0.006);
    assertEquals(j.at("/latency/0/p99Ms").asDouble(), headline(lines, EOS_LINE), 0.06);
    assertEquals("eos", j.at("/latency/0/mode").asText());

    // The last line, with the H asked for and the same ratio as the JSON.
    Matcher m = RATIO_LINE.matcher(lines.getLast());
    assertTrue(m.matches(), () -> "last line is not the ratio line: " + lines.getLast());
    assertEquals("16", m.group(1));
    double ratio = Double.parseDouble(m.group(2));
    assertTrue(ratio > 0, "ratio " + ratio);

    assertEquals(ratio, j.get("lstmPassthroughRatio").asDouble(), 0.006);
    assertEquals("quick", j.at("/config/preset").asText());
    assertEquals(16, j.at("/config/H").asInt());
    JsonNode t = j.get("throughput");
    assertEquals("exactly_once_v2", t.get("guarantee").asText());
    assertTrue(t.get("lstm1ThreadMedian").asDouble() > 0);
    assertTrue(t.get("passthrough1ThreadMedian").asDouble() > 0);
    assertTrue(t.get("lstm2Threads").asDouble() > 0);

    JsonNode latency = j.get("latency");
    assertTrue(latency.isArray() && latency.size() >= 1, "latency " + latency);
    JsonNode l = latency.get(0);
    assertTrue(l.get("measured").asLong() > 0, "latency " + l);
    assertTrue(l.get("p50Ms").asDouble() <= l.get("p99Ms").asDouble() && l.get("p99Ms").asDouble() <= l.get("p999Ms").asDouble(),
        "percentiles out of order: " + l);

    JsonNode inference = j.at("/state/inferenceOnly");
    JsonNode window = j.at("/state/window8");
    assertTrue(inference.get("rocksDbBytesPerEntity").asDouble() > 0, "state " + j.get("state"));
    assertTrue(inference.get("changelogBytesPerEntity").asDouble() > 0, "state " + j.get("state"));
    // A window of 8 steps holds inputs and ids: its stored value is larger than the bare (h, c).
    assertTrue(window.get("valueBytesPerEntity").asDouble() > inference.get("valueBytesPerEntity").asDouble(),
        "state " + j.get("state"));

    JsonNode training = j.get("training");
    assertTrue(training.get("examplesMade").asLong() > 0, "training " + training);
    assertTrue(training.get("examplesAbsorbedWhileEventsFlowed").asLong() >= 0, "training " + training);
    assertTrue(training.at("/labelToModel/measured").asLong() > 0, "training " + training);

    JsonNode scaling = j.get("scaling");
    assertEquals(2, scaling.size(), "scaling " + scaling);
    assertEquals(100, scaling.get(0).get("entities").asInt());
    assertEquals(300, scaling.get(1).get("entities").asInt());
    assertEquals(1.0, scaling.get(0).get("relativeToSmallest").asDouble(), 1e-9);
    assertTrue(scaling.get(1).at("/stateStore/recordCacheBytes").asLong() > 0, "scaling " + scaling);

    // The engine baseline on the largest E's events, with a value of the memory's size; the state path's variants.
    JsonNode baseline = j.get("engineBaseline");
    assertEquals(300, baseline.get("entities").asInt());
    assertEquals(j.at("/state/inferenceOnly/valueBytesPerEntity").asDouble(), baseline.get("valueBytes").asDouble(), 1.0);
    assertTrue(baseline.get("eventsPerSecond").asDouble() > 0, "baseline " + baseline);
    JsonNode path = j.get("statePath");
    List<String> variants = new java.util.ArrayList<>();
    path.get("variants").forEach(v -> variants.add(v.get("variant").asText()));
    assertEquals(List.of("kafkaStreamsDefaults", "rocksDbConfig", "recordCacheForAll", "keepGatesOff"), variants);
    assertTrue(path.at("/compact16BitState/baselineEventsPerSecond").asDouble() > 0, "state path " + path);
    assertEquals(6, path.at("/compact16BitState/predictionDrift").size(), "state path " + path);
  }

  private static double headline(List<String> lines, Pattern p) {
    for (String line : lines) {
      Matcher m = p.matcher(line);
      if (m.matches()) {
        return Double.parseDouble(m.group(1));
      }
    }
    throw new AssertionError("no line " + p + " in\n" + String.join("\n", lines));
  }
}
