package io.cellstream.input;

import java.util.Arrays;

/**
 * A field of a record, by name, with dots for nested records: {@code card.id} is the field {@code id} of the
 * record in the field {@code card}. Names are matched exactly (case matters); a name cannot contain a dot.
 */
public final class FieldPath {

  private final String path;
  private final String[] parts;

  private FieldPath(String path, String[] parts) {
    this.path = path;
    this.parts = parts;
  }

  /** Parses {@code a.b.c}; refuses empty paths and empty names ({@code a..b}, {@code .a}). */
  public static FieldPath parse(String text) {
    String p = text == null ? "" : text.trim();
    if (p.isEmpty()) {
      throw new IllegalArgumentException("a field path must not be empty");
    }
    String[] parts = p.split("\\.", -1);
    for (String s : parts) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("field path '" + p + "' has an empty name (two dots, or a dot at an end)");
      }
      if (s.chars().anyMatch(c -> c == ',' || c == '(' || c == ')' || c == '=' || Character.isWhitespace(c))) {
        throw new IllegalArgumentException("field path '" + p + "': names cannot contain spaces, ',', '(', ')' or '='");
      }
    }
    return new FieldPath(p, parts);
  }

  /** Number of names: 1 for a top-level field. */
  public int depth() {
    return parts.length;
  }

  public String name(int i) {
    return parts[i];
  }

  @Override
  public String toString() {
    return path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldPath f && Arrays.equals(parts, f.parts);
  }

  @Override
  public int hashCode() {
    return path.hashCode();
  }
}
