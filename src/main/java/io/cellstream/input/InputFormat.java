package io.cellstream.input;

import java.util.Locale;

/** How the records of an input topic are written ({@code cellstream.input.format}, {@code cellstream.labels.format}). */
public enum InputFormat {
  /** cellstream's own Avro {@code Event} / {@code Label} through the registry: ready-made features. */
  CELLSTREAM("cellstream"),
  /** Any Avro record through the registry (Confluent wire format, the writer's schema by its id). */
  AVRO("avro"),
  /** A UTF-8 JSON object per record. */
  JSON("json");

  private final String id;

  InputFormat(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** The records are the user's own: fields are mapped by path, the key may be anything. */
  public boolean isUserRecord() {
    return this != CELLSTREAM;
  }

  public static InputFormat parse(String s) {
    String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    for (InputFormat f : values()) {
      if (f.id.equals(t)) {
        return f;
      }
    }
    throw new IllegalArgumentException("must be cellstream, avro or json, got '" + s + "'");
  }
}
