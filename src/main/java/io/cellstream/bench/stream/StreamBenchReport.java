package io.cellstream.bench.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one {@code bench stream} run: table rows (what, value, how it was measured) and the same
 * figures as JSON, plus the headline ratio.
 */
public final class StreamBenchReport {

  /** One line of the table. */
  public record Row(String section, String what, String value, String how) {}

  private final List<Row> rows = new ArrayList<>();
  private final Map<String, Object> json = new LinkedHashMap<>();
  private double ratio = Double.NaN;
  private int hiddenSize;

  void row(String section, String what, String value, String how) {
    rows.add(new Row(section, what, value, how));
  }

  /** A JSON section (created on first use). */
  @SuppressWarnings("unchecked")
  Map<String, Object> section(String name) {
    return (Map<String, Object>) json.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
  }

  public void put(String key, Object value) {
    json.put(key, value);
  }

  private final List<String> headlines = new ArrayList<>();

  /** A line printed above the last one: a headline figure of its own (e.g. the trainer's ratio). */
  void headline(String line) {
    headlines.add(line);
  }

  public List<String> headlines() {
    return List.copyOf(headlines);
  }

  void ratio(double r, int hidden) {
    this.ratio = r;
    this.hiddenSize = hidden;
    json.put("lstmPassthroughRatio", round(r, 3));
  }

  public double ratio() {
    return ratio;
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  public Map<String, Object> json() {
    return json;
  }

  /** The last line of the output. */
  public String ratioLine() {
    return String.format(Locale.ROOT, "stream H=%d lstm/passthrough throughput ratio: %.2f", hiddenSize, ratio);
  }

  public void printTable(PrintWriter out) {
    int w1 = "measurement".length();
    int w2 = "value".length();
    for (Row r : rows) {
      w1 = Math.max(w1, r.what.length());
      w2 = Math.max(w2, r.value.length());
    }
    String fmt = "%-" + w1 + "s  %" + w2 + "s  %s%n";
    String section = null;
    for (Row r : rows) {
      if (!r.section.equals(section)) {
        section = r.section;
        out.println();
        out.println("== " + section);
        out.printf(Locale.ROOT, fmt, "measurement", "value", "how");
      }
      out.printf(Locale.ROOT, fmt, r.what, r.value, r.how);
    }
    out.println();
    out.flush();
  }

  public void writeJson(Path file) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
  }

  static double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static String num(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
  }

  static String fixed(double v, int digits) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + digits + "f", v);
  }
}
