package io.cellstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportTest {

  private static final String SVG = "http://www.w3.org/2000/svg";
  private static EvalResult result;

  @BeforeAll
  static void run() {
    TaskGenerator g = LongLagTask.generator(StreamConfig.of(10, 12_000, 5), LongLagTask.Config.DEFAULTS.withLag(3));
    result = Evaluator.run(g, Baselines.forTask(g.info(), 8), EvalOptions.DEFAULTS.withWindow(300).withCurveEvery(50));
  }

  private static Document parse(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void htmlIsWellFormedSelfContainedAndHoldsTheCurves(@TempDir Path dir) throws Exception {
    ReportWriter.ReportFiles files = ReportWriter.write(result, dir);
    assertThat(files.html()).exists().hasFileName("report.html");
    assertThat(files.json()).exists().hasFileName("report.json");
    String html = Files.readString(files.html());
    assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=")
        .doesNotContain("@import").doesNotContain("url(");
    Document doc = parse(html);
    NodeList svgs = doc.getElementsByTagNameNS(SVG, "svg");
    List<MetricInfo> metrics = result.task().metrics();
    assertThat(svgs.getLength()).isEqualTo(metrics.size() + 1); // one per metric + the cumulative headline
    int checked = 0;
    for (int i = 0; i < svgs.getLength(); i++) {
      Element svg = (Element) svgs.item(i);
      Element box = (Element) svg.getParentNode();
      String metric = box.getAttribute("data-metric");
      boolean window = box.getAttribute("data-kind").equals("window");
      double x0 = Double.parseDouble(svg.getAttribute("data-x-min"));
      double x1 = Double.parseDouble(svg.getAttribute("data-x-max"));
      double y0 = Double.parseDouble(svg.getAttribute("data-y-min"));
      double y1 = Double.parseDouble(svg.getAttribute("data-y-max"));
      String[] plot = svg.getAttribute("data-plot").split(" ");
      double left = Double.parseDouble(plot[0]);
      double top = Double.parseDouble(plot[1]);
      double w = Double.parseDouble(plot[2]);
      double h = Double.parseDouble(plot[3]);
      NodeList lines = svg.getElementsByTagNameNS(SVG, "polyline");
      assertThat(lines.getLength()).isEqualTo(result.models().size());
      for (int j = 0; j < lines.getLength(); j++) {
        Element pl = (Element) lines.item(j);
        ModelResult m = result.model(pl.getAttribute("data-name"));
        Curve c = m.curve(metric);
        double[] ys = window ? c.window() : c.cumulative();
        List<double[]> expected = new ArrayList<>();
        for (int k = 0; k < c.size(); k++) {
          if (Double.isFinite(ys[k])) {
            expected.add(new double[] {c.events()[k], ys[k]});
          }
        }
        String[] pts = pl.getAttribute("points").trim().split(" ");
        assertThat(pl.getAttribute("data-stride")).isEqualTo("1");
        assertThat(pts).hasSize(expected.size());
        for (int k = 0; k < pts.length; k++) {
          String[] xy = pts[k].split(",");
          double x = x0 + (Double.parseDouble(xy[0]) - left) / w * (x1 - x0);
          double y = y0 + (top + h - Double.parseDouble(xy[1])) / h * (y1 - y0);
          assertThat(x).isCloseTo(expected.get(k)[0], within((x1 - x0) * 1e-3));
          assertThat(y).isCloseTo(expected.get(k)[1], within((y1 - y0) * 1e-3));
          checked++;
        }
      }
      if (metric.equals("accuracy")) {
        NodeList refs = svg.getElementsByTagNameNS(SVG, "line");
        boolean chance = false;
        for (int k = 0; k < refs.getLength(); k++) {
          Element l = (Element) refs.item(k);
          if (l.getAttribute("class").equals("reference")) {
            chance |= Double.parseDouble(l.getAttribute("data-y")) == 0.25;
          }
        }
        assertThat(chance).as("chance line at 1/K").isTrue();
      }
      assertThat(svg.getElementsByTagNameNS(SVG, "text").getLength()).isGreaterThan(8); // ticks, labels, legend
    }
    assertThat(checked).isGreaterThan(100);
    // the table names every model and shows the windowed accuracy as printed
    Element table = doc.getElementById("metrics");
    String text = doc.getDocumentElement().getTextContent();
    for (ModelResult m : result.models()) {
      assertThat(text).contains(m.name());
      assertThat(text).contains(ReportWriter.fmt(m.metric("accuracy").window()));
    }
    assertThat(table == null || table.getTagName().equals("table")).isTrue();
  }

  @Test
  void jsonHoldsTheNumbers(@TempDir Path dir) throws Exception {
    ReportWriter.ReportFiles files = ReportWriter.write(result, dir, "longlag");
    assertThat(files.json().getFileName().toString()).isEqualTo("longlag.json");
    JsonNode root = new ObjectMapper().readTree(files.json().toFile());
    assertThat(root.path("format").asText()).isEqualTo(ReportWriter.FORMAT);
    assertThat(root.path("task").path("name").asText()).isEqualTo("long-lag");
    assertThat(root.path("task").path("chance").path("accuracy").asDouble()).isEqualTo(0.25);
    assertThat(root.path("run").path("lag").asInt()).isEqualTo(3);
    assertThat(root.path("options").path("window").asInt()).isEqualTo(300);
    JsonNode models = root.path("models");
    assertThat(models.size()).isEqualTo(result.models().size());
    for (int i = 0; i < models.size(); i++) {
      JsonNode m = models.get(i);
      ModelResult mr = result.models().get(i);
      assertThat(m.path("name").asText()).isEqualTo(mr.name());
      for (MetricValue v : mr.metrics()) {
        JsonNode mv = m.path("metrics").path(v.key());
        assertThat(mv.path("window").asDouble()).isEqualTo(v.window());
        assertThat(mv.path("cumulative").asDouble()).isEqualTo(v.cumulative());
        assertThat(mv.path("count").asLong()).isEqualTo(v.count());
      }
      Curve c = mr.curve("accuracy");
      JsonNode jc = m.path("curves").path("accuracy");
      assertThat(jc.path("events").size()).isEqualTo(c.size());
      for (int k = 0; k < c.size(); k++) {
        assertThat(jc.path("events").get(k).asLong()).isEqualTo(c.events()[k]);
        assertThat(jc.path("window").get(k).asDouble()).isEqualTo(c.window()[k]);
      }
    }
    assertThat(models.get(1).path("description").path("learningRate").asDouble())
        .isCloseTo(CellLearner.RNN_LEARNING_RATE, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void summaryLineIsOneJsonObject() throws Exception {
    String line = ReportWriter.summaryLine(result);
    assertThat(line).doesNotContain("\n");
    JsonNode j = new ObjectMapper().readTree(line);
    assertThat(j.path("metric").asText()).isEqualTo("accuracy");
    assertThat(j.path("models").path("rnn").path("accuracy").asDouble())
        .isEqualTo(result.model("rnn").metric("accuracy").window());
    assertThat(j.path("models").path("nomemory").has("accuracy")).isTrue();
  }

  @Test
  void chartsWithNaNAndLongSeries() throws Exception {
    double[] xs = new double[2500];
    double[] ys = new double[2500];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = i * 10;
      ys[i] = i < 5 ? Double.NaN : Math.sin(i / 100.0);
    }
    String svg = new SvgChart("t & <x>", "events", "y").maxPoints(100).line("a", xs, ys).reference("zero", 0).render();
    Document d = parse(svg);
    Element pl = (Element) d.getElementsByTagNameNS(SVG, "polyline").item(0);
    String[] pts = pl.getAttribute("points").split(" ");
    assertThat(pts.length).isBetween(90, 101);
    assertThat(pl.getAttribute("data-stride")).isEqualTo("25");
    // the last point is kept: x = 24990 maps to the right end of the x range
    double xMax = Double.parseDouble(d.getDocumentElement().getAttribute("data-x-max"));
    assertThat(xMax).isGreaterThanOrEqualTo(24990);
    assertThat(d.getDocumentElement().getTextContent()).contains("t & <x>");
  }

  @Test
  void niceTicks() {
    assertThat(SvgChart.niceTicks(0, 1, 6)).containsExactly(0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0);
    double[] t = SvgChart.niceTicks(0, 12_345, 7);
    assertThat(t[1] - t[0]).isEqualTo(2000);
    assertThat(t[t.length - 1]).isGreaterThanOrEqualTo(12_345);
    assertThat(SvgChart.countLabel(1500)).isEqualTo("1.5k");
    assertThat(SvgChart.countLabel(2_000_000)).isEqualTo("2M");
    assertThat(SvgChart.countLabel(0)).isEqualTo("0");
  }
}
