package io.cellstream.input;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code cellstream.features}: the comma-separated transforms that turn a record's fields into the model's D
 * inputs, in order ({@link Feature} lists them). Commas inside parentheses belong to a transform; a default that
 * holds a comma or a parenthesis is written in double quotes ({@code cat(city, 8, default="n/a, none")}).
 *
 * <pre>
 *   num(amount), log(amount), cat(merchant.code, 16, default=none), hour(ts, Europe/Paris), since(ts), prev_target()
 * </pre>
 *
 * The model's input size is the sum of the widths; {@link #canonical()} is the one spelling of the list that
 * model versions carry (a version made for another list is not used).
 */
public final class FeatureList {

  private final List<Feature> features;
  private final int outputSize;
  private final int[] offsets;   // (n) first input of each feature
  private final int width;       // D

  private FeatureList(List<Feature> features, int outputSize) {
    this.features = List.copyOf(features);
    this.outputSize = outputSize;
    this.offsets = new int[features.size()];
    int d = 0;
    for (int i = 0; i < features.size(); i++) {
      offsets[i] = d;
      d += features.get(i).width(outputSize);
    }
    this.width = d;
  }

  /** The list for a model with K = {@code outputSize} outputs; an IllegalArgumentException says what is wrong. */
  public static FeatureList parse(String text, int outputSize) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the feature list is empty");
    }
    List<Feature> out = new ArrayList<>();
    for (String item : split(text, ',')) {
      out.add(parseOne(item.trim()));
    }
    long memory = out.stream().filter(f -> f.kind() == Feature.Kind.PREV_TARGET).count();
    if (memory > 1) {
      throw new IllegalArgumentException("prev_target() appears " + memory + " times; once is enough");
    }
    FeatureList l = new FeatureList(out, outputSize);
    if (l.width > io.cellstream.lstm.ModelSpec.MAX_SIZE) {
      throw new IllegalArgumentException("the features make " + l.width + " inputs, more than the "
          + io.cellstream.lstm.ModelSpec.MAX_SIZE + " a model takes");
    }
    return l;
  }

  private static Feature parseOne(String item) {
    int open = item.indexOf('(');
    if (item.isEmpty()) {
      throw new IllegalArgumentException("an empty entry (two commas in a row, or a comma at an end)");
    }
    if (open < 0 || !item.endsWith(")")) {
      throw new IllegalArgumentException("'" + item + "' is not a transform: write name(field, ...), e.g. num(" + item + ")");
    }
    String name = item.substring(0, open).trim().toLowerCase(Locale.ROOT);
    Feature.Kind kind = null;
    for (Feature.Kind k : Feature.Kind.values()) {
      if (k.id.equals(name)) {
        kind = k;
      }
    }
    if (kind == null) {
      throw new IllegalArgumentException("unknown transform '" + name + "' in '" + item
          + "': use num, log, bool, cat, hour, weekday, since or prev_target");
    }
    String inner = item.substring(open + 1, item.length() - 1).trim();
    List<String> positional = new ArrayList<>();
    String defaultValue = null;
    if (!inner.isEmpty()) {
      for (String a : split(inner, ',')) {
        String arg = a.trim();
        int eq = arg.indexOf('=');
        if (eq > 0 && arg.substring(0, eq).trim().equals("default")) {
          if (defaultValue != null) {
            throw new IllegalArgumentException("'" + item + "' gives default= twice");
          }
          defaultValue = unquote(arg.substring(eq + 1).trim(), item);
        } else if (eq >= 0 && !arg.startsWith("\"")) {
          throw new IllegalArgumentException("'" + item + "': unknown option '" + arg + "' (the only one is default=)");
        } else {
          positional.add(arg);
        }
      }
    }
    if (kind == Feature.Kind.PREV_TARGET) {
      if (!positional.isEmpty() || defaultValue != null) {
        throw new IllegalArgumentException("prev_target() takes no arguments, got '" + item + "'");
      }
      return new Feature(kind, null, 0, null, null);
    }
    if (positional.isEmpty()) {
      throw new IllegalArgumentException("'" + item + "' needs a field: " + kind.id + "(field" + (kind == Feature.Kind.CAT ? ", N" : "") + ")");
    }
    FieldPath field = FieldPath.parse(positional.get(0));
    int buckets = 0;
    ZoneId zone = null;
    int expected = 1;
    switch (kind) {
      case CAT -> {
        expected = 2;
        if (positional.size() < 2) {
          throw new IllegalArgumentException("'" + item + "' needs a number of buckets: cat(" + field + ", N)");
        }
        try {
          buckets = Integer.parseInt(positional.get(1));
        } catch (NumberFormatException e) {
          buckets = 0;
        }
        if (buckets < 1 || buckets > 4096) {
          throw new IllegalArgumentException("'" + item + "': the buckets must be an integer in 1..4096, got '"
              + positional.get(1) + "'");
        }
      }
      case HOUR, WEEKDAY -> {
        expected = 2;
        zone = ZoneOffset.UTC;
        if (positional.size() >= 2) {
          try {
            zone = ZoneId.of(positional.get(1)).normalized();
          } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + item + "': unknown time zone '" + positional.get(1)
                + "' (a region such as Europe/Paris, or an offset such as +02:00)");
          }
        }
      }
      default -> { }
    }
    if (positional.size() > expected) {
      throw new IllegalArgumentException("'" + item + "' has " + positional.size() + " arguments, " + kind.id
          + " takes " + expected + (defaultValue == null ? "" : " and default="));
    }
    Feature f = new Feature(kind, field, buckets, zone, defaultValue);
    if (defaultValue != null) {
      checkDefault(f, item);
    }
    return f;
  }

  /** A default must be usable as the field's value itself, or every record missing the field would fail. */
  private static void checkDefault(Feature f, String item) {
    FieldValue v = new FieldValue();
    v.setText(f.defaultValue());
    boolean ok = switch (f.kind()) {
      case NUM, LOG -> v.readNumber();
      case BOOL -> v.readBoolean();
      case CAT -> true;
      case HOUR, WEEKDAY, SINCE -> v.readTime();
      case PREV_TARGET -> false;
    };
    if (!ok) {
      String need = switch (f.kind()) {
        case NUM, LOG -> "a finite number";
        case BOOL -> "true, false, 1 or 0";
        default -> "a time (epoch seconds or milliseconds, or ISO-8601)";
      };
      throw new IllegalArgumentException("'" + item + "': default=" + f.defaultValue() + " is not " + need);
    }
  }

  /** Splits at {@code sep} outside parentheses and outside double quotes. */
  private static List<String> split(String s, char sep) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == '(') {
        depth++;
      } else if (!quoted && c == ')') {
        depth--;
        if (depth < 0) {
          throw new IllegalArgumentException("unbalanced ')' in '" + s + "'");
        }
      } else if (!quoted && c == sep && depth == 0) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unclosed '\"' in '" + s + "'");
    }
    if (depth != 0) {
      throw new IllegalArgumentException("unbalanced '(' in '" + s + "'");
    }
    parts.add(s.substring(start));
    return parts;
  }

  private static String unquote(String v, String item) {
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      return v.substring(1, v.length() - 1);
    }
    if (v.isEmpty()) {
      throw new IllegalArgumentException("'" + item + "': default= needs a value (\"\" for an empty text)");
    }
    return v;
  }

  static String quoteIfNeeded(String v) {
    boolean plain = !v.isEmpty() && v.chars().noneMatch(c -> c == ',' || c == '(' || c == ')' || c == '"'
        || c == '=' || Character.isWhitespace(c));
    return plain ? v : "\"" + v + "\"";
  }

  public List<Feature> features() {
    return features;
  }

  public int size() {
    return features.size();
  }

  public Feature get(int i) {
    return features.get(i);
  }

  /** The first model input of feature i. */
  public int offset(int i) {
    return offsets[i];
  }

  /** D: the model's input size. */
  public int width() {
    return width;
  }

  /** K the list was made for (prev_target's width). */
  public int outputSize() {
    return outputSize;
  }

  /** The indices of the standardised inputs (num and log), ascending. */
  public int[] standardisedColumns() {
    List<Integer> c = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      if (features.get(i).standardised()) {
        c.add(offsets[i]);
      }
    }
    return c.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Whether any feature depends on the entity's past. */
  public boolean usesMemory() {
    return features.stream().anyMatch(Feature::usesMemory);
  }

  /** The one spelling of this list: each transform canonical, joined by ", ". */
  public String canonical() {
    StringBuilder b = new StringBuilder();
    for (Feature f : features) {
      if (!b.isEmpty()) {
        b.append(", ");
      }
      b.append(f.canonical());
    }
    return b.toString();
  }

  /** Names of the inputs, for messages and reports: {@code num(amount)}, {@code cat(city, 8)[3]}, {@code hour(ts).sin}. */
  public String inputName(int column) {
    for (int i = features.size() - 1; i >= 0; i--) {
      if (column >= offsets[i]) {
        Feature f = features.get(i);
        int j = column - offsets[i];
        String base = f.canonical();
        return switch (f.kind()) {
          case CAT -> base + "[" + j + "]";
          case HOUR, WEEKDAY -> base + (j == 0 ? ".sin" : ".cos");
          case PREV_TARGET -> base + (j < outputSize ? "[" + j + "]" : ".none");
          default -> base;
        };
      }
    }
    throw new IndexOutOfBoundsException("input " + column + " of " + width);
  }

  @Override
  public String toString() {
    return canonical();
  }
}
