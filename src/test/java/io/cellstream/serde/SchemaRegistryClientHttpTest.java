package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cellstream.avro.Event;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's HTTP behaviour against a scripted server: paths, headers, auth, retries, errors. */
class SchemaRegistryClientHttpTest {

  record Seen(String method, String rawPath, Map<String, List<String>> headers, String body) {}

  record Answer(int status, String contentType, String body, long delayMs) {
    static Answer json(int status, String body) {
      return new Answer(status, SchemaRegistryClient.CONTENT_TYPE, body, 0);
    }
  }

  private HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Deque<Answer> script = new ArrayDeque<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), Map.copyOf(ex.getRequestHeaders()), body));
    Answer a;
    synchronized (script) {
      a = script.size() > 1 ? script.poll() : script.peek();
    }
    if (a == null) {
      a = Answer.json(500, "{\"error_code\":50001,\"message\":\"no script\"}");
    }
    if (a.delayMs() > 0) {
      // A slow registry, for the client's timeout tests: the delay is the behaviour under test, not a wait.
      try {
        Thread.sleep(a.delayMs());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", a.contentType());
    ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      ex.getResponseBody().write(out);
    }
    ex.close();
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void answer(Answer... answers) {
    synchronized (script) {
      script.clear();
      script.addAll(List.of(answers));
    }
  }

  @Test
  void keepsThePathPrefixEncodesSubjectsAndSpeaksTheRegistryContentType() {
    answer(Answer.json(200, "{\"id\":17}"));
    try (var client = new SchemaRegistryClient(base() + "/apis/ccompat/v7/")) {
      assertThat(client.register("my topic/x-value", Event.getClassSchema())).isEqualTo(17);
    }
    Seen s = seen.getFirst();
    assertThat(s.method()).isEqualTo("POST");
    assertThat(s.rawPath()).isEqualTo("/apis/ccompat/v7/subjects/my%20topic%2Fx-value/versions");
    assertThat(s.headers().get("Content-type")).containsExactly(SchemaRegistryClient.CONTENT_TYPE);
    assertThat(s.body()).startsWith("{\"schema\":\"{\\\"type\\\":\\\"record\\\"");
    assertThat(s.headers()).doesNotContainKey("Authorization");
  }

  @Test
  void sendsBasicAuthFromUserInfoOrFromTheUrl() {
    answer(Answer.json(200, "{\"id\":1}"));
    try (var client = SchemaRegistryClient.fromConfig(Map.of(SchemaRegistryClient.URL_CONFIG, base(),
        SchemaRegistryClient.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
        SchemaRegistryClient.BASIC_AUTH_USER_INFO_CONFIG, "svc:s3cr:et"))) {
      client.register("a-value", Event.getClassSchema());
    }
    try (var client = new SchemaRegistryClient("http://bob:pw%40x@127.0.0.1:" + server.getAddress().getPort())) {
      client.register("b-value", Event.getClassSchema());
    }
    assertThat(seen.get(0).headers().get("Authorization"))
        .containsExactly("Basic " + b64("svc:s3cr:et"));
    assertThat(seen.get(1).headers().get("Authorization")).containsExactly("Basic " + b64("bob:pw@x"));
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void retriesUnavailableRegistries() {
    answer(Answer.json(503, "{\"error_code\":50301,\"message\":\"busy\"}"),
        Answer.json(502, "bad gateway"), Answer.json(200, "{\"id\":3}"));
    try (var client = new SchemaRegistryClient(base())) {
      assertThat(client.register("r-value", Event.getClassSchema())).isEqualTo(3);
      assertThat(client.requestCount()).isEqualTo(3);
    }
  }

  @Test
  void givesUpAfterRetriesWithTheStatusAndTheRegistrysError() {
    answer(Answer.json(500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}"));
    try (var client = new SchemaRegistryClient(base())) {
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.register("r-value", Event.getClassSchema()));
      assertThat(e.status()).isEqualTo(500);
      assertThat(e.errorCode()).isEqualTo(50001);
      assertThat(e.registryMessage()).isEqualTo("Error in the backend data store");
      assertThat(e.isTransient()).isTrue();
      assertThat(e.getMessage()).contains("POST " + base() + "/subjects/r-value/versions").contains("500");
      assertThat(client.requestCount()).isEqualTo(3);
    }
  }

  @Test
  void doesNotRetryClientErrorsAndKeepsNonJsonBodies() {
    answer(new Answer(404, "text/html", "<html><body>Not Found</body></html>", 0));
    try (var client = new SchemaRegistryClient(base())) {
      SchemaRegistryException e =
          catchThrowableOfType(SchemaRegistryException.class, () -> client.schemaById(5));
      assertThat(e.status()).isEqualTo(404);
      assertThat(e.errorCode()).isZero();
      assertThat(e.registryMessage()).contains("Not Found");
      assertThat(client.requestCount()).isEqualTo(1);
    }
  }

  @Test
  void aBare404IsNotAnUnknownSchema() {
    // A wrong URL (no /apis/ccompat/v7, say) must not turn every record into a dead letter.
    answer(new Answer(404, "text/html", "<html>Not Found</html>", 0));
    try (var client = new SchemaRegistryClient(base())) {
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      assertThatThrownBy(() -> serde.decode("t", WireFormat.frame(1, new byte[] {0})))
          .isInstanceOf(SchemaRegistryException.class);
    }
  }

  @Test
  void reportsUnreachableRegistriesAsStatusZeroAndFailsOverToTheNextUrl() {
    int closed = io.cellstream.embedded.TestPorts.closedPort();
    try (var client = new SchemaRegistryClient("http://127.0.0.1:" + closed, null, Duration.ofSeconds(2))) {
      SchemaRegistryException e =
          catchThrowableOfType(SchemaRegistryException.class, () -> client.schemaById(1));
      assertThat(e.status()).isZero();
      assertThat(e.isTransient()).isTrue();
      AvroSerde<Event> serde = new AvroSerde<>(Event.class, client);
      assertThatThrownBy(() -> serde.decode("t", WireFormat.frame(1, new byte[] {0})))
          .as("an outage is not the record's fault").isInstanceOf(SchemaRegistryException.class);
    }
    answer(Answer.json(200, "{\"schema\":\"\\\"string\\\"\"}"));
    try (var client = new SchemaRegistryClient("http://127.0.0.1:" + closed + ", " + base())) {
      assertThat(client.schemaById(9).getType()).isEqualTo(org.apache.avro.Schema.Type.STRING);
    }
  }

  @Test
  void timesOut() {
    answer(new Answer(200, SchemaRegistryClient.CONTENT_TYPE, "{\"id\":1}", 3_000));
    try (var client = new SchemaRegistryClient(base(), null, Duration.ofMillis(200))) {
      long t0 = System.nanoTime();
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.register("slow-value", Event.getClassSchema()));
      assertThat(e.status()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void refusesBadConfigs() {
    assertThatThrownBy(() -> SchemaRegistryClient.fromConfig(Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema.registry.url");
    assertThatThrownBy(() -> SchemaRegistryClient.fromConfig(Map.of(SchemaRegistryClient.URL_CONFIG, base(),
        SchemaRegistryClient.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "SASL_INHERIT")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SchemaRegistryClient("ftp://x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsSchemaTypeAndRefusesNonAvro() {
    answer(Answer.json(200, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"));
    try (var client = new SchemaRegistryClient(base())) {
      assertThatThrownBy(() -> client.schemaById(4)).isInstanceOf(org.apache.avro.SchemaParseException.class)
          .hasMessageContaining("PROTOBUF");
    }
  }
}
