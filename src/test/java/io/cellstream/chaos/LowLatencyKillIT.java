package io.cellstream.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.avro.Prediction;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.Settings;
import io.cellstream.learn.TrainerStateCodec;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.stream.StreamSettings;
import io.cellstream.testing.CellstreamProcess;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Low-latency mode ({@code cellstream.delivery=low-latency}, at-least-once) through a {@code kill -9}: the service in a
 * child JVM is killed mid-stream, restarted on its state directory, and the stream finished. Kafka then delivers the
 * events since the last commit again, on top of memories that had applied some of them; the test requires what an
 * uninterrupted run gives:
 *
 * <ul>
 *   <li>every entity's memory (h, c, eventsSeen, through {@code /entities/{id}?full=true}) equal to the engine run by
 *       hand over the same events with version 1 (what an uninterrupted run computes, as in {@code RestartIT});</li>
 *   <li>every event predicted with those outputs, and an event predicted twice predicted with identical content;</li>
 *   <li>every label learned from exactly once: the trainer's count of examples equals the labels sent, although the
 *       steps sent some examples again and the trainer's input came again from its last commit.</li>
 * </ul>
 *
 * <p>The model stays at version 1 (no version is published during the run), so that the memories depend on the
 * events alone; the trainer still learns and counts. The mode's commit interval of 1 s makes many events come again,
 * so that the kill lands among them; the test fails if none came again (it would have proved nothing).
 */
@ExtendWith(SharedStackExtension.class)
class LowLatencyKillIT {

