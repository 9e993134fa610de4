package io.cellstream.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * The fields one input mapping reads, found in a decoded Avro record or parsed out of a JSON object, into one
 * {@link FieldValue} slot per path (reused from record to record).
 *
 * <p>JSON is read as a stream: only the objects on a wanted path are entered, everything else is skipped, no tree
 * is built. A record or object met where a value is wanted, or a value where a record is wanted on the way, leaves
 * the path as "a record"/"missing". Duplicate JSON keys: the last one counts.
 */
final class RecordFields {

  /** Wanted paths as a tree of names: a node is a slot (the path ends here), an inner node, or both. */
  private static final class Node {
    final Map<String, Node> children = new HashMap<>();
    int slot = -1;
  }

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build();

  private final FieldPath[] paths;
  private final FieldValue[] values;
  private final Node root = new Node();

  RecordFields(List<FieldPath> paths) {
    this.paths = paths.toArray(new FieldPath[0]);
    this.values = new FieldValue[this.paths.length];
    for (int i = 0; i < this.paths.length; i++) {
      values[i] = new FieldValue();
      Node n = root;
      FieldPath p = this.paths[i];
      for (int d = 0; d < p.depth(); d++) {
        n = n.children.computeIfAbsent(p.name(d), k -> new Node());
      }
      n.slot = i;
    }
  }

  int slots() {
    return paths.length;
  }

  FieldValue value(int slot) {
    return values[slot];
  }

  FieldPath path(int slot) {
    return paths[slot];
  }

  private void clear() {
    for (FieldValue v : values) {
      v.clear();
    }
  }

  // ------------------------------------------------------------------ Avro

  /** Looks every path up in {@code record} by field names (the writer's schema). */
  void read(GenericRecord record) {
    clear();
    readRecord(record, root);
  }

  private void readRecord(GenericRecord record, Node node) {
    Schema schema = record.getSchema();
    for (Map.Entry<String, Node> e : node.children.entrySet()) {
      Schema.Field f = schema.getField(e.getKey());
      if (f == null) {
        continue; // missing
      }
      Object datum = record.get(f.pos());
      Node child = e.getValue();
      if (datum instanceof GenericRecord nested) {
        if (child.slot >= 0) {
          values[child.slot].setComposite("a record");
        }
        readRecord(nested, child);
      } else if (child.slot >= 0) {
        set(values[child.slot], datum, f.schema());
      }
    }
  }

  private static void set(FieldValue v, Object datum, Schema schema) {
    switch (datum) {
      case null -> v.clear();
      case CharSequence s -> v.setText(s.toString());
      case Integer i -> setInteger(v, i, branch(schema, Schema.Type.INT));
      case Long l -> setInteger(v, l, branch(schema, Schema.Type.LONG));
      case Float f -> v.setReal(f);
      case Double d -> v.setReal(d);
      case Boolean b -> v.setBoolean(b);
      case GenericEnumSymbol<?> s -> v.setText(s.toString());
      case ByteBuffer b -> v.setComposite("bytes");
      case GenericFixed f -> v.setComposite("a fixed");
      case Map<?, ?> m -> v.setComposite("a map");
      case java.util.Collection<?> c -> v.setComposite("an array");
      default -> v.setComposite("a " + datum.getClass().getSimpleName());
    }
  }

  /** A number, or a time when its schema has a timestamp or date logical type. */
  private static void setInteger(FieldValue v, long n, Schema schema) {
    LogicalType t = schema == null ? null : schema.getLogicalType();
    if (t instanceof LogicalTypes.TimestampMillis || t instanceof LogicalTypes.LocalTimestampMillis) {
      v.setTimestampMillis(n);
    } else if (t instanceof LogicalTypes.TimestampMicros || t instanceof LogicalTypes.LocalTimestampMicros) {
      v.setTimestampMillis(Math.floorDiv(n, 1000L));
    } else if (t instanceof LogicalTypes.TimestampNanos || t instanceof LogicalTypes.LocalTimestampNanos) {
      v.setTimestampMillis(Math.floorDiv(n, 1_000_000L));
    } else if (t instanceof LogicalTypes.Date) {
      v.setTimestampMillis(n * 86_400_000L);
    } else {
      v.setInteger(n);
    }
  }

  /** The schema itself, or the branch of a union of that type (the datum's). */
  private static Schema branch(Schema schema, Schema.Type type) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    for (Schema s : schema.getTypes()) {
      if (s.getType() == type) {
        return s;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ JSON

  /** Parses one JSON object out of {@code bytes}; an IOException says why it is not one. */
  void readJson(byte[] bytes) throws IOException {
    clear();
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object (it starts with " + p.currentToken() + ")");
      }
      readObject(p, root);
      if (p.nextToken() != null) {
        throw new IOException("more after the JSON object (" + p.currentToken() + ")");
      }
    }
  }

  private void readObject(JsonParser p, Node node) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
      if (t != JsonToken.FIELD_NAME) {
        throw new IOException("a field name expected, got " + t);
      }
      Node child = node.children.get(p.currentName());
      t = p.nextToken();
      if (child == null) {
        p.skipChildren();
        continue;
      }
      FieldValue v = child.slot >= 0 ? values[child.slot] : null;
      switch (t) {
        case START_OBJECT -> {
          if (v != null) {
            v.setComposite("an object");
          }
          if (child.children.isEmpty()) {
            p.skipChildren();
          } else {
            readObject(p, child);
          }
        }
        case START_ARRAY -> {
          if (v != null) {
            v.setComposite("an array");
          }
          p.skipChildren();
        }
        case VALUE_STRING -> {
          if (v != null) {
            v.setText(p.getText());
          }
        }
        case VALUE_NUMBER_INT -> {
          if (v != null) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
              v.setReal(p.getDoubleValue());
            } else {
              v.setInteger(p.getLongValue());
            }
          }
        }
        case VALUE_NUMBER_FLOAT -> {
          if (v != null) {
            v.setReal(p.getDoubleValue());
          }
        }
        case VALUE_TRUE, VALUE_FALSE -> {
          if (v != null) {
            v.setBoolean(t == JsonToken.VALUE_TRUE);
          }
        }
        case VALUE_NULL -> {
          if (v != null) {
            v.clear();
          }
        }
        default -> throw new IOException("unexpected " + t);
      }
    }
  }
}
