package io.cellstream.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an {@link EvalResult} as a self-contained HTML page (inline CSS and SVG; no scripts, no external
 * resources; well-formed XHTML) and the same numbers as JSON beside it.
 *
 * <p>The page holds: the task and what a model without memory reaches (chance), a table of every metric
 * per model (over the last N pairs and cumulative, the best of each column in bold), one learning-curve
 * chart per metric (windowed value over events, one line per model, a dashed chance line where defined),
 * the cumulative curve of the primary metric, the models' settings, and the run's parameters.
 *
 * <p>JSON layout ({@link #json}): {@code {"format": "cellstream-eval-report/1", "task": {...}, "run":
 * {...}, "options": {...}, "wallSeconds": s, "models": [{"name", "description", "events", "scored",
 * "seconds", "eventsPerSecond", "metrics": {key: {"cumulative", "window", "count", "windowCount"}},
 * "curves": {key: {"events": [...], "scored": [...], "cumulative": [...], "window": [...]}}}]}}. NaN is
 * written as null.
 */
public final class ReportWriter {

  public static final String FORMAT = "cellstream-eval-report/1";

  /** Paths of the written report. */
  public record ReportFiles(Path html, Path json) {}

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReportWriter() {}

  /** Writes {@code report.html} and {@code report.json} into {@code dir} (created if needed). */
  public static ReportFiles write(EvalResult r, Path dir) {
    return write(r, dir, "report");
  }

