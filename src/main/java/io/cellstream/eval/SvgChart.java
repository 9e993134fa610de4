package io.cellstream.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line-chart writer producing standalone inline SVG (no scripts, no external fonts or styles):
 * axes with "nice" ticks (1, 2, 5 × 10^k), a grid, one polyline per series, dashed horizontal reference
 * lines (chance level), a legend on the right.
 *
 * <p>The data-to-pixel mapping is stated on the root element so that tools (and tests) can read values
 * back: {@code data-x-min}, {@code data-x-max}, {@code data-y-min}, {@code data-y-max} and
 * {@code data-plot="left top width height"}; pixel x = left + (x − xmin)/(xmax − xmin)·width, pixel y =
 * top + height − (y − ymin)/(ymax − ymin)·height. Each series is a {@code <polyline class="series"
 * data-name="…">}; NaN points are left out, and a series longer than {@link #maxPoints(int)} is thinned
 * to every k-th point (its last point always kept).
 */
public final class SvgChart {

  /** Colour-blind-friendly palette (Okabe–Ito), then greys. */
  static final String[] PALETTE = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
    "#000000", "#F0E442", "#777777", "#AAAAAA"};

  private record Line(String name, double[] xs, double[] ys, String color) {}

  private record Ref(String label, double y) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Line> lines = new ArrayList<>();
  private final List<Ref> refs = new ArrayList<>();
  private int width = 760;
  private int height = 340;
  private double yMin = Double.NaN;
  private double yMax = Double.NaN;
  private int maxPoints = 1000;

  public SvgChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  public SvgChart size(int w, int h) {
    this.width = w;
    this.height = h;
    return this;
  }

  /** Fixes the y axis (else it spans the data and reference lines). */
  public SvgChart yRange(double min, double max) {
    this.yMin = min;
    this.yMax = max;
    return this;
  }

  public SvgChart maxPoints(int n) {
    this.maxPoints = Math.max(2, n);
    return this;
  }

  /** Adds a series; colours follow the order of addition. */
  public SvgChart line(String name, double[] xs, double[] ys) {
    if (xs.length != ys.length) {
      throw new IllegalArgumentException("x and y differ in length");
    }
    lines.add(new Line(name, xs, ys, PALETTE[lines.size() % PALETTE.length]));
    return this;
  }

  /** Adds a dashed horizontal line, e.g. the chance level. */
  public SvgChart reference(String label, double y) {
    if (Double.isFinite(y)) {
      refs.add(new Ref(label, y));
    }
    return this;
  }

  public String render() {
    final int left = 64;
    final int right = 150;
    final int top = 34;
    final int bottom = 48;
    int pw = width - left - right;
    int ph = height - top - bottom;

    // ranges
    double x0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y0 = Double.POSITIVE_INFINITY;
    double y1 = Double.NEGATIVE_INFINITY;
    for (Line l : lines) {
      for (int i = 0; i < l.xs.length; i++) {
        if (Double.isFinite(l.xs[i]) && Double.isFinite(l.ys[i])) {
          x0 = Math.min(x0, l.xs[i]);
          x1 = Math.max(x1, l.xs[i]);
          y0 = Math.min(y0, l.ys[i]);
          y1 = Math.max(y1, l.ys[i]);
        }
      }
    }
    for (Ref r : refs) {
      y0 = Math.min(y0, r.y);
      y1 = Math.max(y1, r.y);
    }
    if (!(x0 <= x1)) {
      x0 = 0;
      x1 = 1;
    }
    x0 = Math.min(0, x0);
    if (x1 == x0) {
      x1 = x0 + 1;
    }
    if (!Double.isNaN(yMin)) {
      y0 = yMin;
      y1 = yMax;
    } else {
      if (!(y0 <= y1)) {
        y0 = 0;
        y1 = 1;
      }
      if (y0 >= 0 && y0 < (y1 - y0)) {
        y0 = 0; // start at zero when the data is not far from it
      }
      double pad = (y1 - y0) * 0.05;
      if (pad == 0) {
        pad = Math.max(Math.abs(y1) * 0.05, 0.05);
      }
      y1 += pad;
      if (y0 != 0) {
        y0 -= pad;
      }
    }
    double[] yt = niceTicks(y0, y1, 6);
    double[] xt = niceTicks(x0, x1, 7);
    if (Double.isNaN(yMin)) { // extend the axis to whole ticks
      y0 = Math.min(y0, yt[0]);
      y1 = Math.max(y1, yt[yt.length - 1]);
    }
    final double fx0 = x0;
    final double fx1 = x1;
    final double fy0 = y0;
    final double fy1 = y1;
    java.util.function.DoubleUnaryOperator px = x -> left + (x - fx0) / (fx1 - fx0) * pw;
    java.util.function.DoubleUnaryOperator py = y -> top + ph - (y - fy0) / (fy1 - fy0) * ph;

    StringBuilder s = new StringBuilder(4096);
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"").append(width)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
        .append(height).append("\" font-family=\"sans-serif\" font-size=\"11\"")
        .append(" data-x-min=\"").append(num(x0)).append("\" data-x-max=\"").append(num(x1))
        .append("\" data-y-min=\"").append(num(y0)).append("\" data-y-max=\"").append(num(y1))
        .append("\" data-plot=\"").append(left).append(' ').append(top).append(' ').append(pw).append(' ')
        .append(ph).append("\">\n");
    s.append("<title>").append(esc(title)).append("</title>\n");
    s.append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(height)
        .append("\" fill=\"#ffffff\"/>\n");
    s.append("<text x=\"").append(left).append("\" y=\"20\" font-size=\"13\" font-weight=\"bold\">")
        .append(esc(title)).append("</text>\n");
    // grid and ticks
    for (double t : yt) {
      if (t < y0 - 1e-12 || t > y1 + 1e-12) {
        continue;
      }
      double y = py.applyAsDouble(t);
      s.append("<line x1=\"").append(left).append("\" x2=\"").append(left + pw).append("\" y1=\"").append(px2(y))
          .append("\" y2=\"").append(px2(y)).append("\" stroke=\"#e5e5e5\"/>\n");
      s.append("<text x=\"").append(left - 6).append("\" y=\"").append(px2(y + 4))
          .append("\" text-anchor=\"end\">").append(esc(tickLabel(t, yt))).append("</text>\n");
    }
    for (double t : xt) {
      if (t < x0 - 1e-12 || t > x1 + 1e-12) {
        continue;
      }
      double x = px.applyAsDouble(t);
      s.append("<line x1=\"").append(px2(x)).append("\" x2=\"").append(px2(x)).append("\" y1=\"").append(top)
          .append("\" y2=\"").append(top + ph).append("\" stroke=\"#f0f0f0\"/>\n");
      s.append("<text x=\"").append(px2(x)).append("\" y=\"").append(top + ph + 16)
          .append("\" text-anchor=\"middle\">").append(esc(countLabel(t))).append("</text>\n");
    }
    // axes
    s.append("<line x1=\"").append(left).append("\" x2=\"").append(left).append("\" y1=\"").append(top)
        .append("\" y2=\"").append(top + ph).append("\" stroke=\"#333333\"/>\n");
    s.append("<line x1=\"").append(left).append("\" x2=\"").append(left + pw).append("\" y1=\"").append(top + ph)
        .append("\" y2=\"").append(top + ph).append("\" stroke=\"#333333\"/>\n");
    s.append("<text x=\"").append(left + pw / 2).append("\" y=\"").append(height - 8)
        .append("\" text-anchor=\"middle\">").append(esc(xLabel)).append("</text>\n");
    s.append("<text transform=\"translate(14,").append(top + ph / 2).append(") rotate(-90)\" text-anchor=\"middle\">")
        .append(esc(yLabel)).append("</text>\n");
    // reference lines
    for (Ref r : refs) {
      double y = py.applyAsDouble(r.y);
      s.append("<line class=\"reference\" data-y=\"").append(num(r.y)).append("\" x1=\"").append(left)
          .append("\" x2=\"").append(left + pw).append("\" y1=\"").append(px2(y)).append("\" y2=\"").append(px2(y))
          .append("\" stroke=\"#888888\" stroke-dasharray=\"5,4\"/>\n");
    }
    // series
    for (Line l : lines) {
      int n = 0;
      for (int i = 0; i < l.xs.length; i++) {
        if (Double.isFinite(l.xs[i]) && Double.isFinite(l.ys[i])) {
          n++;
        }
      }
      int stride = n > maxPoints ? (n + maxPoints - 1) / maxPoints : 1;
      s.append("<polyline class=\"series\" data-name=\"").append(esc(l.name)).append("\" data-stride=\"")
          .append(stride).append("\" fill=\"none\" stroke=\"").append(l.color)
          .append("\" stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"");
      int seen = 0;
      boolean first = true;
      for (int i = 0; i < l.xs.length; i++) {
        if (!(Double.isFinite(l.xs[i]) && Double.isFinite(l.ys[i]))) {
          continue;
        }
        boolean keep = seen % stride == 0 || seen == n - 1;
        seen++;
        if (!keep) {
          continue;
        }
        if (!first) {
          s.append(' ');
        }
        first = false;
        s.append(px2(px.applyAsDouble(l.xs[i]))).append(',').append(px2(py.applyAsDouble(l.ys[i])));
      }
      s.append("\"/>\n");
    }
    // legend
    int ly = top + 8;
    for (Line l : lines) {
      int lx = left + pw + 14;
      s.append("<line x1=\"").append(lx).append("\" x2=\"").append(lx + 22).append("\" y1=\"").append(ly)
          .append("\" y2=\"").append(ly).append("\" stroke=\"").append(l.color).append("\" stroke-width=\"2.5\"/>\n");
      s.append("<text class=\"legend\" x=\"").append(lx + 28).append("\" y=\"").append(ly + 4).append("\">")
          .append(esc(l.name)).append("</text>\n");
      ly += 18;
    }
    for (Ref r : refs) {
      int lx = left + pw + 14;
      s.append("<line x1=\"").append(lx).append("\" x2=\"").append(lx + 22).append("\" y1=\"").append(ly)
          .append("\" y2=\"").append(ly).append("\" stroke=\"#888888\" stroke-dasharray=\"5,4\"/>\n");
      s.append("<text class=\"legend\" x=\"").append(lx + 28).append("\" y=\"").append(ly + 4)
          .append("\" fill=\"#666666\">").append(esc(r.label + " " + ReportWriter.fmt(r.y).replaceAll("0+$", "")))
          .append("</text>\n");
      ly += 18;
    }
    s.append("</svg>\n");
    return s.toString();
  }

  /** Ticks at multiples of 1, 2 or 5 × 10^k covering [min, max] with at most about {@code maxTicks}. */
  public static double[] niceTicks(double min, double max, int maxTicks) {
    if (!(max > min)) {
      return new double[] {min};
    }
    double raw = (max - min) / Math.max(1, maxTicks);
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / mag;
    double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
    double first = Math.floor(min / step + 1e-9) * step;
    double last = Math.ceil(max / step - 1e-9) * step;
    int n = (int) Math.round((last - first) / step) + 1;
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = first + i * step;
      if (Math.abs(t[i]) < step * 1e-9) {
        t[i] = 0;
      }
    }
    return t;
  }

  /** 1500 → "1.5k", 2000000 → "2M". */
  static String countLabel(double v) {
    double a = Math.abs(v);
    if (a >= 1e6) {
      return trim(v / 1e6) + "M";
    }
    if (a >= 1e3) {
      return trim(v / 1e3) + "k";
    }
    return trim(v);
  }

  private static String tickLabel(double v, double[] ticks) {
    double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.2f", v);
    s = s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    return s.equals("-0") ? "0" : s;
  }

  static String px2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String num(double v) {
    return Double.toString(v);
  }

  /** XML text/attribute escaping. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            b.append(' ');
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