  private static final int ENTITIES = 60;
  private static final int EVENTS_PER_ENTITY = 40;
  private static final int EVENTS_PER_SECOND = 150;
  private static final Pattern REDELIVERED = Pattern.compile(
      "cellstream_redelivered_total\\{[^}]*input=\"event\"[^}]*outcome=\"re-emitted\"[^}]*} ([0-9.E]+)");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One event as sent, for the reference run. */
  private record Sent(String entity, String eventId, float[] x) {}

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void killNineMidStreamLeavesEveryMemoryAsAnUninterruptedRunAndEveryDuplicateIdentical() throws Exception {
    Path dir = Path.of("target", "it-state").toAbsolutePath();
    try (ChaosHarness h = new ChaosHarness("lowlatency", SharedStack.bootstrapServers(), SharedStack.registryClient(),
        SharedStack.schemaRegistryUrl(), dir)) {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("cellstream.delivery", "low-latency");
      settings.put("session.timeout.ms", "6000");
      settings.put("heartbeat.interval.ms", "1000");
      settings.put("num.standby.replicas", "0");
      settings.put("cellstream.training.publish.every-examples", "1000000000");
      settings.put("cellstream.training.publish.every-seconds", "86400");
      CellstreamProcess first = h.start("a", settings);
      h.awaitReady(first, Duration.ofSeconds(120));

      List<Sent> sent = new ArrayList<>();
      int labels = 0;
      SplittableRandom r = new SplittableRandom(11);
      int total = ENTITIES * EVENTS_PER_ENTITY;
      long start = System.nanoTime();
      CellstreamProcess second = null;
      for (int i = 0; i < total; i++) {
        String entity = "e" + (i % ENTITIES);
        String id = entity + "#" + (i / ENTITIES);
        float[] x = {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
        boolean inline = i % 5 == 0;
        h.sendEvent(entity, id, x, inline ? (float) r.nextInt(2) : null);
        if (inline) {
          labels++;
        }
        if (i % 5 == 2) {
          h.sendLabel(entity, id, r.nextInt(2)); // on the labels topic, read before or after its event
          labels++;
        }
        sent.add(new Sent(entity, id, x));
        if (i == total / 3) {
          first.kill(); // SIGKILL mid-stream: memories written since the last commit, predictions sent, no commit
          assertThat(first.waitFor(Duration.ofSeconds(30))).isTrue();
          second = h.start("a-again", settings); // the same state directory
        }
        long wait = start + (long) ((i + 1) * 1e9 / EVENTS_PER_SECOND) - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      h.flush();
      int port = h.awaitReady(second, Duration.ofSeconds(120));
      ChaosHarness.Tally t = h.awaitAllAccountedFor(Duration.ofSeconds(120));

      // The reference: every entity's events, in the order sent, through the engine with version 1.
      StreamSettings s = CellstreamConfig.from(new Settings().withDefaults(CellstreamConfig.defaults())
          .withCommandLine(Map.of("cellstream.model.input-size", "3", "cellstream.model.hidden-size", "8"))).stream();
      ModelSpec spec = s.spec();
      Model v1 = Model.of(Init.uniform(spec, s.seed(), s.forgetBias()), 1, 0, 0);
      LstmKernel kernel = LstmKernels.get();
      StepWorkspace ws = kernel.newWorkspace(spec);
      Map<String, float[][]> memory = new HashMap<>();   // entity -> {h (H), c (H)}
      Map<String, Integer> steps = new HashMap<>();
      Map<String, float[]> outputs = new HashMap<>();    // event id -> y (K)
      for (Sent e : sent) {
        float[][] m = memory.computeIfAbsent(e.entity(), k -> new float[][] {new float[spec.hiddenSize()], new float[spec.hiddenSize()]});
        float[] y = new float[spec.outputSize()];
        kernel.step(v1, e.x(), 0, m[0], m[1], null, y, ws);
        outputs.put(e.eventId(), y);
        steps.merge(e.entity(), 1, Integer::sum);
      }

      // Every memory as the uninterrupted run left it: h, c and eventsSeen, bit for bit.
      for (var e : memory.entrySet()) {
        JsonNode m = JSON.readTree(get(port, "/entities/" + e.getKey() + "?full=true"));
        assertThat(m.get("eventsSeen").asLong()).as("eventsSeen of %s", e.getKey()).isEqualTo((long) steps.get(e.getKey()));
        assertThat(floats(m.get("h").get("values"))).as("h of %s", e.getKey()).containsExactly(e.getValue()[0]);
        assertThat(floats(m.get("c").get("values"))).as("c of %s", e.getKey()).containsExactly(e.getValue()[1]);
      }

      // Every event predicted with the uninterrupted run's outputs; one predicted twice, twice the same.
      Map<String, Prediction> byEvent = new HashMap<>();
      int duplicates = 0;
      for (Prediction p : t.predictions()) {
        Prediction before = byEvent.putIfAbsent(p.getEntityId() + "/" + p.getEventId(), p);
        if (before != null) {
          duplicates++;
          assertThat(p).as("a prediction delivered twice has the same content").isEqualTo(before);
        }
        assertThat(p.getModelVersion()).isEqualTo(1);
        float[] y = new float[p.getOutputs().size()];
        for (int i = 0; i < y.length; i++) {
          y[i] = p.getOutputs().get(i);
        }
        assertThat(y).as("prediction for %s", p.getEventId()).containsExactly(outputs.get(p.getEventId()));
      }
      assertThat(byEvent).hasSize(total);
      assertThat(t.deadLetters()).as("nothing wrong with the input, nothing older than the kept predictions").isEmpty();

      // Something was delivered again, or the kill tested nothing.
      double redelivered = metric(port, REDELIVERED);
      assertThat(redelivered).as("events delivered again and re-emitted after the kill (the restarted instance's"
          + " cellstream_redelivered_total); none means the kill landed where nothing was uncommitted").isPositive();

      // Every label learned from once: the trainer's own count, from its store's changelog.
      String changelog = h.app + "-" + io.cellstream.stream.CellstreamTopology.TRAINER_STORE + "-changelog";
      int labelsSent = labels;
      long learned = await().atMost(Duration.ofSeconds(60)).until(() -> examplesSeen(h, changelog, spec),
          n -> n >= labelsSent);
      long examplesOnTopic = t.examples().size();
      System.out.printf("low-latency kill -9: %d events, %d predictions (%d twice, identical), %d re-emitted from kept"
          + " predictions; %d labels, %d examples on the training topic, %d learned by the trainer%n", total,
          t.predictions().size(), duplicates, (long) redelivered, labels, examplesOnTopic, learned);
      assertThat(learned).as("examples learned from by the trainer (%d on the training topic)", examplesOnTopic)
          .isEqualTo(labels);
      ChaosHarness.assertNoThreadDied(second);
      assertThat(h.terminate(second)).as(second.describe()).isZero();
    }
  }

  /** The trainer's examplesSeen in the newest "meta" record of its changelog (0 before there is one). */
  private static long examplesSeen(ChaosHarness h, String changelog, ModelSpec spec) {
    long seen = 0;
    for (ConsumerRecord<byte[], byte[]> rec : h.readAll(changelog)) {
      if (rec.key() != null && "meta".equals(new String(rec.key(), StandardCharsets.UTF_8)) && rec.value() != null) {
        seen = TrainerStateCodec.decodeMeta(rec.value(), spec).examplesSeen();
      }
    }
    return seen;
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  private static double metric(int port, Pattern p) throws Exception {
    Matcher m = p.matcher(get(port, "/metrics"));
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static float[] floats(JsonNode values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Float.parseFloat(values.get(i).asText()); // the float as printed: exact
    }
    return out;
  }
}
