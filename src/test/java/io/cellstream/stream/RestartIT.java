package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.testing.CellstreamProcess;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stopping the service mid-stream and starting it again must not change a single prediction: with training
 * off, the predictions equal those of an uninterrupted run (the engine run by hand over the same events,
 * which the topology tests show is what an uninterrupted run produces), none missing, none twice, read with
 * read_committed.
 */
@ExtendWith(SharedStackExtension.class)
class RestartIT {

  private static final ModelSpec SPEC = new ModelSpec(3, 8, 1, Task.BINARY);

  @Test
  void aCleanCloseMidStreamChangesNothing() throws Exception {
    try (LoopHarness h = new LoopHarness(SPEC, 2, false, 8, 4, 0.01f, 8, 1000)) {
      List<Event> events = LoopHarness.stream(h, 20, 30, 21, null);
      CellstreamService first = h.startService("a");
      events.subList(0, 300).forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> h.predictions().size() >= 150);
      assertThat(first.close(Duration.ofSeconds(30))).isTrue();

      CellstreamService second = h.startService("a"); // same state directory
      events.subList(300, 600).forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(90))
          .alias("600 predictions after the restart (instance " + second.streams().state() + ")")
          .until(() -> h.predictions().size() >= 600);
      assertExactlyTheUninterruptedPredictions(h, events);
    }
  }

  @Test
  void aHardKillOfTheServiceJvmChangesNothing() throws Exception {
    try (LoopHarness h = new LoopHarness(SPEC, 2, false, 8, 4, 0.01f, 8, 1000)) {
      List<Event> events = LoopHarness.stream(h, 20, 30, 22, null);
      CellstreamProcess child = startChild(h, "child-1");
      try {
        events.subList(0, 300).forEach(h::send);
        h.flush();
        await().atMost(Duration.ofSeconds(90)).alias("100 predictions from the child JVM (its log: " + child.stderrFile() + ")")
            .until(() -> h.predictions().size(), n -> n >= 100);
        child.kill(); // SIGKILL: no close, no commit, an open transaction left behind
        assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
        assertThat(child.exitValue()).isEqualTo(137);

        child = startChild(h, "child-2");
        events.subList(300, 600).forEach(h::send);
        h.flush();
        try {
          await().atMost(Duration.ofSeconds(120)).alias("600 predictions after the restarted child (its log: " + child.stderrFile() + ")")
              .until(() -> h.predictions().size(), n -> n >= 600);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(diagnose(h, child), e);
        }
        assertExactlyTheUninterruptedPredictions(h, events);
      } finally {
        child.terminate();
        if (!child.waitFor(Duration.ofSeconds(30))) {
          child.kill();
        }
      }
    }
  }

  private static void assertExactlyTheUninterruptedPredictions(LoopHarness h, List<Event> events) throws Exception {
    List<Prediction> preds = new ArrayList<>(h.predictions());
    Map<String, float[]> expected = h.expectedWithVersion1(events);
    assertThat(preds).hasSize(events.size());
    assertThat(preds.stream().map(Prediction::getEventId).distinct().count()).as("no prediction twice").isEqualTo(events.size());
    for (Prediction p : preds) {
      assertThat(LoopHarness.outputs(p)).as("prediction for %s", p.getEventId()).containsExactly(expected.get(p.getEventId()));
      assertThat(p.getModelVersion()).isEqualTo(1);
    }
  }

  /** What a timeout needs to be understood: committed vs written predictions, and where the child's threads are. */
  private static String diagnose(LoopHarness h, CellstreamProcess child) {
    StringBuilder b = new StringBuilder();
    try {
      b.append("read_committed: ").append(h.predictions().size()).append(" predictions; end offsets (incl. uncommitted and markers): ")
          .append(h.predictionsIncludingUncommitted());
      try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", SharedStack.bootstrapServers()))) {
        b.append("; group offsets: ").append(admin.listConsumerGroupOffsets(h.applicationId).partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS));
      }
      Path dump = child.stderrFile().resolveSibling(h.applicationId + "-child-threads.txt");
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(child.pid()), "Thread.print").redirectErrorStream(true).redirectOutput(dump.toFile()).start();
      jcmd.waitFor(30, TimeUnit.SECONDS);
      b.append("; child thread dump: ").append(dump);
      // The child's own view: Kafka Streams task and consumer metrics (records lag, buffered, processed).
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("HTTP on (http://127\\.0\\.0\\.1:\\d+) ")
          .matcher(child.stderr());
      String url = null;
      while (m.find()) {
        url = m.group(1); // the last one: the restarted child
      }
      if (url != null) {
        Path metrics = child.stderrFile().resolveSibling(h.applicationId + "-child-metrics.txt");
        var http = java.net.http.HttpClient.newHttpClient();
        http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofFile(metrics));
        b.append("; child metrics: ").append(metrics);
      }
    } catch (Exception e) {
      b.append("; diagnosis failed: ").append(e);
    }
    return b.toString();
  }

  /** `cellstream run` in a child JVM with the harness's settings, so that it can be killed for real. */
  private static CellstreamProcess startChild(LoopHarness h, String name) throws Exception {
    StreamSettings s = h.settings;
    List<String> cmd = new ArrayList<>(List.of("run",
        "--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(),
        "--application-id", h.applicationId,
        "--http-port", "0"));
    Map<String, String> set = new java.util.LinkedHashMap<>();
    set.put("cellstream.topic.events", s.topics().events());
    set.put("cellstream.topic.labels", s.topics().labels());
    set.put("cellstream.topic.predictions", s.topics().predictions());
    set.put("cellstream.topic.dead-letters", s.topics().deadLetters());
    set.put("cellstream.topic.models", s.topics().models());
    set.put("cellstream.topic.training-examples", s.topics().trainingExamples());
    set.put("cellstream.model.name", s.modelName());
    set.put("cellstream.model.task", s.spec().task().id());
    set.put("cellstream.model.input-size", String.valueOf(s.spec().inputSize()));
    set.put("cellstream.model.hidden-size", String.valueOf(s.spec().hiddenSize()));
    set.put("cellstream.model.output-size", String.valueOf(s.spec().outputSize()));
    set.put("cellstream.model.seed", String.valueOf(s.seed()));
    set.put("cellstream.model.forget-bias", String.valueOf(s.forgetBias()));
    set.put("cellstream.window.steps", String.valueOf(s.windowSteps()));
    set.put("cellstream.window.checkpoint-every", String.valueOf(s.checkpointEvery()));
    set.put("cellstream.training.enabled", "false");
    set.put("cellstream.training.bptt-steps", String.valueOf(s.learner().bpttSteps()));
    set.put("state.dir", h.stateDir("child").toString());
    set.put("commit.interval.ms", "100");
    set.put("session.timeout.ms", "6000");
    set.put("heartbeat.interval.ms", "1000");
    set.forEach((k, v) -> {
      cmd.add("--set");
      cmd.add(k + "=" + v);
    });
    return CellstreamProcess.command(cmd).outputIn(Path.of("target", "it-state").toAbsolutePath())
        .name(h.applicationId + "-" + name).start();
  }
}
