package io.cellstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import io.cellstream.state.StateFormatException;
import io.cellstream.stream.CellstreamService;
import io.cellstream.stream.CellstreamTopology;
import io.cellstream.stream.ModelAdmin;
import io.cellstream.stream.ModelVersion;
import io.cellstream.stream.StreamSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The service's HTTP interface (JDK HttpServer; no framework). Every answer except /metrics is JSON
 * ({@code application/json; charset=utf-8}); errors are {@code {"error": "..."}} with a status that says who
 * should act: 4xx the caller, 503 (with {@code Retry-After}) "try again shortly", 502 another instance.
 *
 * <pre>
 * GET  /health/live                200 while the instance has not failed, else 503
 * GET  /health/ready               200 when Kafka Streams is RUNNING, a model is loaded and nothing stops the work
 *                                  (registry or Kafka not answering, stores restoring), else 503 with the reason
 * GET  /metrics                    Prometheus text format (OpenMetrics if the scraper asks for it)
 * GET  /entities/{id}[?full=true]  the entity's memory: h, c, gates of its last step (from whichever instance owns it)
 * GET  /model                      the model in use and its metadata
 * GET  /model/history              the versions kept on the models topic
 * POST /model/rollback?version=N   republish version N as a new version (Authorization: Bearer &lt;token&gt;)
 * </pre>
 *
 * <p>Handlers run on a small pool; each request decodes into its own {@link EntityState} with its own codec
 * (codecs are not thread-safe), so queries never contend with each other or with the stream threads.
 */
