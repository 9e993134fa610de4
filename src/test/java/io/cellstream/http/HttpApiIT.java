package io.cellstream.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.cli.ServiceRunner;
import io.cellstream.http.ServiceFixture.Memory;
import io.cellstream.http.ServiceFixture.Response;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.stream.StreamMetrics;
import io.cellstream.testing.SharedStackExtension;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP interface of one running instance on the real broker and registry: started by
 * {@link ServiceRunner} from an operator's configuration, fed events (some with inline labels, some delayed
 * labels, one bad record), then asked about its health, metrics, entities and model. The rollback runs last
 * because it changes the model in use.
 */
@ExtendWith(SharedStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpApiIT {

  private static final ModelSpec SPEC = new ModelSpec(3, 8, 1, Task.BINARY);
  private static final String TOKEN = "test-admin-token-0123456789";
  /** Ids that need percent-encoding in a URL, or that form decoding would change ('+'). */
  private static final List<String> ENTITIES = List.of("card-1", "user/42", "a+b", "ünï cödé", "x?y#z%", "e5", "e6", "e7");
  private static final int EVENTS_PER_ENTITY = 12;

  private ServiceFixture f;
  private ServiceRunner runner;
  private Response liveBeforeStart;
  private Response readyBeforeStart;
  private Response metricsBeforeEvents;

  @BeforeAll
  void startTheServiceAndFeedIt() throws Exception {
    f = new ServiceFixture(SPEC, 2, Map.of("cellstream.admin.token", TOKEN));
    runner = f.create("a");
    liveBeforeStart = f.get(runner, "/health/live");
    readyBeforeStart = f.get(runner, "/health/ready");
    runner.startStreams();
    await().atMost(Duration.ofSeconds(60)).until(() -> f.get(runner, "/health/ready").status() == 200);
    metricsBeforeEvents = f.get(runner, "/metrics");

    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < EVENTS_PER_ENTITY; i++) {
      for (String e : ENTITIES) {
        float[] x = {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
        Float inline = i % 3 == 2 ? (x[0] > 0 ? 1f : 0f) : null;
        f.send(f.event(e, x, inline));
      }
    }
    // Refused records: one with the wrong number of features, and delayed labels of every kind.
    f.sendRaw(f.event("card-1", new float[] {1f, 2f}, null));
    f.flush();
    await().atMost(Duration.ofSeconds(60)).until(() -> f.predictions().size() >= ENTITIES.size() * EVENTS_PER_ENTITY);
    f.sendLabel("card-1", "card-1#10", 1f);   // in the window: matched
    f.sendLabel("card-1", "card-1#0", 1f);    // left the window long ago: expired
    f.sendLabel("nobody", "nobody#0", 0f);    // never seen: held for its event
    f.flush();
    StreamMetrics m = runner.service().metrics();
    int inline = ENTITIES.size() * (EVENTS_PER_ENTITY / 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> m.labels(LabelOutcome.MATCHED) >= inline + 1
        && m.labels(LabelOutcome.EXPIRED) >= 1 && m.labels(LabelOutcome.HELD) >= 1 && m.deadLettersTotal() >= 1);
  }

  @AfterAll
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  @Order(1)
  void readyOnlyOnceKafkaStreamsRunsAndAModelIsLoaded() throws Exception {
    assertThat(liveBeforeStart.status()).isEqualTo(200);
    assertThat(liveBeforeStart.json().get("status").asText()).isEqualTo("UP");
    assertThat(readyBeforeStart.status()).isEqualTo(503);
    assertThat(readyBeforeStart.json().get("status").asText()).isEqualTo("DOWN");
    assertThat(readyBeforeStart.json().get("streams").asText()).isEqualTo("CREATED");
    assertThat(readyBeforeStart.json().get("modelVersion").isNull()).isTrue();

    Response ready = f.get(runner, "/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.contentType()).isEqualTo("application/json; charset=utf-8");
    assertThat(ready.json().get("streams").asText()).isEqualTo("RUNNING");
    assertThat(ready.json().get("modelVersion").asLong()).isEqualTo(1);
    assertThat(f.get(runner, "/health/live").status()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void metricsHaveOurMetersKafkaStreamsAndTheJvmAndTheyMoved() throws Exception {
    Response m = f.get(runner, "/metrics");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    String text = m.body();
    int valid = ENTITIES.size() * EVENTS_PER_ENTITY;

    assertThat(value(text, "cellstream_events_total")).isEqualTo(valid + 1);
    assertThat(value(text, "cellstream_predictions_total")).isEqualTo(valid);
    assertThat(value(text, "cellstream_dead_letters_total{reason=\"wrong-dimension\"}")).isEqualTo(1);
    assertThat(value(text, "cellstream_dead_letters_total{reason=\"undecodable\"}")).isZero();
    assertThat(value(text, "cellstream_step_latency_seconds_count")).isEqualTo(valid);
    assertThat(text).contains("cellstream_step_latency_seconds_bucket{le=\"+Inf\"}");
    assertThat(value(text, "cellstream_model_version")).isEqualTo(1);
    int inline = ENTITIES.size() * (EVENTS_PER_ENTITY / 3);
    assertThat(value(text, "cellstream_labels_total{outcome=\"matched\"}")).isEqualTo(inline + 1);
    assertThat(value(text, "cellstream_labels_total{outcome=\"expired\"}")).isEqualTo(1);
    assertThat(value(text, "cellstream_labels_total{outcome=\"held\"}")).as("the label of an entity not seen yet").isEqualTo(1);
    assertThat(value(text, "cellstream_training_examples_total")).isEqualTo(inline + 1);
    assertThat(value(text, "cellstream_prequential_pairs")).isEqualTo(inline + 1);
    assertThat(value(text, "cellstream_prequential_logloss")).isPositive().isFinite();
    assertThat(value(text, "cellstream_prequential_accuracy")).isBetween(0.0, 1.0);
    await().atMost(Duration.ofSeconds(20)).until(() -> value(f.get(runner, "/metrics").body(),
        "cellstream_training_updates_total{result=\"applied\"}") >= 1);
    assertThat(value(f.get(runner, "/metrics").body(), "cellstream_training_loss")).isPositive().isFinite();

    // Before any event: ours at zero, the same names present.
    String before = metricsBeforeEvents.body();
    assertThat(value(before, "cellstream_events_total")).isZero();
    assertThat(value(before, "cellstream_predictions_total")).isZero();

    // Kafka Streams and its clients, bound by Micrometer's KafkaStreamsMetrics.
    assertThat(text).containsPattern("(?m)^kafka_stream_thread_process_total\\{.*\\} [1-9]");
    assertThat(text).containsPattern("(?m)^kafka_consumer_fetch_manager_records_consumed_total\\{");
    assertThat(text).containsPattern("(?m)^kafka_producer_record_send_total\\{");
    // The JVM.
    assertThat(text).containsPattern("(?m)^jvm_memory_used_bytes\\{");
    assertThat(text).containsPattern("(?m)^jvm_threads_live_threads ");
    assertThat(text).containsPattern("(?m)^jvm_gc_pause_seconds_count\\{|^jvm_gc_memory_allocated_bytes_total ");
    assertThat(text).containsPattern("(?m)^process_uptime_seconds ");

    Response om = f.send(runner, HttpRequest.newBuilder(ServiceFixture.uri(runner, "/metrics"))
        .header("Accept", "application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5").GET());
    assertThat(om.contentType()).startsWith("application/openmetrics-text");
    assertThat(om.body()).contains("cellstream_events_total").endsWith("# EOF\n");
  }

  @Test
  @Order(3)
  void entitiesShowTheStoredMemoryAndAgreeWithTheEngineRunByHand() throws Exception {
    Map<String, Memory> expected = f.expectedWithVersion1();
    for (String id : ENTITIES) {
      Memory m = expected.get(id);
      Response summary = f.get(runner, ServiceFixture.entityPath(id));
      assertThat(summary.status()).as("GET %s", ServiceFixture.entityPath(id)).isEqualTo(200);
      JsonNode s = summary.json();
      assertThat(s.get("entityId").asText()).isEqualTo(id);
      assertThat(s.get("eventsSeen").asLong()).isEqualTo(EVENTS_PER_ENTITY);
      assertThat(s.get("modelVersion").asLong()).isEqualTo(1);
      assertThat(s.get("h").has("values")).as("summary only").isFalse();
      assertThat(s.get("h").get("size").asInt()).isEqualTo(SPEC.hiddenSize());
      assertThat(s.get("h").get("norm").asDouble()).isCloseTo(norm(m.h()), within(1e-5));
      assertThat(s.get("c").get("norm").asDouble()).isCloseTo(norm(m.c()), within(1e-5));
      assertThat(s.get("h").get("max").asDouble()).isCloseTo(max(m.h()), within(1e-6));
      assertThat(s.get("lastPrediction").get(0).asDouble()).isCloseTo(m.y()[0], within(1e-6));

      JsonNode full = f.get(runner, ServiceFixture.entityPath(id) + "?full=true").json();
      assertClose(full.get("h").get("values"), m.h(), 1e-6);
      assertClose(full.get("c").get("values"), m.c(), 1e-6);
      // Gates are stored to 1/255: i at rows 0..H, f at H..2H, o at 3H..4H of the (4H) activations.
      int hs = SPEC.hiddenSize();
      assertClose(full.get("gates").get("input").get("values"), slice(m.gates(), 0, hs), 0.5 / 255 + 1e-6);
      assertClose(full.get("gates").get("forget").get("values"), slice(m.gates(), hs, hs), 0.5 / 255 + 1e-6);
      assertClose(full.get("gates").get("output").get("values"), slice(m.gates(), 3 * hs, hs), 0.5 / 255 + 1e-6);
    }
  }

  @Test
  @Order(4)
  void unknownEntitiesAndBadRequestsGetJsonErrors() throws Exception {
    Response unknown = f.get(runner, "/entities/nobody-here");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.contentType()).isEqualTo("application/json; charset=utf-8");
    assertThat(unknown.json().get("error").asText()).contains("unknown entity 'nobody-here'");
    assertThat(f.get(runner, "/entities/").status()).isEqualTo(400);
    assertThat(rawStatusLine("/entities/%zz")).as("a malformed escape (the JDK client refuses to send one)").contains(" 400 ");
    // '+' is part of the id in a path, not a space: "a b" was never seen.
    assertThat(f.get(runner, "/entities/a+b").status()).isEqualTo(200);
    assertThat(f.get(runner, "/entities/a%20b").status()).isEqualTo(404);
    Response nowhere = f.get(runner, "/nowhere");
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.json().get("endpoints")).isNotEmpty();
    Response wrongMethod = f.send(runner, HttpRequest.newBuilder(ServiceFixture.uri(runner, "/entities/card-1"))
        .DELETE());
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.header("Allow")).isEqualTo("GET");
    assertThat(f.get(runner, "/model/rollback?version=1").status()).isEqualTo(405);
  }

  @Test
  @Order(5)
  void modelAndHistoryDescribeVersion1() throws Exception {
    Response m = f.get(runner, "/model");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.json().get("name").asText()).isEqualTo("m");
    assertThat(m.json().get("version").asLong()).isEqualTo(1);
    assertThat(m.json().get("origin").asText()).isEqualTo("init");
    assertThat(m.json().get("parentVersion").isNull()).isTrue();
    assertThat(m.json().get("hiddenSize").asInt()).isEqualTo(SPEC.hiddenSize());
    assertThat(m.json().get("task").asText()).isEqualTo("binary");

    Response h = f.get(runner, "/model/history");
    assertThat(h.status()).isEqualTo(200);
    assertThat(h.json().get("model").asText()).isEqualTo("m");
    assertThat(h.json().get("versions")).hasSize(1);
    assertThat(h.json().get("versions").get(0).get("version").asLong()).isEqualTo(1);
  }

  @Test
  @Order(6)
  void rollbackNeedsTheTokenAndPublishesANewVersionThatPredictionsThenUse() throws Exception {
    Response none = f.post(runner, "/model/rollback?version=1", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(f.post(runner, "/model/rollback?version=1", "wrong-token-0123456789").status()).isEqualTo(401);
    assertThat(f.post(runner, "/model/rollback?version=1", TOKEN.substring(1)).status()).isEqualTo(401);
    Response missing = f.post(runner, "/model/rollback?version=99", TOKEN);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("error").asText()).contains("version 99 is not in the history");
    assertThat(f.post(runner, "/model/rollback?version=latest", TOKEN).status()).isEqualTo(400);
    assertThat(f.get(runner, "/model").json().get("version").asLong()).as("nothing published by refusals").isEqualTo(1);

    Response ok = f.post(runner, "/model/rollback?version=1", TOKEN);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().get("version").asLong()).isEqualTo(2);
    assertThat(ok.json().get("origin").asText()).isEqualTo("rollback");
    assertThat(ok.json().get("parentVersion").asLong()).isEqualTo(1);
    assertThat(ok.json().get("rolledBackTo").asLong()).isEqualTo(1);

    Response m = f.get(runner, "/model");
    assertThat(m.json().get("version").asLong()).isEqualTo(2);
    assertThat(m.json().get("origin").asText()).isEqualTo("rollback");
    await().atMost(Duration.ofSeconds(10)).until(() -> f.get(runner, "/model/history").json().get("versions").size() == 2);
    assertThat(value(f.get(runner, "/metrics").body(), "cellstream_model_version")).isEqualTo(2);

    // The next events are predicted with version 2 (same parameters as 1, since it rolled back to 1).
    Event e = f.event("after-rollback", new float[] {0.5f, -0.5f, 0.25f}, null);
    f.send(e);
    f.flush();
    await().atMost(Duration.ofSeconds(30)).until(() -> f.predictions().stream()
        .anyMatch(p -> p.getEventId().equals(e.getEventId())));
    Prediction p = f.predictions().stream().filter(x -> x.getEventId().equals(e.getEventId())).findFirst().orElseThrow();
    assertThat(p.getModelVersion()).isEqualTo(2);
    assertThat(p.getOutputs().getFirst()).isCloseTo(f.expectedWithVersion1().get("after-rollback").y()[0], within(1e-6f));
    JsonNode after = f.get(runner, "/entities/after-rollback").json();
    assertThat(after.get("modelVersion").asLong()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ helpers

  private String rawStatusLine(String path) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", runner.http().port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
          java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    }
  }

  /** The value of one sample line ({@code name} including its labels, exactly as exposed). */
  static double value(String prometheusText, String sample) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(prometheusText);
    if (!m.find()) {
      throw new AssertionError("no sample " + sample + " in\n" + prometheusText.lines()
          .filter(l -> l.startsWith(sample.replaceAll("[{].*", ""))).toList());
    }
    return Double.parseDouble(m.group(1));
  }

  private static void assertClose(JsonNode values, float[] expected, double tolerance) {
    assertThat(values).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(values.get(i).asDouble()).as("[%d]", i).isCloseTo(expected[i], within(tolerance));
    }
  }

  private static float[] slice(float[] v, int from, int n) {
    float[] out = new float[n];
    System.arraycopy(v, from, out, 0, n);
    return out;
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  private static double max(float[] v) {
    float m = Float.NEGATIVE_INFINITY;
    for (float x : v) {
      m = Math.max(m, x);
    }
    return m;
  }
}
