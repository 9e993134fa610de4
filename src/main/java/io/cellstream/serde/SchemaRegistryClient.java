package io.cellstream.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SchemaRegistry} of a real registry: a thin client of the Confluent Schema Registry REST API (also
 * spoken by Apicurio Registry under {@code /apis/ccompat/v7}), over {@link HttpClient}. Only what the serdes
 * and operators need.
 *
 * <ul>
 *   <li>{@link #register} ({@code POST /subjects/{s}/versions}) and {@link #lookupId}
 *       ({@code POST /subjects/{s}}) cache {@code (subject, schema) -> id};</li>
 *   <li>{@link #schemaById} ({@code GET /schemas/ids/{id}}) caches {@code id -> schema} (ids are
 *       immutable in a registry, so these caches never expire);</li>
 *   <li>{@link #latest}, {@link #versions}, {@link #subjects}, {@link #compatibility},
 *       {@link #setCompatibility}, {@link #isCompatible} are not cached.</li>
 * </ul>
 *
 * <p>The base URL may carry a path prefix ({@code http://host:8080/apis/ccompat/v7}) and may list several
 * comma-separated registries, tried in order when one does not answer. Basic auth comes from
 * {@code basic.auth.user.info} ({@code user:password}) or from user info in the URL. A call that gets no
 * answer, a 5xx or a 429 is retried twice (every call here is idempotent); any other error becomes a
 * {@link SchemaRegistryException} with the HTTP status and the registry's {@code error_code}/message.
 * Thread-safe; one instance per application is plenty.
 */
public final class SchemaRegistryClient implements SchemaRegistry {

  public static final String URL_CONFIG = "schema.registry.url";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
  public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
  /** Per-request timeout in milliseconds (also the connect timeout); default 10000. */
  public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(SchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RETRIES = 2;
  private static final long RETRY_BACKOFF_MS = 100;

  private record SubjectSchema(String subject, Schema schema) {}

  private final List<String> baseUrls;
  private final String authorization;
  private final Duration timeout;
  private final HttpClient http;
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();

  /** A client without authentication and with the default timeout. */
  public SchemaRegistryClient(String url) {
    this(url, null, DEFAULT_TIMEOUT);
  }

  /**
   * @param urls one base URL or several separated by commas, e.g. {@code http://127.0.0.1:8081} or
   *     {@code http://127.0.0.1:8080/apis/ccompat/v7}
   * @param basicAuthUserInfo {@code user:password}, or null for none (user info in the URL is used then)
   * @param timeout connect and per-request timeout
   */
  public SchemaRegistryClient(String urls, String basicAuthUserInfo, Duration timeout) {
    Objects.requireNonNull(urls, URL_CONFIG);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    List<String> bases = new ArrayList<>();
    String userInfo = basicAuthUserInfo;
    for (String raw : urls.split(",")) {
      String u = raw.strip();
      if (u.isEmpty()) {
        continue;
      }
      URI uri = URI.create(u);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException(URL_CONFIG + " must be http(s)://host[:port][/path], got " + u);
      }
      if (uri.getRawUserInfo() != null) {
        if (userInfo == null) {
          userInfo = URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8);
        }
        uri = URI.create(uri.getScheme() + "://" + uri.getHost()
            + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + (uri.getRawPath() == null ? "" : uri.getRawPath()));
      }
      String s = uri.toString();
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      bases.add(s);
    }
    if (bases.isEmpty()) {
      throw new IllegalArgumentException(URL_CONFIG + " is empty");
    }
    this.baseUrls = List.copyOf(bases);
    this.authorization = userInfo == null || userInfo.isEmpty() ? null
        : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .build();
  }

  /**
   * A client from Kafka-style configs: {@value #URL_CONFIG} (required), {@value
   * #BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG} ({@code USER_INFO} or {@code URL}), {@value
   * #BASIC_AUTH_USER_INFO_CONFIG}, {@value #REQUEST_TIMEOUT_MS_CONFIG}.
   */
  public static SchemaRegistryClient fromConfig(Map<String, ?> configs) {
    Object url = configs.get(URL_CONFIG);
    if (url == null || url.toString().isBlank()) {
      throw new IllegalArgumentException("missing " + URL_CONFIG
          + " (e.g. http://127.0.0.1:8081, or http://host:8080/apis/ccompat/v7 for Apicurio)");
    }
    Object source = configs.get(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG);
    Object userInfo = configs.get(BASIC_AUTH_USER_INFO_CONFIG);
    String auth = null;
    if (source == null || source.toString().equalsIgnoreCase("USER_INFO")) {
      auth = userInfo == null || userInfo.toString().isBlank() ? null : userInfo.toString();
    } else if (!source.toString().equalsIgnoreCase("URL")) {
      throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG
          + " must be USER_INFO or URL, got " + source);
    }
    Object ms = configs.get(REQUEST_TIMEOUT_MS_CONFIG);
    Duration timeout = ms == null ? DEFAULT_TIMEOUT : Duration.ofMillis(Long.parseLong(ms.toString().strip()));
    return new SchemaRegistryClient(url.toString(), auth, timeout);
  }

  /** The first base URL (without credentials). */
  public String baseUrl() {
    return baseUrls.getFirst();
  }

  /** HTTP requests sent so far, retries included: lets tests check that caches work. */
  public long requestCount() {
    return requests.get();
  }

  /**
   * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}) and returns
   * its id; registering a schema already there returns the existing id. Cached.
   */
  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    int id = requiredInt(answer, "id");
    idsBySubjectSchema.put(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /**
   * The id of {@code schema} if it is registered under {@code subject} ({@code POST /subjects/{subject}}),
   * without registering it. Cached. Throws with {@link SchemaRegistryException#SUBJECT_NOT_FOUND} or
   * {@link SchemaRegistryException#SCHEMA_NOT_FOUND} when it is not there.
   */
  @Override
  public int lookupId(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    RegisteredSchema found = lookup(subject, schema);
    idsBySubjectSchema.put(key, found.id());
    schemasById.putIfAbsent(found.id(), schema);
    return found.id();
  }

  /** Like {@link #lookupId} but with the version, and never cached. */
  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    return registered(call("POST", "/subjects/" + encode(subject), schemaBody(schema)), subject);
  }

  /**
   * The Avro schema with this id ({@code GET /schemas/ids/{id}}). Cached. Throws {@link
   * SchemaRegistryException} (404, {@link SchemaRegistryException#SCHEMA_NOT_FOUND}) for an unknown id and
   * {@link SchemaParseException} when the id names a schema that is not Avro.
   */
  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("GET", "/schemas/ids/" + id, null);
    Schema schema = parseAvro(id, text(answer, "schemaType"), requiredText(answer, "schema"));
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced == null ? schema : raced;
  }

  /** The latest version of a subject ({@code GET /subjects/{subject}/versions/latest}). */
  @Override
  public RegisteredSchema latest(String subject) {
    return registered(call("GET", "/subjects/" + encode(subject) + "/versions/latest", null), subject);
  }

  /** One version of a subject ({@code GET /subjects/{subject}/versions/{version}}). */
  @Override
  public RegisteredSchema version(String subject, int version) {
    return registered(call("GET", "/subjects/" + encode(subject) + "/versions/" + version, null), subject);
  }

  /** The versions of a subject, oldest first ({@code GET /subjects/{subject}/versions}). */
  @Override
  public List<Integer> versions(String subject) {
    List<Integer> out = new ArrayList<>();
    call("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(v -> out.add(v.asInt()));
    return out;
  }

  /** All subjects ({@code GET /subjects}). */
  @Override
  public List<String> subjects() {
    List<String> out = new ArrayList<>();
    call("GET", "/subjects", null).forEach(v -> out.add(v.asText()));
    return out;
  }

  /**
   * The compatibility level in force for a subject ({@code GET /config/{subject}}), falling back to the
   * global level ({@code GET /config}) when the subject has none of its own; null subject = global.
   */
  @Override
  public String compatibility(String subject) {
    if (subject != null) {
      try {
        return requiredText(call("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null),
            "compatibilityLevel");
      } catch (SchemaRegistryException e) {
        if (!e.isNotFound()) {
          throw e;
        }
      }
    }
    return requiredText(call("GET", "/config", null), "compatibilityLevel");
  }

  /**
   * Sets the compatibility level of a subject, or the global one when subject is null ({@code PUT
   * /config[/{subject}]}); level is one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FULL, ...
   */
  @Override
  public void setCompatibility(String subject, String level) {
    String body = JSON.createObjectNode().put("compatibility", level).toString();
    call("PUT", subject == null ? "/config" : "/config/" + encode(subject), body);
  }

  /**
   * Whether {@code schema} may be registered next under {@code subject} given its compatibility level
   * ({@code POST /compatibility/subjects/{subject}/versions/latest}); true for a subject that does not
   * exist yet.
   */
  @Override
  public boolean isCompatible(String subject, Schema schema) {
    try {
      JsonNode answer = call("POST",
          "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
      return answer.path("is_compatible").asBoolean(false);
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
        return true;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    http.close();
  }

  // ---------------------------------------------------------------------------------------------------

  static Schema parseAvro(int id, String schemaType, String schema) {
    if (schemaType != null && !schemaType.isEmpty() && !schemaType.equalsIgnoreCase("AVRO")) {
      throw new SchemaParseException("schema " + id + " is " + schemaType + ", not Avro");
    }
    return new Schema.Parser().parse(schema);
  }

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private RegisteredSchema registered(JsonNode n, String subject) {
    String type = text(n, "schemaType");
    return new RegisteredSchema(n.hasNonNull("subject") ? n.get("subject").asText() : subject,
        requiredInt(n, "version"), requiredInt(n, "id"), requiredText(n, "schema"),
        type == null ? "AVRO" : type);
  }

  private JsonNode call(String method, String path, String body) {
    SchemaRegistryException last = null;
    for (int attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      if (attempt > 0) {
        sleep(RETRY_BACKOFF_MS << (attempt - 1));
      }
      for (String base : baseUrls) {
        try {
          return once(method, base, path, body);
        } catch (SchemaRegistryException e) {
          if (!e.isTransient()) {
            throw e;
          }
          last = e;
          log.debug("schema registry {} {}{} failed, will retry: {}", method, base, path, e.getMessage());
        }
      }
    }
    throw last;
  }

  private JsonNode once(String method, String base, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("Accept", CONTENT_TYPE + ", application/json;q=0.9");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body != null) {
      b.header("Content-Type", CONTENT_TYPE);
      b.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    String what = method + " " + base + path;
    HttpResponse<String> response;
    requests.incrementAndGet();
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SchemaRegistryException("schema registry did not answer " + what + ": " + e, 0, 0, null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while calling schema registry " + what, 0, 0, null, e);
    }
    int status = response.statusCode();
    String text = response.body() == null ? "" : response.body();
    JsonNode json = null;
    try {
      json = text.isBlank() ? JSON.nullNode() : JSON.readTree(text);
    } catch (IOException e) {
      if (status / 100 == 2) {
        throw new SchemaRegistryException("schema registry answered " + what + " with " + status
            + " but not JSON: " + abbreviate(text), status, 0, abbreviate(text), e);
      }
    }
    if (status / 100 == 2) {
      return json;
    }
    int code = json != null && json.has("error_code") ? json.get("error_code").asInt() : 0;
    String msg = json != null && json.hasNonNull("message") ? json.get("message").asText() : abbreviate(text);
    throw new SchemaRegistryException("schema registry answered " + what + " with " + status
        + (code != 0 ? " (error " + code + ")" : "") + ": " + msg, status, code, msg, null);
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n == null ? null : n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String requiredText(JsonNode n, String field) {
    String v = text(n, field);
    if (v == null) {
      throw new SchemaRegistryException("schema registry answer lacks \"" + field + "\": " + n, 200, 0,
          String.valueOf(n), null);
    }
    return v;
  }

  private static int requiredInt(JsonNode n, String field) {
    JsonNode v = n == null ? null : n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new SchemaRegistryException("schema registry answer lacks integer \"" + field + "\": " + n, 200,
          0, String.valueOf(n), null);
    }
    return v.asInt();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while waiting to retry the schema registry", 0, 0,
          null, e);
    }
  }
}