public final class HttpApi implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  static final String FORWARDED_HEADER = "X-Cellstream-Forwarded";
  static final String SERVED_BY_HEADER = "X-Cellstream-Served-By";
  static final String JSON = "application/json; charset=utf-8";
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final int THREADS = 4;

  private final CellstreamService service;
  private final PrometheusMeterRegistry prometheus;
  private final ModelAdmin admin;
  private final String adminToken;
  private final HttpServer server;
  private final ExecutorService executor;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * Binds {@code host:port} (0 = any free port) without serving anything yet, so that the port is known
   * before Kafka Streams is configured with it ({@code application.server}) and never raced for.
   *
   * @throws BindException with a message naming the address and the settings when it cannot be bound
   */
  public static HttpServer bind(String host, int port) throws BindException {
    try {
      return HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (IOException | UnresolvedAddressException e) {
      throw new BindException("cannot listen on " + host + ":" + port + " (" + e
          + "): another process uses the port or the address is not this machine's; "
          + "choose another with --http-port / cellstream.http.port or --http-host / cellstream.http.host");
    }
  }

  /** Serves on {@code server} (from {@link #bind}) once {@link #start()} is called. */
  public HttpApi(HttpServer server, CellstreamService service, PrometheusMeterRegistry prometheus,
      ModelAdmin admin, String adminToken) {
    this.service = service;
    this.prometheus = prometheus;
    this.admin = admin;
    this.adminToken = adminToken;
    this.server = server;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "cellstream-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/health/live", ex -> handle(ex, this::live));
    server.createContext("/health/ready", ex -> handle(ex, this::ready));
    server.createContext("/metrics", ex -> handle(ex, this::metrics));
    server.createContext("/entities/", ex -> handle(ex, this::entity));
    server.createContext("/model", ex -> handle(ex, this::model));
    server.createContext("/", ex -> handle(ex, this::index));
  }

  /** Binds and constructs in one go (tests, tools). */
  public HttpApi(String host, int port, CellstreamService service, PrometheusMeterRegistry prometheus,
      ModelAdmin admin, String adminToken) throws IOException {
    this(bind(host, port), service, prometheus, admin, adminToken);
  }

  public void start() {
    server.start();
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress() != null && a.getAddress().isAnyLocalAddress() ? "0.0.0.0"
        : a.getHostString().contains(":") ? "[" + a.getHostString() + "]" : a.getHostString();
    log.info("HTTP on http://{}:{} (health, metrics, entities, model)", host, port());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    client.shutdownNow();
  }

  // ------------------------------------------------------------------ handlers

  private interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  private void handle(HttpExchange ex, Handler h) {
    try (ex) {
      try {
        h.handle(ex);
      } catch (InvalidStateStoreException e) {
        // Rebalancing, restoring, or shutting down: the caller should retry.
        ex.getResponseHeaders().set("Retry-After", "1");
        sendJson(ex, 503, error("the state is not queryable right now (" + e.getMessage() + "); retry shortly"));
      } catch (RuntimeException | IOException e) {
        log.warn("HTTP {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        sendJson(ex, 500, error("internal error: " + e));
      }
    } catch (IOException | RuntimeException ignored) {
      // the client went away, or the response was already under way
    }
  }

  /** True if the method is one of {@code allowed}; otherwise answers 405 with an Allow header. */
  private boolean method(HttpExchange ex, String allowed) throws IOException {
    if (ex.getRequestMethod().equals(allowed)) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", allowed);
    sendJson(ex, 405, error(ex.getRequestMethod() + " is not supported here; use " + allowed));
    return false;
  }

  private void index(HttpExchange ex) throws IOException {
    ObjectNode body = error("no such resource: " + ex.getRequestURI().getPath());
    ArrayNode endpoints = body.putArray("endpoints");
    for (String e : new String[] {"GET /health/live", "GET /health/ready", "GET /metrics",
        "GET /entities/{id}[?full=true]", "GET /model", "GET /model/history", "POST /model/rollback?version=N"}) {
      endpoints.add(e);
    }
    sendJson(ex, 404, body);
  }

  private void live(HttpExchange ex) throws IOException {
    if (!method(ex, "GET")) {
      return;
    }
    boolean alive = service.isAlive();
    ObjectNode body = json.createObjectNode().put("status", alive ? "UP" : "DOWN")
        .put("streams", service.streams().state().name());
    sendJson(ex, alive ? 200 : 503, body);
  }

  private void ready(HttpExchange ex) throws IOException {
    if (!method(ex, "GET")) {
      return;
    }
    String problem = service.readinessProblem();
    boolean ready = problem == null;
    ModelVersion m = service.models().current();
    ObjectNode body = json.createObjectNode().put("status", ready ? "UP" : "DOWN")
        .put("streams", service.streams().state().name());
    if (m == null) {
      body.putNull("modelVersion");
    } else {
      body.put("modelVersion", m.version());
    }
    if (!ready) {
      body.put("reason", problem);
      ex.getResponseHeaders().set("Retry-After", "1");
    }
    sendJson(ex, ready ? 200 : 503, body);
  }

  private void metrics(HttpExchange ex) throws IOException {
    if (!method(ex, "GET")) {
      return;
    }
    String accept = ex.getRequestHeaders().getFirst("Accept");
    String type = accept != null && accept.contains("application/openmetrics-text")
        ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
    byte[] body = prometheus.scrape(type).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private void entity(HttpExchange ex) throws IOException {
    if (!method(ex, "GET")) {
      return;
    }
    String id;
    try {
      id = decodePathSegment(ex.getRequestURI().getRawPath().substring("/entities/".length()));
    } catch (IllegalArgumentException e) {
      sendJson(ex, 400, error("the entity id is not validly percent-encoded: " + e.getMessage()));
      return;
    }
    if (id.isEmpty()) {
      sendJson(ex, 400, error("entity id missing: GET /entities/{id} (percent-encode '/', '?', '#', '%' and spaces)"));
      return;
    }
    boolean full = flag(query(ex).get("full"));
    KafkaStreams streams = service.streams();
    KeyQueryMetadata md;
    try {
      md = streams.queryMetadataForKey(CellstreamTopology.ENTITY_STORE, id, new StringSerializer());
    } catch (RuntimeException e) {
      ex.getResponseHeaders().set("Retry-After", "1");
      sendJson(ex, 503, error("not ready to answer queries: " + e.getMessage()));
      return;
    }
    if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.activeHost() == null) {
      ex.getResponseHeaders().set("Retry-After", "1");
      sendJson(ex, 503, error("no instance owns this entity's partition yet (starting or rebalancing); retry shortly"));
      return;
    }
    HostInfo self = selfHost();
    boolean forwarded = ex.getRequestHeaders().getFirst(FORWARDED_HEADER) != null;
    if (self != null && !md.activeHost().equals(self) && !forwarded) {
      forward(ex, md.activeHost());
      return;
    }
    ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
        CellstreamTopology.ENTITY_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(md.partition()));
    byte[] bytes = store.get(id);
    if (bytes == null) {
      sendJson(ex, 404, error("unknown entity '" + id + "': no event of it has been processed"));
      return;
    }
    StreamSettings s = service.settings();
    EntityState state = new EntityState(s.spec().inputSize(), s.spec().hiddenSize(), s.spec().outputSize(),
        s.windowSteps(), s.checkpointEvery());
    try {
      new EntityStateCodec().decode(bytes, state); // a codec per request: codecs are not thread-safe
    } catch (StateFormatException e) {
      sendJson(ex, 500, error("the stored memory of entity '" + id + "' cannot be read (" + e.getMessage()
          + "); its next event starts it afresh"));
      return;
    }
    String servedBy = self == null ? null : self.host() + ":" + self.port();
    if (servedBy != null) {
      ex.getResponseHeaders().set(SERVED_BY_HEADER, servedBy);
    }
    sendJson(ex, 200, EntityView.toJson(json, id, state, full, servedBy));
  }

  private HostInfo selfHost() {
    String server = service.applicationServer();
    return server == null ? null : HostInfo.buildFromEndpoint(server);
  }

  private void forward(HttpExchange ex, HostInfo owner) throws IOException {
    URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + ex.getRequestURI().toString());
    String where = owner.host() + ":" + owner.port();
    try {
      HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
          .header(FORWARDED_HEADER, "1").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      ex.getResponseHeaders().set("Content-Type", r.headers().firstValue("Content-Type").orElse(JSON));
      ex.getResponseHeaders().set(SERVED_BY_HEADER, r.headers().firstValue(SERVED_BY_HEADER).orElse(where));
      r.headers().firstValue("Retry-After").ifPresent(v -> ex.getResponseHeaders().set("Retry-After", v));
      ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sendJson(ex, 503, error("interrupted while asking " + where));
    } catch (IOException e) {
      // Typically an instance that stopped and still owns its partitions until its session times out.
      ex.getResponseHeaders().set("Retry-After", "5");
      sendJson(ex, 502, error("the instance that owns this entity (" + where + ", its application.server) did not answer: "
          + e));
    }
  }

  private void model(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    switch (path) {
      case "/model", "/model/" -> {
        if (!method(ex, "GET")) {
          return;
        }
        ModelVersion m = service.models().current();
        if (m == null) {
          ex.getResponseHeaders().set("Retry-After", "1");
          sendJson(ex, 503, error("no model version loaded yet"));
        } else {
          sendJson(ex, 200, describe(m));
        }
      }
      case "/model/history" -> {
        if (!method(ex, "GET")) {
          return;
        }
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
      default -> index(ex);
    }
  }

  private void rollback(HttpExchange ex) throws IOException {
    if (!method(ex, "POST")) {
      return;
    }
    try (InputStream in = ex.getRequestBody()) {
      in.readNBytes(64 * 1024); // drain (and ignore) a body so that the connection can be reused
    }
    if (adminToken == null) {
      sendJson(ex, 403, error("model admin is disabled: set cellstream.admin.token "
          + "(CELLSTREAM_ADMIN_TOKEN, or a file named by CELLSTREAM_ADMIN_TOKEN_FILE)"));
      return;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        adminToken.getBytes(StandardCharsets.UTF_8))) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cellstream\"");
      log.warn("refused POST /model/rollback from {}: {}", ex.getRemoteAddress(),
          presented == null ? "no bearer token" : "wrong token");
      sendJson(ex, 401, error("a valid admin token is required: Authorization: Bearer <token>"));
      return;
    }
    String v = query(ex).get("version");
    long version;
    try {
      version = Long.parseLong(v == null ? "" : v.trim());
    } catch (NumberFormatException e) {
      sendJson(ex, 400, error("version must be a number: POST /model/rollback?version=N (see GET /model/history)"));
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
      ex.getResponseHeaders().set("Retry-After", "5");
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
    io.cellstream.lstm.InputStatistics st = m.model().statistics();
    if (!st.features().isEmpty()) {
      // what the version reads and the statistics it standardises with (models of ready-made features have none)
      o.put("features", st.features());
      var columns = o.putArray("standardised");
      for (int i = 0; i < st.size(); i++) {
        double n = st.count(i);
        var c = columns.addObject().put("input", st.column(i)).put("count", (long) n).put("mean", st.mean(i));
        if (n == 0) {
          c.putNull("std");
        } else {
          c.put("std", Math.sqrt(st.m2(i) / n));
        }
      }
    }
    return o;
  }

  private ObjectNode error(String message) {
    return json.createObjectNode().put("error", message);
  }

  private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", JSON);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * Percent-decodes one path segment as UTF-8. Unlike form decoding, '+' stays '+' (entity ids such as
   * "a+b" are common); '%2F' becomes '/'.
   */
  static String decodePathSegment(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** A boolean query flag: present without a value, "true", "1" or "yes". */
  private static boolean flag(String v) {
    return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"));
  }

  private static Map<String, String> query(HttpExchange ex) {
    String q = ex.getRequestURI().getRawQuery();
    if (q == null || q.isEmpty()) {
      return Map.of();
    }
    Map<String, String> m = new HashMap<>();
    for (String part : q.split("&")) {
      int i = part.indexOf('=');
      try {
        String k = URLDecoder.decode(i < 0 ? part : part.substring(0, i), StandardCharsets.UTF_8);
        String v = i < 0 ? "" : URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8);
        m.putIfAbsent(k, v);
      } catch (IllegalArgumentException e) {
        // a malformed parameter is ignored, as if absent
      }
    }
    return m;
  }
}
