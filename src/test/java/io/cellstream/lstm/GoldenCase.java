package io.cellstream.lstm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

/**
 * One golden vector file (format in the README beside them), mapped into this package's layouts:
 * the JSON keeps W_x (4H, D) and W_h (4H, H) apart; our W (4H, D+H) has row r = [W_x[r] | W_h[r]].
 */
record GoldenCase(
    String name,
    ModelSpec spec,
    float[] params,        // Parameters layout
    float[] h0,
    float[] c0,
    float[] inputs,        // (T, D)
    float[] targets,       // (T, K)
    boolean[] mask,        // (T)
    double[] forwardH,     // (T, H)
    double[] forwardC,     // (T, H)
    double[] forwardY,     // (T, K)
    double forwardLoss,
    double[] gradParams,   // Parameters layout
    double[] gradH0,
    double[] gradC0,
    AdamConfig adam,
    int adamSteps,
    double[] lossesBeforeEachStep,
    double[] paramsAfter) { // Parameters layout

  static final String DIR_PROPERTY = "lstm.golden.dir";
  /** The set that ships with the project; -Dlstm.golden.dir=... runs another set in the same format. */
  static final String DEFAULT_DIR = "src/test/resources/lstm-golden";

  static Path dir() {
    return Paths.get(System.getProperty(DIR_PROPERTY, DEFAULT_DIR));
  }

  /** Every *.json in the golden directory, sorted; fails loudly when there is none. */
  static List<Path> files() {
    Path dir = dir();
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("golden directory " + dir.toAbsolutePath() + " does not exist (set -D"
          + DIR_PROPERTY + ")");
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
      if (files.isEmpty()) {
        throw new IllegalStateException("no *.json golden case in " + dir.toAbsolutePath());
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GoldenCase load(Path file) {
    JsonNode j;
    try {
      j = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read golden case " + file, e);
    }
    if (j.has("gate_order") && !j.get("gate_order").asText().replace(" ", "").equals("i,f,g,o")) {
      throw new IllegalStateException(file + ": gate order " + j.get("gate_order") + ", expected i,f,g,o");
    }
    int d = j.get("input_size").asInt();
    int h = j.get("hidden_size").asInt();
    int k = j.get("output_size").asInt();
    ModelSpec spec = new ModelSpec(d, h, k, Task.parse(j.get("task").asText()));
    JsonNode p = j.get("params");
    JsonNode g = j.get("grads");
    JsonNode a = j.get("adam");
    return new GoldenCase(
        j.has("name") ? j.get("name").asText() : file.getFileName().toString(),
        spec,
        toFloats(layout(spec, p)),
        toFloats(flat(p.get("h0"))),
        toFloats(flat(p.get("c0"))),
        toFloats(flat(j.get("inputs"))),
        toFloats(flat(j.get("targets"))),
        mask(j.get("label_mask")),
        flat(j.get("forward").get("h")),
        flat(j.get("forward").get("c")),
        flat(j.get("forward").get("y")),
        j.get("forward").get("loss").asDouble(),
        layout(spec, g),
        flat(g.get("h0")),
        flat(g.get("c0")),
        new AdamConfig((float) a.get("lr").asDouble(), (float) a.get("beta1").asDouble(),
            (float) a.get("beta2").asDouble(), (float) a.get("eps").asDouble()),
        a.get("steps").asInt(),
        flat(a.get("losses_before_each_step")),
        layout(spec, a.get("params_after")));
  }

  /** W_x, W_h, b, W_y, b_y of a JSON object into the flat Parameters layout. */
  static double[] layout(ModelSpec s, JsonNode p) {
    int d = s.inputSize();
    int h = s.hiddenSize();
    int k = s.outputSize();
    int cols = d + h;
    double[] out = new double[Parameters.count(s)];
    double[] wx = flat(p.get("W_x"));
    double[] wh = flat(p.get("W_h"));
    double[] b = flat(p.get("b"));
    double[] wy = flat(p.get("W_y"));
    double[] by = flat(p.get("b_y"));
    check(wx.length == 4 * h * d && wh.length == 4 * h * h && b.length == 4 * h && wy.length == k * h
        && by.length == k, "parameter shapes do not match D/H/K");
    for (int r = 0; r < 4 * h; r++) {
      System.arraycopy(wx, r * d, out, r * cols, d);
      System.arraycopy(wh, r * h, out, r * cols + d, h);
    }
    int off = 4 * h * cols;
    System.arraycopy(b, 0, out, off, 4 * h);
    off += 4 * h;
    System.arraycopy(wy, 0, out, off, k * h);
    off += k * h;
    System.arraycopy(by, 0, out, off, k);
    return out;
  }

  static double[] flat(JsonNode n) {
    int count = count(n);
    double[] out = new double[count];
    fill(n, out, 0);
    return out;
  }

  private static int count(JsonNode n) {
    if (!n.isArray()) {
      return 1;
    }
    int c = 0;
    for (JsonNode e : n) {
      c += count(e);
    }
    return c;
  }

  private static int fill(JsonNode n, double[] out, int at) {
    if (!n.isArray()) {
      out[at] = n.asDouble();
      return at + 1;
    }
    for (JsonNode e : n) {
      at = fill(e, out, at);
    }
    return at;
  }

  private static boolean[] mask(JsonNode n) {
    boolean[] m = new boolean[n.size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = n.get(i).asBoolean();
    }
    return m;
  }

  static float[] toFloats(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  private static void check(boolean ok, String msg) {
    if (!ok) {
      throw new IllegalStateException(msg);
    }
  }

  Window window() {
    return new Window(h0.clone(), c0.clone(), inputs.clone(), targets.clone(), mask.clone());
  }

  int steps() {
    return mask.length;
  }
}
