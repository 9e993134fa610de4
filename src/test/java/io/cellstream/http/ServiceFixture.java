package io.cellstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.Prediction;
import io.cellstream.cli.ServiceRunner;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.Settings;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.serde.SerdeException;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.testing.SharedStack;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One deployment on the shared broker and registry, configured the way an operator would (settings through
 * {@link CellstreamConfig}), with service instances started by {@link ServiceRunner} (HTTP on a free port),
 * a producer of events and labels, a read_committed reader of predictions, an HTTP client, and the engine run
 * by hand over the same events for the expected memory of each entity.
 */
final class ServiceFixture implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final String prefix = SharedStack.uniqueName("http");
  final String applicationId = prefix + "-app";
  final ModelSpec spec;
  final CellstreamSerdes serdes = CellstreamSerdes.using(SharedStack.registryClient());
  private final Map<String, String> settings = new LinkedHashMap<>();
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> predictionReader;
  private final List<Prediction> predictions = new ArrayList<>();
  private final List<ServiceRunner> runners = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  // Recent, not a fixed date: record timestamps years old are deleted by the topic's time retention (7 days by
  // default) at the broker's next retention check, and a consumer then resumes at the end of an emptied log.
  private long time = System.currentTimeMillis();

  /** The events sent, in order: the hand run replays them. */
  private final List<Event> sent = new ArrayList<>();

  ServiceFixture(ModelSpec spec, int partitions, Map<String, String> overrides) {
    this.spec = spec;
    settings.put("application.id", applicationId);
    settings.put("bootstrap.servers", SharedStack.bootstrapServers());
    settings.put("schema.registry.url", SharedStack.schemaRegistryUrl());
    settings.put("commit.interval.ms", "100");
    settings.put("session.timeout.ms", "6000");
    settings.put("heartbeat.interval.ms", "1000");
    settings.put("cellstream.topic.events", prefix + "-events");
    settings.put("cellstream.topic.labels", prefix + "-labels");
    settings.put("cellstream.topic.predictions", prefix + "-predictions");
    settings.put("cellstream.topic.dead-letters", prefix + "-dead-letters");
    settings.put("cellstream.topic.models", prefix + "-models");
    settings.put("cellstream.topic.training-examples", prefix + "-training");
    settings.put("cellstream.topics.partitions", String.valueOf(partitions));
    settings.put("cellstream.topics.replication-factor", "1");
    settings.put("cellstream.model.name", "m");
    settings.put("cellstream.model.task", spec.task().id());
    settings.put("cellstream.model.input-size", String.valueOf(spec.inputSize()));
    settings.put("cellstream.model.hidden-size", String.valueOf(spec.hiddenSize()));
    settings.put("cellstream.model.output-size", String.valueOf(spec.outputSize()));
    settings.put("cellstream.model.seed", "7");
    settings.put("cellstream.window.steps", "8");
    settings.put("cellstream.window.checkpoint-every", "4");
    settings.put("cellstream.training.bptt-steps", "4");
    settings.put("cellstream.training.batch-size", "4");
    // Keep version 1 until a test asks otherwise, so that every prediction can be recomputed by hand.
    settings.put("cellstream.training.publish.every-examples", "1000000");
    settings.put("cellstream.training.publish.every-seconds", "86400");
    settings.put("cellstream.http.host", "127.0.0.1");
    settings.put("cellstream.http.port", "0");
    settings.put("cellstream.shutdown.timeout-seconds", "30");
    settings.putAll(overrides);

    Map<String, Object> p = SharedStack.producerConfig();
    p.put("linger.ms", 5);
    p.put("enable.idempotence", true);
    producer = new KafkaProducer<>(p);
    predictionReader = new KafkaConsumer<>(SharedStack.consumerConfig());
  }

  /** The validated configuration of instance {@code name} (its own state directory). */
  CellstreamConfig config(String name) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    s.put("state.dir", stateDir(name).toString());
    return CellstreamConfig.from(new Settings().withDefaults(CellstreamConfig.defaults()).withCommandLine(s));
  }

  Path stateDir(String name) {
    return Path.of("target", "it-state", applicationId, name).toAbsolutePath();
  }

  /** HTTP up (and the topics created), Kafka Streams not started yet. */
  ServiceRunner create(String name) throws Exception {
    ServiceRunner r = ServiceRunner.create(config(name), true);
    runners.add(r);
    return r;
  }

  ServiceRunner start(String name) throws Exception {
    return create(name).startStreams();
  }

  String topic(String key) {
    return settings.get(key);
  }

  // ------------------------------------------------------------------ producing

  Event event(String entity, float[] x, Float target) {
    List<Float> f = new ArrayList<>();
    for (float v : x) {
      f.add(v);
    }
    time += 10;
    int n = (int) sent.stream().filter(e -> e.getEntityId().equals(entity)).count();
    return Event.newBuilder().setEntityId(entity).setEventId(entity + "#" + n).setEventTime(Instant.ofEpochMilli(time))
        .setFeatures(f).setTarget(target).build();
  }

  /** Sends a valid event (keyed by its entity id) and remembers it for the hand run. */
  void send(Event e) {
    sent.add(e);
    sendRaw(e);
  }

  /** Sends without remembering: for events the service must refuse. */
  void sendRaw(Event e) {
    String topic = topic("cellstream.topic.events");
    producer.send(new ProducerRecord<>(topic, null, e.getEventTime().toEpochMilli(),
        e.getEntityId().getBytes(StandardCharsets.UTF_8), serdes.events().encode(topic, e)));
  }

  void sendLabel(String entity, String eventId, float target) {
    String topic = topic("cellstream.topic.labels");
    Label l = Label.newBuilder().setEntityId(entity).setEventId(eventId).setTarget(target).build();
    producer.send(new ProducerRecord<>(topic, entity.getBytes(StandardCharsets.UTF_8), serdes.labels().encode(topic, l)));
  }

  void flush() {
    producer.flush();
  }

  List<Event> sent() {
    return sent;
  }

  /** Every committed prediction so far, in arrival order. */
  List<Prediction> predictions() throws SerdeException {
    if (predictionReader.subscription().isEmpty()) {
      predictionReader.subscribe(List.of(topic("cellstream.topic.predictions")));
    }
    for (ConsumerRecord<byte[], byte[]> r : predictionReader.poll(Duration.ofMillis(200))) {
      predictions.add(serdes.predictions().decode(r.topic(), r.value()));
    }
    return predictions;
  }

  // ------------------------------------------------------------------ the engine by hand

  /** An entity's memory after its events, computed with version 1 as the service computes it. */
  record Memory(float[] h, float[] c, float[] y, float[] gates, long events) {}

  Map<String, Memory> expectedWithVersion1() {
    Model v1 = Model.of(Init.uniform(spec, 7, io.cellstream.learn.LearnerSettings.DEFAULTS.forgetBias()), 1, 0, 0);
    LstmKernel kernel = LstmKernels.get();
    StepWorkspace ws = kernel.newWorkspace(spec);
    int hs = spec.hiddenSize();
    Map<String, Memory> out = new HashMap<>();
    for (Event e : sent) {
      Memory m = out.computeIfAbsent(e.getEntityId(), k -> new Memory(new float[hs], new float[hs],
          new float[spec.outputSize()], new float[spec.gateRows()], 0));
      float[] x = new float[spec.inputSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = e.getFeatures().get(i);
      }
      kernel.step(v1, x, 0, m.h(), m.c(), m.gates(), m.y(), ws);
      out.put(e.getEntityId(), new Memory(m.h(), m.c(), m.y(), m.gates(), m.events() + 1));
    }
    return out;
  }

  // ------------------------------------------------------------------ HTTP

  record Response(int status, String contentType, JsonNode json, String body, HttpResponse<String> raw) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  static String entityPath(String id) {
    return "/entities/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  Response get(ServiceRunner r, String path) throws IOException, InterruptedException {
    return send(r, HttpRequest.newBuilder(uri(r, path)).GET());
  }

  Response post(ServiceRunner r, String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(r, path)).POST(HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(r, b);
  }

  Response send(ServiceRunner r, HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    String type = resp.headers().firstValue("Content-Type").orElse("");
    JsonNode json = type.startsWith("application/json") ? JSON.readTree(resp.body()) : null;
    return new Response(resp.statusCode(), type, json, resp.body(), resp);
  }

  static URI uri(ServiceRunner r, String path) {
    return URI.create("http://127.0.0.1:" + r.http().port() + path);
  }

  @Override
  public void close() {
    for (ServiceRunner r : runners) {
      try {
        r.close(Duration.ofSeconds(30));
      } catch (RuntimeException e) {
        // already closed by the test
      }
    }
    producer.close();
    predictionReader.close();
  }
}
