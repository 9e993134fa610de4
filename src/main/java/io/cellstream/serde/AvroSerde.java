package io.cellstream.serde;

import io.cellstream.serde.SerdeException.Reason;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format for one generated class, through a schema registry.
 *
 * <p>Writing: the class's schema is registered under the TopicNameStrategy subject ({@code <topic>-value},
 * or {@code <topic>-key} for a key serde) the first time a topic is written, or only looked up when
 * {@code auto.register.schemas=false}; the id is cached per topic. Reading: the writer schema is fetched by
 * the id in the record (once per id) and resolved against the class's schema with
 * {@code SpecificDatumReader(writer, reader)}, so records from a producer on an older schema, or on a newer
 * one with an added optional field, decode into the current class.
 *
 * <p>The stream reads raw bytes and calls {@link #decode} itself, which says why a record is bad with a
 * {@link SerdeException.Reason} (to dead-letter it); the Kafka {@link #deserializer()} wraps that
 * exception in a {@link SerializationException} (cause = the {@code SerdeException}) and returns null for
 * null. Registry outages are {@link SchemaRegistryException}s from both, never a {@code SerdeException}.
 *
 * <pre>{@code
 * var registry = new SchemaRegistryClient("http://127.0.0.1:8081");
 * var events = new AvroSerde<>(Event.class, registry);          // value serde, auto-register
 * byte[] bytes = events.encode("events", event);
 * Event back = events.decode("events", bytes);                   // throws SerdeException
 * }</pre>
 *
 * <p>Thread-safe. Closing the serde closes the registry client only if the serde created it in
 * {@link #configure}.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

  /** Register the schema when a topic is first written (default true), else only look its id up. */
  public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";


  /** A writer schema id resolved against our reader schema: a reader, or why there is none. */
  private record Resolution<T>(DatumReader<T> reader, String incompatibility, Throwable cause) {}

  private final Class<T> type;
  private final Schema schema;
  private final SpecificData model;
  private final DatumWriter<T> writer;
  private final ConcurrentMap<String, Integer> idsByTopic = new ConcurrentHashMap<>();
  private final ConcurrentMap<Integer, Resolution<T>> readers = new ConcurrentHashMap<>();
  private final WriterSchemas writerSchemas = new WriterSchemas();
  private volatile SchemaRegistry client;
  private volatile boolean ownsClient;
  private volatile boolean isKey;
  private volatile boolean autoRegister;

  /** A serde to be {@link #configure configured} from {@code schema.registry.url} etc. */
  public AvroSerde(Class<T> type) {
    this(type, null, false, true);
  }

  /** A value serde that auto-registers its schema. */
  public AvroSerde(Class<T> type, SchemaRegistry client) {
    this(type, client, false, true);
  }

  /**
   * @param client the registry (an HTTP client of a real one, or the tests' in-memory one), shared and not
   *     closed by this serde (null: configure later)
   * @param isKey whether the subject is {@code <topic>-key} rather than {@code <topic>-value}
   * @param autoRegister register the schema on first write, rather than requiring it to be registered
   */
  public AvroSerde(Class<T> type, SchemaRegistry client, boolean isKey, boolean autoRegister) {
    this.type = Objects.requireNonNull(type, "type");
    this.model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(type + " is not a generated Avro record class");
    }
    this.writer = new SpecificDatumWriter<>(schema, model);
    this.client = client;
    this.isKey = isKey;
    this.autoRegister = autoRegister;
  }

  /**
   * Kafka-style configuration: {@code schema.registry.url} (and the other {@link SchemaRegistryClient}
   * settings) when no client was given, and {@value #AUTO_REGISTER_SCHEMAS_CONFIG}.
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    Object auto = configs.get(AUTO_REGISTER_SCHEMAS_CONFIG);
    if (auto != null) {
      this.autoRegister = Boolean.parseBoolean(auto.toString().strip());
    }
    synchronized (this) {
      if (client == null) {
        client = SchemaRegistryClient.fromConfig(configs);
        ownsClient = true;
      }
    }
  }

  public Class<T> type() {
    return type;
  }

  /** The reader schema and the one this serde writes: the generated class's schema. */
  public Schema schema() {
    return schema;
  }

  /** TopicNameStrategy: {@code <topic>-key} or {@code <topic>-value}. */
  public String subject(String topic) {
    return topic + (isKey ? "-key" : "-value");
  }

  /** The id this serde writes to {@code topic} with; registers or looks it up the first time. */
  public int schemaId(String topic) {
    Integer id = idsByTopic.get(topic);
    if (id == null) {
      SchemaRegistry c = client();
      String subject = subject(topic);
      id = autoRegister ? c.register(subject, schema) : c.lookupId(subject, schema);
      idsByTopic.put(topic, id);
    }
    return id;
  }

  /**
   * The wire-format bytes of {@code value} for {@code topic}; null for null.
   *
   * @throws SchemaRegistryException when the schema cannot be registered or found
   * @throws SerializationException when the value cannot be encoded (e.g. a required field is null)
   */
  public byte[] encode(String topic, T value) {
    if (value == null) {
      return null;
    }
    int id = schemaId(topic);
    Buffers out = Buffers.get();
    try {
      out.write(WireFormat.MAGIC_BYTE);
      out.write(id >>> 24);
      out.write(id >>> 16);
      out.write(id >>> 8);
      out.write(id);
      BinaryEncoder enc = out.encoder();
      writer.write(value, enc);
      enc.flush();
    } catch (IOException | RuntimeException e) {
      out.toByteArray();
      throw new SerializationException("cannot encode " + type.getSimpleName() + " for topic " + topic
          + ": " + e, e);
    }
    return out.toByteArray();
  }

  /**
   * Decodes wire-format bytes read from {@code topic} into the current class.
   *
   * @throws SerdeException {@link Reason#UNDECODABLE} (null, too short, wrong magic byte, corrupt or
   *     truncated Avro, trailing bytes), {@link Reason#UNKNOWN_SCHEMA} (the registry has no such id),
   *     {@link Reason#INCOMPATIBLE_SCHEMA} (the writer schema is not Avro or does not resolve)
   * @throws SchemaRegistryException when the registry cannot be asked (not the record's fault)
   */
  public T decode(String topic, byte[] bytes) throws SerdeException {
    int id = WireFormat.schemaId(topic, bytes);
    Resolution<T> r = resolve(topic, id);
    if (r.reader == null) {
      throw new SerdeException(Reason.INCOMPATIBLE_SCHEMA, topic, id, "schema " + id + " cannot be read as "
          + schema.getFullName() + ": " + r.incompatibility, r.cause);
    }
    BoundedDecoder in = new BoundedDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE);
    T value;
    try {
      value = r.reader.read(null, in);
    } catch (IOException | RuntimeException e) {
      throw new SerdeException(Reason.UNDECODABLE, topic, id, "corrupt or truncated Avro body ("
          + (bytes.length - WireFormat.HEADER_SIZE) + " bytes, schema " + id + "): " + e, e);
    }
    if (in.remaining() != 0) {
      throw new SerdeException(Reason.UNDECODABLE, topic, id, in.remaining()
          + " bytes left over after the record (schema " + id + ")", null);
    }
    return value;
  }

  private Resolution<T> resolve(String topic, int id) throws SerdeException {
    Resolution<T> r = readers.get(id);
    if (r != null) {
      return r;
    }
    Schema writerSchema;
    try {
      writerSchema = writerSchemas.fetch(client(), topic, id);
    } catch (SerdeException e) {
      if (e.reason() != Reason.INCOMPATIBLE_SCHEMA) {
        throw e;
      }
      return cache(id, new Resolution<>(null, e.getCause().getMessage(), e.getCause()));
    }
    SchemaCompatibility.SchemaPairCompatibility compat =
        SchemaCompatibility.checkReaderWriterCompatibility(schema, writerSchema);
    if (compat.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      String why = compat.getResult().getIncompatibilities().stream()
          .map(i -> i.getType() + " at " + fieldPath(schema, i.getLocation()) + " (" + i.getMessage() + ")")
          .collect(Collectors.joining("; "));
      return cache(id, new Resolution<>(null, why, null));
    }
    return cache(id, new Resolution<>(new SpecificDatumReader<>(writerSchema, schema, model), null, null));
  }

  /** Turns Avro's JSON pointer into the reader schema ({@code /fields/3/type}) into field names. */
  static String fieldPath(Schema reader, String pointer) {
    StringBuilder names = new StringBuilder();
    Schema s = reader;
    String[] parts = pointer == null ? new String[0] : pointer.split("/");
    try {
      for (int i = 0; i < parts.length; i++) {
        if (parts[i].equals("fields") && i + 1 < parts.length && s.getType() == Schema.Type.RECORD) {
          Schema.Field f = s.getFields().get(Integer.parseInt(parts[++i]));
          names.append(names.isEmpty() ? "" : ".").append(f.name());
          s = f.schema();
        } else if (parts[i].equals("items") && s.getType() == Schema.Type.ARRAY) {
          s = s.getElementType();
        } else if (parts[i].equals("values") && s.getType() == Schema.Type.MAP) {
          s = s.getValueType();
        }
      }
    } catch (RuntimeException e) {
      return pointer;
    }
    return names.isEmpty() ? pointer : "field " + names + " (" + pointer + ")";
  }

  private Resolution<T> cache(int id, Resolution<T> r) {
    Resolution<T> raced = readers.putIfAbsent(id, r);
    return raced == null ? r : raced;
  }


  private SchemaRegistry client() {
    SchemaRegistry c = client;
    if (c == null) {
      throw new IllegalStateException("AvroSerde<" + type.getSimpleName()
          + "> has no schema registry: pass a SchemaRegistry or configure "
          + SchemaRegistryClient.URL_CONFIG);
    }
    return c;
  }

  @Override
  public Serializer<T> serializer() {
    return new Serializer<>() {
      @Override
      public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerde.this.configure(configs, isKey);
      }

      @Override
      public byte[] serialize(String topic, T data) {
        return encode(topic, data);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return new Deserializer<>() {
      @Override
      public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerde.this.configure(configs, isKey);
      }

      @Override
      public T deserialize(String topic, byte[] data) {
        if (data == null) {
          return null;
        }
        try {
          return decode(topic, data);
        } catch (SerdeException e) {
          throw new SerializationException(e.reason().code() + ": " + e.getMessage(), e);
        }
      }
    };
  }

  @Override
  public void close() {
    SchemaRegistry c;
    synchronized (this) {
      c = ownsClient ? client : null;
      if (ownsClient) {
        client = null;
        ownsClient = false;
      }
    }
    if (c != null) {
      c.close();
    }
  }
}
