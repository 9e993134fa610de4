package io.cellstream.stream;

import io.cellstream.avro.Prediction;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Writes a {@link Prediction} in the Confluent wire format straight from the step's fields, byte for byte what
 * {@link AvroSerde#encode} writes for the same record. Under JFR the generic path (a builder, boxed outputs in a
 * list, an {@code Instant}, Avro's reflective writer and a scratch buffer copied out) was a tenth of the stream
 * thread's own work per event; this one sizes the record first and fills one array.
 *
 * <p>It knows the schema's field order; the constructor checks the generated schema against it, so a schema
 * change that this class does not follow fails at start-up, not on the wire. Not thread-safe: one per task.
 */
final class PredictionWriter {

  /** The fields, in order, with the Avro types this writer encodes them as. */
  private static final List<String> LAYOUT = List.of(
      "entityId:STRING", "eventId:STRING", "eventTime:LONG", "predictionTime:LONG", "modelName:STRING",
      "modelVersion:LONG", "outputs:ARRAY<FLOAT>", "predictedClass:UNION<NULL,INT>", "eventsSeen:LONG");

  private final AvroSerde<Prediction> serde;
  private String modelName;
  private byte[] modelNameUtf8;

  PredictionWriter(AvroSerde<Prediction> serde) {
    this.serde = serde;
    List<String> actual = serde.schema().getFields().stream().map(f -> f.name() + ":" + typeOf(f.schema())).toList();
    if (!actual.equals(LAYOUT)) {
      throw new IllegalStateException("Prediction schema changed: fields " + actual + ", this writer knows " + LAYOUT);
    }
  }

  private static String typeOf(Schema s) {
    return switch (s.getType()) {
      case ARRAY -> "ARRAY<" + typeOf(s.getElementType()) + ">";
      case UNION -> "UNION<" + String.join(",", s.getTypes().stream().map(PredictionWriter::typeOf).toList()) + ">";
      default -> s.getType().name();
    };
  }

  /**
   * The prediction of a step as the step and its re-emission after a redelivery both write it: one path, so that the
   * two are the same bytes.
   *
   * @param outputs (K) head outputs
   */
  byte[] write(String topic, byte[] entityIdUtf8, String eventId, long eventTime, long predictionTime, String name,
      long modelVersion, float[] outputs, ModelSpec spec, long eventsSeen) {
    return write(topic, entityIdUtf8, eventId, eventTime, predictionTime, name, modelVersion, outputs, spec.outputSize(),
        predictedClass(spec, outputs), eventsSeen);
  }

  /** The predicted class, or -1 where the prediction has none (regression, several binary outputs). */
  static int predictedClass(ModelSpec spec, float[] y) {
    return switch (spec.task()) {
      case MULTICLASS -> Targets.argmax(y, spec.outputSize());
      case BINARY -> spec.outputSize() == 1 ? (y[0] >= 0.5f ? 1 : 0) : -1;
      case REGRESSION -> -1;
    };
  }

  /**
   * @param entityIdUtf8 the entity id as UTF-8 (the record key)
   * @param outputs (n) head outputs
   * @param predictedClass the class, or negative for null
   */
  byte[] write(String topic, byte[] entityIdUtf8, String eventId, long eventTime, long predictionTime, String name,
      long modelVersion, float[] outputs, int n, int predictedClass, long eventsSeen) {
    int schemaId = serde.schemaId(topic);
    if (!name.equals(modelName)) {
      modelName = name;
      modelNameUtf8 = name.getBytes(StandardCharsets.UTF_8);
    }
    byte[] eventIdUtf8 = eventId.getBytes(StandardCharsets.UTF_8);
    int size = WireFormat.HEADER_SIZE
        + stringSize(entityIdUtf8) + stringSize(eventIdUtf8) + longSize(eventTime) + longSize(predictionTime)
        + stringSize(modelNameUtf8) + longSize(modelVersion)
        + (n == 0 ? 1 : longSize(n) + 4 * n + 1)
        + (predictedClass < 0 ? 1 : 1 + longSize(predictedClass))
        + longSize(eventsSeen);
    byte[] out = new byte[size];
    out[0] = WireFormat.MAGIC_BYTE;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
    int p = WireFormat.HEADER_SIZE;
    p = putString(out, p, entityIdUtf8);
    p = putString(out, p, eventIdUtf8);
    p = putLong(out, p, eventTime);
    p = putLong(out, p, predictionTime);
    p = putString(out, p, modelNameUtf8);
    p = putLong(out, p, modelVersion);
    if (n > 0) {
      // One block of n items, then the zero count that ends the array (as Avro's BinaryEncoder writes it).
      p = putLong(out, p, n);
      for (int i = 0; i < n; i++) {
        int bits = Float.floatToRawIntBits(outputs[i]);
        out[p] = (byte) bits;
        out[p + 1] = (byte) (bits >>> 8);
        out[p + 2] = (byte) (bits >>> 16);
        out[p + 3] = (byte) (bits >>> 24);
        p += 4;
      }
    }
    out[p++] = 0;
    if (predictedClass < 0) {
      out[p++] = 0; // union branch 0: null
    } else {
      out[p++] = 2; // union branch 1 (zig-zag): int
      p = putLong(out, p, predictedClass);
    }
    p = putLong(out, p, eventsSeen);
    assert p == size : "size computed " + size + ", written " + p;
    return out;
  }

  private static int stringSize(byte[] utf8) {
    return longSize(utf8.length) + utf8.length;
  }

  /** Bytes of the zig-zag varint of {@code v} (an Avro int is the same varint as a long of its value). */
  private static int longSize(long v) {
    long z = (v << 1) ^ (v >> 63);
    int n = 1;
    while ((z & ~0x7FL) != 0) {
      z >>>= 7;
      n++;
    }
    return n;
  }

  private static int putString(byte[] out, int p, byte[] utf8) {
    p = putLong(out, p, utf8.length);
    System.arraycopy(utf8, 0, out, p, utf8.length);
    return p + utf8.length;
  }

  private static int putLong(byte[] out, int p, long v) {
    long z = (v << 1) ^ (v >> 63);
    while ((z & ~0x7FL) != 0) {
      out[p++] = (byte) ((z & 0x7F) | 0x80);
      z >>>= 7;
    }
    out[p++] = (byte) z;
    return p;
  }
}
