package io.cellstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import io.cellstream.stream.CellstreamService;
import io.cellstream.stream.CellstreamTopology;
import io.cellstream.stream.ModelAdmin;
import io.cellstream.stream.ModelVersion;
import io.cellstream.stream.StreamSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP interface (JDK HttpServer; no framework):
 *
 * <pre>
 * GET  /health/live             200 while the instance has not failed
 * GET  /health/ready            200 when Kafka Streams is RUNNING and a model is loaded
 * GET  /metrics                 Prometheus text format
 * GET  /entities/{id}[?full=true]  the entity's memory: h, c, gates of its last step (from whichever instance owns it)
 * GET  /model                   the model in use and its metadata
 * GET  /model/history           the versions kept on the models topic
 * POST /model/rollback?version=N   republish version N as a new version (Authorization: Bearer &lt;token&gt;)
 * </pre>
 */
public final class HttpApi implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  static final String FORWARDED_HEADER = "X-Cellstream-Forwarded";

  private final CellstreamService service;
  private final PrometheusMeterRegistry prometheus;
  private final ModelAdmin admin;
  private final String adminToken;
  private final HttpServer server;
  private final ExecutorService executor;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final EntityStateCodec codec = new EntityStateCodec();

  public HttpApi(String host, int port, CellstreamService service, PrometheusMeterRegistry prometheus,
      ModelAdmin admin, String adminToken) throws IOException {
    this.service = service;
    this.prometheus = prometheus;
    this.admin = admin;
    this.adminToken = adminToken;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "cellstream-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/health/live", ex -> handle(ex, this::live));
    server.createContext("/health/ready", ex -> handle(ex, this::ready));
    server.createContext("/metrics", ex -> handle(ex, this::metrics));
    server.createContext("/entities/", ex -> handle(ex, this::entity));
    server.createContext("/model", ex -> handle(ex, this::model));
  }

  public void start() {
    server.start();
    log.info("HTTP on http://{}:{} (health, metrics, entities, model)", server.getAddress().getHostString(), port());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------ handlers

  private interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  private void handle(HttpExchange ex, Handler h) {
    try (ex) {
      try {
        h.handle(ex);
      } catch (RuntimeException | IOException e) {
        log.warn("HTTP {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        sendJson(ex, 500, error("internal error: " + e.getMessage()));
      }
    } catch (IOException ignored) {
      // the client went away
    }
  }

  private void live(HttpExchange ex) throws IOException {
    boolean alive = service.isAlive();
    ObjectNode body = json.createObjectNode().put("status", alive ? "UP" : "DOWN")
        .put("streams", service.streams().state().name());
    sendJson(ex, alive ? 200 : 503, body);
  }

  private void ready(HttpExchange ex) throws IOException {
    boolean ready = service.isReady();
    ModelVersion m = service.models().current();
    ObjectNode body = json.createObjectNode().put("status", ready ? "UP" : "DOWN")
        .put("streams", service.streams().state().name());
    if (m == null) {
      body.putNull("modelVersion");
    } else {
      body.put("modelVersion", m.version());
    }
    sendJson(ex, ready ? 200 : 503, body);
  }

  private void metrics(HttpExchange ex) throws IOException {
    byte[] body = prometheus.scrape().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private void entity(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equals("GET")) {
      sendJson(ex, 405, error("use GET"));
      return;
    }
    String raw = ex.getRequestURI().getRawPath().substring("/entities/".length());
    String id = URLDecoder.decode(raw, StandardCharsets.UTF_8);
    if (id.isEmpty()) {
      sendJson(ex, 400, error("entity id missing: GET /entities/{id}"));
      return;
    }
    boolean full = "true".equals(query(ex).get("full"));
    KafkaStreams streams = service.streams();
    KeyQueryMetadata md;
    try {
      md = streams.queryMetadataForKey(CellstreamTopology.ENTITY_STORE, id, new StringSerializer());
    } catch (RuntimeException e) {
      sendJson(ex, 503, error("not ready to answer queries: " + e.getMessage()));
      return;
    }
    if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.activeHost() == null) {
      sendJson(ex, 503, error("no instance owns this entity's partition yet (rebalancing?)"));
      return;
    }
    HostInfo self = selfHost();
    if (self != null && !md.activeHost().equals(self) && ex.getRequestHeaders().getFirst(FORWARDED_HEADER) == null) {
      forward(ex, md.activeHost());
      return;
    }
    ReadOnlyKeyValueStore<String, byte[]> store;
    byte[] bytes;
    try {
      store = streams.store(StoreQueryParameters.fromNameAndType(CellstreamTopology.ENTITY_STORE,
          QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(md.partition()));
      bytes = store.get(id);
    } catch (InvalidStateStoreException e) {
      sendJson(ex, 503, error("the entity store is not queryable right now (" + e.getMessage() + "); retry"));
      return;
    }
    if (bytes == null) {
      sendJson(ex, 404, error("unknown entity '" + id + "'"));
      return;
    }
    StreamSettings s = service.settings();
    EntityState state = new EntityState(s.spec().inputSize(), s.spec().hiddenSize(), s.spec().outputSize(),
        s.windowSteps(), s.checkpointEvery());
    synchronized (codec) {
      codec.decode(bytes, state);
    }
    sendJson(ex, 200, EntityView.toJson(json, id, state, full, self == null ? null : self.host() + ":" + self.port()));
  }

  private HostInfo selfHost() {
    String server = service.applicationServer();
    return server == null ? null : HostInfo.buildFromEndpoint(server);
  }

  private void forward(HttpExchange ex, HostInfo owner) throws IOException {
    URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + ex.getRequestURI());
    try {
      HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
          .header(FORWARDED_HEADER, "1").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.getResponseHeaders().set("X-Cellstream-Served-By", owner.host() + ":" + owner.port());
      ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sendJson(ex, 503, error("interrupted while asking " + owner));
    } catch (IOException e) {
      sendJson(ex, 502, error("the instance that owns this entity (" + owner.host() + ":" + owner.port()
          + ") did not answer: " + e.getMessage()));
    }
  }

  private void model(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    switch (path) {
      case "/model", "/model/" -> {
        ModelVersion m = service.models().current();
        if (m == null) {
          sendJson(ex, 503, error("no model version loaded yet"));
        } else {
          sendJson(ex, 200, describe(m));
        }
      }
      case "/model/history" -> {
        ArrayNode arr = json.createArrayNode();
        for (ModelVersion v : admin.history()) {
          arr.add(describe(v));
        }
        ObjectNode body = json.createObjectNode();
        body.put("model", service.settings().modelName());
        body.set("versions", arr);
        sendJson(ex, 200, body);
      }
      case "/model/rollback" -> rollback(ex);
      default -> sendJson(ex, 404, error("no such resource: " + path));
    }
  }

  private void rollback(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equals("POST")) {
      sendJson(ex, 405, error("use POST /model/rollback?version=N"));
      return;
    }
    if (adminToken == null) {
      sendJson(ex, 403, error("model admin is disabled: set cellstream.admin.token (or CELLSTREAM_ADMIN_TOKEN)"));
      return;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String presented = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        adminToken.getBytes(StandardCharsets.UTF_8))) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      sendJson(ex, 401, error("a valid admin token is required: Authorization: Bearer <token>"));
      return;
    }
    try (InputStream in = ex.getRequestBody()) {
      in.readAllBytes();
    }
    String v = query(ex).get("version");
    long version;
    try {
      version = Long.parseLong(v == null ? "" : v);
    } catch (NumberFormatException e) {
      sendJson(ex, 400, error("version must be a number: POST /model/rollback?version=N"));
      return;
    }
    try {
      ModelVersion published = admin.rollback(version, Duration.ofSeconds(30));
      ObjectNode body = describe(published);
      body.put("rolledBackTo", version);
      sendJson(ex, 200, body);
    } catch (IllegalArgumentException e) {
      sendJson(ex, 404, error(e.getMessage()));
    } catch (IllegalStateException e) {
      sendJson(ex, 503, error(e.getMessage()));
    }
  }

  // ------------------------------------------------------------------ helpers

  private ObjectNode describe(ModelVersion m) {
    ObjectNode o = json.createObjectNode();
    o.put("name", m.name());
    o.put("version", m.version());
    o.put("origin", m.origin());
    if (m.parentVersion() == null) {
      o.putNull("parentVersion");
    } else {
      o.put("parentVersion", m.parentVersion());
    }
    o.put("createdAt", Instant.ofEpochMilli(m.model().createdAtMillis()).toString());
    o.put("examplesSeen", m.model().examplesSeen());
    if (m.trainingLoss() == null) {
      o.putNull("trainingLoss");
    } else {
      o.put("trainingLoss", m.trainingLoss());
    }
    o.put("task", m.model().spec().task().id());
    o.put("inputSize", m.model().spec().inputSize());
    o.put("hiddenSize", m.model().spec().hiddenSize());
    o.put("outputSize", m.model().spec().outputSize());
    return o;
  }

  private ObjectNode error(String message) {
    return json.createObjectNode().put("error", message);
  }

  private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> query(HttpExchange ex) {
    String q = ex.getRequestURI().getRawQuery();
    if (q == null || q.isEmpty()) {
      return Map.of();
    }
    Map<String, String> m = new java.util.HashMap<>();
    for (String part : q.split("&")) {
      int i = part.indexOf('=');
      String k = URLDecoder.decode(i < 0 ? part : part.substring(0, i), StandardCharsets.UTF_8);
      String v = i < 0 ? "" : URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8);
      m.put(k, v);
    }
    return m;
  }

}