  /** Writes {@code <baseName>.html} and {@code <baseName>.json} into {@code dir} (created if needed). */
  public static ReportFiles write(EvalResult r, Path dir, String baseName) {
    try {
      Files.createDirectories(dir);
      Path html = dir.resolve(baseName + ".html");
      Path json = dir.resolve(baseName + ".json");
      Files.writeString(html, html(r), StandardCharsets.UTF_8);
      Files.writeString(json, MAPPER.writeValueAsString(json(r)) + "\n", StandardCharsets.UTF_8);
      return new ReportFiles(html.toAbsolutePath(), json.toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report into " + dir + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------- JSON

  public static ObjectNode json(EvalResult r) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    TaskInfo t = r.task();
    ObjectNode task = root.putObject("task");
    task.put("name", t.name());
    task.put("title", t.title());
    task.put("type", t.task().id());
    task.put("inputSize", t.inputSize());
    task.put("outputSize", t.outputSize());
    task.put("suggestedWindow", t.suggestedWindow());
    task.put("primaryMetric", t.primaryMetric());
    task.put("featureLayout", t.featureLayout());
    ObjectNode chance = task.putObject("chance");
    t.chanceLevels().forEach((k, v) -> putNumber(chance, k, v));
    putMap(task.putObject("parameters"), t.parameters());
    putMap(root.putObject("run"), r.run());
    ObjectNode o = root.putObject("options");
    o.put("window", r.options().window());
    o.put("curveEvery", r.options().curveEvery());
    o.put("threads", r.options().threads());
    putNumber(root, "wallSeconds", r.wallSeconds());
    ArrayNode models = root.putArray("models");
    for (ModelResult m : r.models()) {
      ObjectNode mo = models.addObject();
      mo.put("name", m.name());
      putMap(mo.putObject("description"), m.description());
      mo.put("events", m.events());
      mo.put("scored", m.scored());
      mo.put("invalidOutputs", m.invalidOutputs());
      mo.put("droppedPending", m.droppedPending());
      putNumber(mo, "seconds", m.seconds());
      putNumber(mo, "eventsPerSecond", m.eventsPerSecond());
      ObjectNode metrics = mo.putObject("metrics");
      for (MetricValue v : m.metrics()) {
        ObjectNode mv = metrics.putObject(v.key());
        putNumber(mv, "cumulative", v.cumulative());
        putNumber(mv, "window", v.window());
        mv.put("count", v.count());
        mv.put("windowCount", v.windowCount());
      }
      ObjectNode curves = mo.putObject("curves");
      for (Curve c : m.curves()) {
        ObjectNode co = curves.putObject(c.key());
        ArrayNode ev = co.putArray("events");
        ArrayNode sc = co.putArray("scored");
        ArrayNode cu = co.putArray("cumulative");
        ArrayNode wi = co.putArray("window");
        for (int i = 0; i < c.size(); i++) {
          ev.add(c.events()[i]);
          sc.add(c.scored()[i]);
          addNumber(cu, c.cumulative()[i]);
          addNumber(wi, c.window()[i]);
        }
      }
    }
    return root;
  }

  /**
   * One line of JSON for a command's last line: per model every metric over the final window, e.g.
   * {@code {"task":"long-lag","metric":"accuracy","window":2000,"chance":0.25,"models":{"rnn":{"accuracy":0.61,…},…}}}.
   */
  public static String summaryLine(EvalResult r) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("task", r.task().name());
    root.put("metric", r.task().primaryMetric());
    root.put("window", r.options().window());
    putNumber(root, "chance", r.task().chance(r.task().primaryMetric()));
    ObjectNode models = root.putObject("models");
    for (ModelResult m : r.models()) {
      ObjectNode mo = models.putObject(m.name());
      for (MetricValue v : m.metrics()) {
        putNumber(mo, v.key(), v.window());
      }
      mo.put("scored", m.scored());
    }
    try {
      return new ObjectMapper().writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void putNumber(ObjectNode o, String k, double v) {
    if (Double.isFinite(v)) {
      o.put(k, v);
    } else {
      o.putNull(k);
    }
  }

  private static void addNumber(ArrayNode a, double v) {
    if (Double.isFinite(v)) {
      a.add(v);
    } else {
      a.addNull();
    }
  }

  private static void putMap(ObjectNode o, Map<String, Object> m) {
    for (Map.Entry<String, Object> e : m.entrySet()) {
      Object v = e.getValue();
      if (v == null) {
        o.putNull(e.getKey());
      } else if (v instanceof Double d) {
        putNumber(o, e.getKey(), d);
      } else if (v instanceof Float f) {
        putNumber(o, e.getKey(), Double.parseDouble(Float.toString(f))); // 0.01f as 0.01, not 0.0099999…
      } else if (v instanceof Number n) {
        o.put(e.getKey(), n.longValue());
      } else if (v instanceof Boolean b) {
        o.put(e.getKey(), b);
      } else {
        JsonNode node = MAPPER.valueToTree(v);
        o.set(e.getKey(), node.isValueNode() || node.isContainerNode() ? node : MAPPER.getNodeFactory().textNode(v.toString()));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- HTML

  private static final String CSS = """
      body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
      h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
      table{border-collapse:collapse;font-size:13px;margin:8px 0}
      th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f5f5f5}
      td.name,th.name{text-align:left}.sub{color:#666;font-size:13px}b.best{color:#000}
      .charts svg{display:block;margin:10px 0;border:1px solid #eee}
      code{background:#f5f5f5;padding:1px 4px}
      """;

  public static String html(EvalResult r) {
    TaskInfo t = r.task();
    List<MetricInfo> metrics = t.metrics();
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n<title>cellstream evaluation: ").append(esc(t.title()))
        .append("</title>\n<style>").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<h1>cellstream evaluation: ").append(esc(t.title())).append("</h1>\n");
    h.append("<p class=\"sub\">Prequential (test-then-train): every prediction is scored against its label before "
        + "the model learns from it. Windowed metrics cover the last ").append(r.options().window())
        .append(" scored pairs (strings for string metrics). Generated ").append(esc(Instant.now().toString()))
        .append(".</p>\n");
    MetricInfo primary = MetricInfo.of(t.primaryMetric());
    h.append("<p>Headline metric: <b>").append(esc(primary.label())).append("</b> (<code>")
        .append(esc(primary.key())).append("</code>)");
    double chance = t.chance(primary.key());
    if (!Double.isNaN(chance)) {
      h.append("; a model without memory reaches at best ").append(fmt(chance)).append(" by construction");
    }
    h.append(".</p>\n");

    // summary table
    h.append("<h2>Final metrics</h2>\n<table id=\"metrics\">\n<tr><th class=\"name\" rowspan=\"2\">model</th>");
    for (MetricInfo m : metrics) {
      h.append("<th colspan=\"2\">").append(esc(m.label())).append(m.higherIsBetter() ? " ↑" : " ↓").append("</th>");
    }
    h.append("<th rowspan=\"2\">scored</th><th rowspan=\"2\">events/s</th></tr>\n<tr>");
    for (int i = 0; i < metrics.size(); i++) {
      h.append("<th>window</th><th>all</th>");
    }
    h.append("</tr>\n");
    for (ModelResult m : r.models()) {
      h.append("<tr><td class=\"name\">").append(esc(m.name())).append("</td>");
      for (MetricInfo mi : metrics) {
        MetricValue v = m.metric(mi.key());
        double w = v == null ? Double.NaN : v.window();
        double c = v == null ? Double.NaN : v.cumulative();
        h.append("<td>").append(best(r, mi, w, true) ? "<b class=\"best\">" + fmt(w) + "</b>" : fmt(w)).append("</td>");
        h.append("<td>").append(best(r, mi, c, false) ? "<b class=\"best\">" + fmt(c) + "</b>" : fmt(c)).append("</td>");
      }
      h.append("<td>").append(m.scored()).append("</td><td>").append(String.format(Locale.ROOT, "%.0f",
          m.eventsPerSecond())).append("</td></tr>\n");
    }
    h.append("</table>\n");
    if (!t.chanceLevels().isEmpty()) {
      h.append("<p class=\"sub\">Chance (best model without memory): ");
      boolean first = true;
      for (Map.Entry<String, Double> e : t.chanceLevels().entrySet()) {
        h.append(first ? "" : ", ").append(esc(MetricInfo.of(e.getKey()).label())).append(" ").append(fmt(e.getValue()));
        first = false;
      }
      h.append(".</p>\n");
    }

    // charts
    h.append("<h2>Learning curves</h2>\n<div class=\"charts\">\n");
    for (MetricInfo mi : metrics) {
      h.append(chart(r, mi, true));
    }
    h.append(chart(r, primary, false));
    h.append("</div>\n");

    // models
    h.append("<h2>Models</h2>\n");
    for (ModelResult m : r.models()) {
      h.append("<table class=\"model\"><tr><th class=\"name\" colspan=\"2\">").append(esc(m.name())).append("</th></tr>\n");
      for (Map.Entry<String, Object> e : m.description().entrySet()) {
        h.append("<tr><td class=\"name\">").append(esc(e.getKey())).append("</td><td class=\"name\">")
            .append(esc(value(e.getValue()))).append("</td></tr>\n");
      }
      h.append("<tr><td class=\"name\">seconds</td><td class=\"name\">").append(fmt(m.seconds())).append("</td></tr>\n");
      h.append("</table>\n");
    }

    // run
    h.append("<h2>Run</h2>\n<table id=\"run\">\n");
    row(h, "task", t.title());
    row(h, "type", t.task().id() + ", D=" + t.inputSize() + ", K=" + t.outputSize());
    row(h, "feature layout", t.featureLayout());
    row(h, "suggested BPTT window", String.valueOf(t.suggestedWindow()));
    for (Map.Entry<String, Object> e : r.run().entrySet()) {
      row(h, e.getKey(), value(e.getValue()));
    }
    row(h, "metric window (pairs)", String.valueOf(r.options().window()));
    row(h, "curve point every (scored pairs)", String.valueOf(r.options().curveEvery()));
    row(h, "wall seconds", fmt(r.wallSeconds()));
    h.append("</table>\n</body>\n</html>\n");
    return h.toString();
  }

  private static String chart(EvalResult r, MetricInfo mi, boolean window) {
    String title = mi.label() + (window ? " over the last " + r.options().window() : ", cumulative");
    SvgChart c = new SvgChart(title, "events", mi.label());
    if (mi.unitInterval()) {
      c.yRange(0, 1);
    }
    for (ModelResult m : r.models()) {
      Curve cv = m.curve(mi.key());
      if (cv == null) {
        continue;
      }
      double[] xs = new double[cv.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = cv.events()[i];
      }
      c.line(m.name(), xs, window ? cv.window() : cv.cumulative());
    }
    c.reference("chance", r.task().chance(mi.key()));
    return "<div class=\"chart\" data-metric=\"" + esc(mi.key()) + "\" data-kind=\"" + (window ? "window" : "cumulative")
        + "\">\n" + c.render() + "</div>\n";
  }

  private static boolean best(EvalResult r, MetricInfo mi, double v, boolean window) {
    if (Double.isNaN(v) || r.models().size() < 2) {
      return false;
    }
    for (ModelResult m : r.models()) {
      MetricValue o = m.metric(mi.key());
      if (o != null && mi.better(window ? o.window() : o.cumulative(), v)) {
        return false;
      }
    }
    return true;
  }

  private static void row(StringBuilder h, String k, String v) {
    h.append("<tr><td class=\"name\">").append(esc(k)).append("</td><td class=\"name\">").append(esc(v))
        .append("</td></tr>\n");
  }

  private static String value(Object v) {
    if (v instanceof Double d) {
      return fmt(d);
    }
    if (v instanceof Float f) {
      return fmt(f);
    }
    return String.valueOf(v);
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    if (v != 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) {
      return String.format(Locale.ROOT, "%.3g", v);
    }
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String esc(String s) {
    return SvgChart.esc(s == null ? "" : s);
  }
}
