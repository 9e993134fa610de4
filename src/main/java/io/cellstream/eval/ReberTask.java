package io.cellstream.eval;

import io.cellstream.lstm.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Embedded Reber grammar, next-symbol prediction (Hochreiter &amp; Schmidhuber 1997, experiment 1).
 *
 * <p>Each entity emits embedded Reber strings one after another ({@link ReberGrammar}), one symbol per
 * event. Features, D = 7: the symbol one-hot in the order {@code B T P S X V E}. Every event but a
 * string's final E is labelled with the <em>actual</em> next symbol (multiclass, K = 7); the final E is
 * unlabelled (the next string always starts with B, which also tells the model a new string begins).
 * Each event carries the mask of the symbols the grammar allows next ({@link TaskEvent#legalMask()}),
 * which the Reber criteria score against:
 * <ul>
 *   <li>{@code legal_accuracy}: the predicted (most probable) symbol is a legal next symbol;</li>
 *   <li>{@code string_accuracy}: every prediction of the string is legal;</li>
 *   <li>{@code string_accuracy_strict}: at every step the legal symbols are the most probable ones (the
 *       paper's criterion: the output units of the possible next symbols are the most active);</li>
 *   <li>{@code penultimate_accuracy}: the prediction at the inner string's final E ({@link
 *       EventRole#RECALL}), whose only legal successor is the string's second symbol, T or P: the one
 *       prediction that needs long-term memory. A model without memory is right half of the time.</li>
 * </ul>
 */
public final class ReberTask {

  /** @param window BPTT window suggested to models (covers all but very long strings) */
  public record Config(int window) {
    public static final Config DEFAULTS = new Config(32);
  }

  private ReberTask() {}

  public static TaskInfo info(Config c) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("grammar", "embedded Reber");
    p.put("symbols", ReberGrammar.SYMBOLS);
    Map<String, Double> chance = new LinkedHashMap<>();
    chance.put(MetricInfo.PENULTIMATE_ACCURACY.key(), 0.5);
    return new TaskInfo(Benchmark.REBER, Benchmark.REBER.id(), "embedded Reber grammar, next symbol",
        Task.MULTICLASS, ReberGrammar.SYMBOL_COUNT, ReberGrammar.SYMBOL_COUNT, c.window(),
        MetricInfo.STRING_ACCURACY.key(), chance, p, "[0,7) symbol one-hot in the order " + ReberGrammar.SYMBOLS);
  }

  public static TaskGenerator generator(StreamConfig stream, Config c) {
    return new TaskGenerator(info(c), stream, (index, rng) -> new EntityProcess() {
      long sequence = -1;
      int[] string = new int[0];
      int[] masks;
      int pos;

      @Override
      public Step next() {
        if (pos == string.length) {
          string = ReberGrammar.embeddedString(rng);
          masks = ReberGrammar.legalNextMasks(string);
          sequence++;
          pos = 0;
        }
        int p = pos++;
        int n = string.length;
        float[] x = new float[ReberGrammar.SYMBOL_COUNT];
        x[string[p]] = 1f;
        float target = p < n - 1 ? string[p + 1] : Float.NaN;
        EventRole role = p == 0 ? EventRole.START : p == n - 1 ? EventRole.END
            : p == n - 3 ? EventRole.RECALL : EventRole.STEP;
        return new Step(x, target, role, sequence, p, n, masks[p]);
      }
    });
  }
}
