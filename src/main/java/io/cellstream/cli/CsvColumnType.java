package io.cellstream.cli;

import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The Avro type of a CSV column in {@code import --as-record}, and the rule that infers it from the column's cells.
 *
 * <p>The rule, over every non-blank cell considered (each trimmed; blanks are empty or only whitespace):
 * <ol>
 *   <li>{@code long} when every cell is an integer ({@code 42}, {@code -7}, {@code +3}) within 64 bits;</li>
 *   <li>else {@code double} when every cell is a decimal number ({@code 2.5}, {@code -.5}, {@code 1e-3},
 *       {@code 6.02E23}) with a finite value; integers count as numbers here too;</li>
 *   <li>else {@code boolean} when every cell is {@code true} or {@code false} (any case);</li>
 *   <li>else {@code string}: the cells as they are in the file, untrimmed.</li>
 * </ol>
 * An integer part with a leading zero ({@code 007}, {@code 01.5}) is text, so that identifiers such as postal codes
 * keep their zeros; so are {@code NaN}, {@code Infinity}, hexadecimal and numbers with thousands separators, and an
 * integer beyond 64 bits (a double would silently round it). A column with any blank cell is nullable (Avro
 * {@code ["null", type]} with default null; its blanks are null); a column with no non-blank cell at all is a
 * nullable string. Quoting does not change a cell's type: {@code "42"} is a number.
 */
enum CsvColumnType {
  LONG(Schema.Type.LONG), DOUBLE(Schema.Type.DOUBLE), BOOLEAN(Schema.Type.BOOLEAN), STRING(Schema.Type.STRING);

  // No leading zero on a multi-digit integer part; a bare fraction (.5) is fine.
  private static final Pattern INTEGER = Pattern.compile("[+-]?(0|[1-9][0-9]*)");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?((0|[1-9][0-9]*)(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  final Schema.Type avroType;

  CsvColumnType(Schema.Type avroType) {
    this.avroType = avroType;
  }

  /** The name on the command line ({@code --type col=long}) and in messages. */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static CsvColumnType parse(String name) {
    for (CsvColumnType t : values()) {
      if (t.label().equalsIgnoreCase(name.strip())) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown column type '" + name + "': use long, double, boolean or string");
  }

  static boolean isBlank(String cell) {
    return cell.isBlank();
  }

  static boolean isLong(String trimmed) {
    if (!INTEGER.matcher(trimmed).matches()) {
      return false;
    }
    try {
      Long.parseLong(trimmed);
      return true;
    } catch (NumberFormatException e) {
      return false; // beyond 64 bits
    }
  }

  static boolean isDouble(String trimmed) {
    if (!DECIMAL.matcher(trimmed).matches()) {
      return false;
    }
    if (INTEGER.matcher(trimmed).matches() && !isLong(trimmed)) {
      return false; // an integer beyond 64 bits would lose digits as a double
    }
    return Double.isFinite(Double.parseDouble(trimmed));
  }

  static boolean isBoolean(String trimmed) {
    return trimmed.equalsIgnoreCase("true") || trimmed.equalsIgnoreCase("false");
  }

  /**
   * The Avro value of a non-blank cell in a column of this type. A column forced to boolean ({@code --type
   * col=boolean}) also takes 1 and 0, the usual spelling of a flag in CSV files.
   *
   * @throws IllegalArgumentException with the reason when the cell is not of this type
   */
  Object parse(String cell, boolean forced) {
    String v = cell.strip();
    return switch (this) {
      case LONG -> {
        if (!isLong(v)) {
          throw new IllegalArgumentException("'" + v + "' is not an integer (the column is long)");
        }
        yield Long.parseLong(v);
      }
      case DOUBLE -> {
        if (!isDouble(v)) {
          throw new IllegalArgumentException("'" + v + "' is not a finite decimal number (the column is double)");
        }
        yield Double.parseDouble(v);
      }
      case BOOLEAN -> {
        if (isBoolean(v)) {
          yield Boolean.parseBoolean(v.toLowerCase(Locale.ROOT));
        }
        if (forced && (v.equals("1") || v.equals("0"))) {
          yield v.equals("1");
        }
        throw new IllegalArgumentException("'" + v + "' is not true or false" + (forced ? " (or 1 or 0)" : "")
            + " (the column is boolean)");
      }
      case STRING -> cell;
    };
  }

  /** What the cells of one column seen so far allow. */
  static final class Inference {
    private boolean allLong = true;
    private boolean allDouble = true;
    private boolean allBoolean = true;
    private long values;
    private long blanks;

    void observe(String cell) {
      if (isBlank(cell)) {
        blanks++;
        return;
      }
      values++;
      String v = cell.strip();
      // Once a candidate is out it stays out, so most cells cost one or two checks.
      allLong = allLong && isLong(v);
      allDouble = allDouble && (allLong || isDouble(v));
      allBoolean = allBoolean && isBoolean(v);
    }

    CsvColumnType type() {
      if (values == 0) {
        return STRING;
      }
      if (allLong) {
        return LONG;
      }
      if (allDouble) {
        return DOUBLE;
      }
      return allBoolean ? BOOLEAN : STRING;
    }

    boolean nullable() {
      return blanks > 0 || values == 0;
    }
  }
}
