package io.cellstream.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;

/**
 * A schema registry in this JVM, for the fast tests (TopologyTestDriver, serde unit tests) that must not need
 * the Apicurio child process. It keeps what the serdes rely on as a Confluent registry does, and {@link
 * RegistryContract} holds it to exactly the behaviour the real registry shows in {@code ApicurioRegistryIT}:
 *
 * <ul>
 *   <li>ids are global and start at 1; the same schema gets the same id under every subject;</li>
 *   <li>each subject has versions 1, 2, ...; registering a schema the subject has returns its id and adds no
 *       version;</li>
 *   <li>a new version must pass the subject's compatibility level (its own, else the global one, BACKWARD as in
 *       Confluent) against the latest version, or every version for the {@code _TRANSITIVE} levels, decided by
 *       Avro's own reader/writer check; a refusal is a 409;</li>
 *   <li>errors are {@link SchemaRegistryException}s with the HTTP status and Confluent error code a registry
 *       answers with (404 with 40401, 40402 or 40403; 409; 422 with 42203 for an unknown level);</li>
 *   <li>schemas of another type (JSON, PROTOBUF) can be stored ({@link #registerSchemaText}) and make
 *       {@link #schemaById} throw {@link SchemaParseException}, as the HTTP client does.</li>
 * </ul>
 *
 * <p>Thread-safe (one lock). {@link #close()} does nothing: the registry lives as long as it is referenced, so
 * several serdes and "clients" can share one, as they share a real registry.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

  static final String DEFAULT_COMPATIBILITY = "BACKWARD";
  private static final Set<String> LEVELS = Set.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
      "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");
  private static final int INVALID_COMPATIBILITY_LEVEL = 42203;

  /** A stored schema: its type and text as registered, and the parsed Avro schema when it is Avro. */
  private record Stored(int id, String type, String text, Schema avro) {}

  private final Map<Integer, Stored> byId = new HashMap<>();
  private final Map<String, Integer> idByContent = new HashMap<>();
  private final Map<String, List<Integer>> versionsBySubject = new TreeMap<>();
  private final Map<String, String> levelBySubject = new HashMap<>();
  private String globalLevel = DEFAULT_COMPATIBILITY;
  private int nextId = 1;

  @Override
  public synchronized int register(String subject, Schema schema) {
    return register(subject, "AVRO", schema.toString(), schema);
  }

  /**
   * Registers a schema given as text, of any type ({@code AVRO}, {@code JSON}, {@code PROTOBUF}), as {@code POST
   * /subjects/{subject}/versions} with a {@code schemaType} does. Only Avro schemas are checked for compatibility.
   */
  public synchronized int registerSchemaText(String subject, String schemaType, String schemaText) {
    String type = schemaType.toUpperCase(Locale.ROOT);
    Schema avro = null;
    if (type.equals("AVRO")) {
      try {
        avro = new Schema.Parser().parse(schemaText);
      } catch (SchemaParseException e) {
        throw new SchemaRegistryException("Invalid schema: " + e.getMessage(), 422,
            SchemaRegistryException.INVALID_SCHEMA, e.getMessage(), e);
      }
    }
    return register(subject, type, avro == null ? schemaText : avro.toString(), avro);
  }

  private int register(String subject, String type, String text, Schema avro) {
    List<Integer> versions = versionsBySubject.get(subject);
    Integer existing = find(subject, type, text);
    if (existing != null) {
      return existing;
    }
    if (versions != null && avro != null) {
      String level = level(subject);
      List<Integer> against = level.endsWith("_TRANSITIVE") ? versions : List.of(versions.getLast());
      for (int id : against) {
        Stored earlier = byId.get(id);
        if (earlier.avro() != null && !compatible(level, avro, earlier.avro())) {
          String msg = "Schema being registered is incompatible with an earlier schema for subject \"" + subject
              + "\" (" + level + ")";
          throw new SchemaRegistryException(msg, 409, SchemaRegistryException.INCOMPATIBLE_SCHEMA, msg, null);
        }
      }
    }
    int id = idByContent.computeIfAbsent(type + "\u0000" + text, k -> {
      int assigned = nextId++;
      byId.put(assigned, new Stored(assigned, type, text, avro));
      return assigned;
    });
    versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
    return id;
  }

  /** The id of this schema among the subject's versions, or null. */
  private Integer find(String subject, String type, String text) {
    Integer id = idByContent.get(type + "\u0000" + text);
    List<Integer> versions = versionsBySubject.get(subject);
    return id != null && versions != null && versions.contains(id) ? id : null;
  }

  @Override
  public synchronized int lookupId(String subject, Schema schema) {
    return lookup(subject, schema).id();
  }

  @Override
  public synchronized RegisteredSchema lookup(String subject, Schema schema) {
    List<Integer> versions = requireSubject(subject);
    Integer id = find(subject, "AVRO", schema.toString());
    if (id == null) {
      throw notFound(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found under subject " + subject);
    }
    return registered(subject, versions.indexOf(id) + 1, id);
  }

  @Override
  public synchronized Schema schemaById(int id) {
    Stored s = byId.get(id);
    if (s == null) {
      throw notFound(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
    }
    return SchemaRegistryClient.parseAvro(id, s.type(), s.text());
  }

  @Override
  public synchronized RegisteredSchema latest(String subject) {
    List<Integer> versions = requireSubject(subject);
    return registered(subject, versions.size(), versions.getLast());
  }

  @Override
  public synchronized RegisteredSchema version(String subject, int version) {
    List<Integer> versions = requireSubject(subject);
    if (version < 1 || version > versions.size()) {
      throw notFound(SchemaRegistryException.VERSION_NOT_FOUND, "Version " + version + " not found under subject "
          + subject);
    }
    return registered(subject, version, versions.get(version - 1));
  }

  @Override
  public synchronized List<Integer> versions(String subject) {
    int n = requireSubject(subject).size();
    List<Integer> out = new ArrayList<>(n);
    for (int v = 1; v <= n; v++) {
      out.add(v);
    }
    return out;
  }

  @Override
  public synchronized List<String> subjects() {
    return List.copyOf(versionsBySubject.keySet());
  }

  @Override
  public synchronized String compatibility(String subject) {
    return subject == null ? globalLevel : level(subject);
  }

  @Override
  public synchronized void setCompatibility(String subject, String level) {
    String l = level == null ? "" : level.toUpperCase(Locale.ROOT);
    if (!LEVELS.contains(l)) {
      String msg = "Invalid compatibility level " + level + "; one of " + String.join(", ", new TreeSet<>(LEVELS));
      throw new SchemaRegistryException(msg, 422, INVALID_COMPATIBILITY_LEVEL, msg, null);
    }
    if (subject == null) {
      globalLevel = l;
    } else {
      levelBySubject.put(subject, l);
    }
  }

  @Override
  public synchronized boolean isCompatible(String subject, Schema schema) {
    List<Integer> versions = versionsBySubject.get(subject);
    if (versions == null) {
      return true;
    }
    Stored latest = byId.get(versions.getLast());
    return latest.avro() == null || compatible(level(subject), schema, latest.avro());
  }

  /** Nothing to release; the registry stays usable, like a real one after a client closes. */
  @Override
  public void close() {}

  private String level(String subject) {
    return levelBySubject.getOrDefault(subject, globalLevel);
  }

  /** Whether {@code next} may follow {@code earlier} at this level, by Avro's reader/writer rules. */
  private static boolean compatible(String level, Schema next, Schema earlier) {
    boolean backward = canRead(next, earlier);  // consumers on the new schema read old data
    boolean forward = canRead(earlier, next);   // consumers on the old schema read new data
    return switch (level.replace("_TRANSITIVE", "")) {
      case "NONE" -> true;
      case "BACKWARD" -> backward;
      case "FORWARD" -> forward;
      case "FULL" -> backward && forward;
      default -> throw new IllegalStateException("unknown level " + level);
    };
  }

  private static boolean canRead(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
        == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
  }

  private List<Integer> requireSubject(String subject) {
    List<Integer> versions = versionsBySubject.get(subject);
    if (versions == null) {
      throw notFound(SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  private RegisteredSchema registered(String subject, int version, int id) {
    Stored s = byId.get(id);
    return new RegisteredSchema(subject, version, id, s.text(), s.type());
  }

  private static SchemaRegistryException notFound(int code, String message) {
    return new SchemaRegistryException("schema registry (in memory): 404 (error " + code + "): " + message, 404, code,
        message, null);
  }
}
