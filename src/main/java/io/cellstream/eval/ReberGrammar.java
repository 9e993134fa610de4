package io.cellstream.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The Reber grammar and the embedded Reber grammar (Cleeremans, Servan-Schreiber &amp; McClelland 1989;
 * Hochreiter &amp; Schmidhuber 1997, experiment 1), over the 7 symbols {@code B T P S X V E} (indices 0..6).
 *
 * <pre>
 *  Reber:    state 0 -B-> 1
 *            1 -T-> 2   1 -P-> 3
 *            2 -S-> 2   2 -X-> 4
 *            3 -T-> 3   3 -V-> 5
 *            4 -X-> 3   4 -S-> 6
 *            5 -P-> 4   5 -V-> 6
 *            6 -E-> end
 *  Embedded: B (T reber T | P reber P) E      e.g. BTBTXSETE, BPBPVVEPE
 * </pre>
 * Where two transitions leave a state each is taken with probability 1/2.
 */
public final class ReberGrammar {

  public static final String SYMBOLS = "BTPSXVE";
  public static final int B = 0;
  public static final int T = 1;
  public static final int P = 2;
  public static final int S = 3;
  public static final int X = 4;
  public static final int V = 5;
  public static final int E = 6;
  public static final int SYMBOL_COUNT = 7;

  private static final int END = 7;
  // INNER[state] = {symbolA, nextA, symbolB, nextB} (symbolB = -1 when only one transition leaves)
  private static final int[][] INNER = {
    {B, 1, -1, -1},
    {T, 2, P, 3},
    {S, 2, X, 4},
    {T, 3, V, 5},
    {X, 3, S, 6},
    {P, 4, V, 6},
    {E, END, -1, -1},
  };

  private ReberGrammar() {}

  /** One Reber string, as symbol indices. */
  public static int[] reberString(SplittableRandom rng) {
    int[] buf = new int[16];
    int n = 0;
    int state = 0;
    while (state != END) {
      int[] tr = INNER[state];
      boolean second = tr[2] >= 0 && rng.nextBoolean();
      if (n == buf.length) {
        buf = Arrays.copyOf(buf, n * 2);
      }
      buf[n++] = second ? tr[2] : tr[0];
      state = second ? tr[3] : tr[1];
    }
    return Arrays.copyOf(buf, n);
  }

  /** One embedded Reber string: B, T or P, a Reber string, the same T or P again, E. */
  public static int[] embeddedString(SplittableRandom rng) {
    int outer = rng.nextBoolean() ? T : P;
    int[] inner = reberString(rng);
    int[] s = new int[inner.length + 4];
    s[0] = B;
    s[1] = outer;
    System.arraycopy(inner, 0, s, 2, inner.length);
    s[s.length - 2] = outer;
    s[s.length - 1] = E;
    return s;
  }

  /**
   * For each position i of an embedded string, the bit mask of the symbols that may legally follow
   * {@code s[0..i]} (bit k = symbol k); 0 after the final E.
   *
   * @throws IllegalArgumentException when {@code s} is not an embedded Reber string
   */
  public static int[] legalNextMasks(int[] s) {
    if (!acceptsEmbedded(s)) {
      throw new IllegalArgumentException("not an embedded Reber string: " + toString(s));
    }
    int n = s.length;
    int[] masks = new int[n];
    masks[0] = bit(T) | bit(P);
    masks[1] = bit(B);
    int state = 0;
    for (int i = 2; i < n - 2; i++) { // the inner string
      state = step(state, s[i]);
      masks[i] = state == END ? bit(s[1]) : outgoing(state);
    }
    masks[n - 2] = bit(E);
    masks[n - 1] = 0;
    return masks;
  }

  /** True when {@code s} is a Reber string. */
  public static boolean acceptsReber(int[] s) {
    int state = 0;
    for (int sym : s) {
      if (state == END) {
        return false;
      }
      state = step(state, sym);
      if (state < 0) {
        return false;
      }
    }
    return state == END;
  }

  /** True when {@code s} is an embedded Reber string. */
  public static boolean acceptsEmbedded(int[] s) {
    int n = s.length;
    if (n < 9 || s[0] != B || (s[1] != T && s[1] != P) || s[n - 2] != s[1] || s[n - 1] != E) {
      return false;
    }
    return acceptsReber(Arrays.copyOfRange(s, 2, n - 2));
  }

  public static String toString(int[] s) {
    StringBuilder b = new StringBuilder(s.length);
    for (int k : s) {
      b.append(k >= 0 && k < SYMBOL_COUNT ? SYMBOLS.charAt(k) : '?');
    }
    return b.toString();
  }

  public static int[] parse(String text) {
    int[] s = new int[text.length()];
    for (int i = 0; i < s.length; i++) {
      s[i] = SYMBOLS.indexOf(text.charAt(i));
      if (s[i] < 0) {
        throw new IllegalArgumentException("not a Reber symbol: '" + text.charAt(i) + "' in " + text);
      }
    }
    return s;
  }

  /** The legal-symbol mask as letters, e.g. {@code "TP"}. */
  public static String maskToString(int mask) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < SYMBOL_COUNT; k++) {
      if ((mask & bit(k)) != 0) {
        b.append(SYMBOLS.charAt(k));
      }
    }
    return b.toString();
  }

  private static int step(int state, int sym) {
    if (state < 0 || state == END) {
      return -1;
    }
    int[] tr = INNER[state];
    if (tr[0] == sym) {
      return tr[1];
    }
    if (tr[2] >= 0 && tr[2] == sym) {
      return tr[3];
    }
    return -1;
  }

  private static int outgoing(int state) {
    int[] tr = INNER[state];
    return bit(tr[0]) | (tr[2] >= 0 ? bit(tr[2]) : 0);
  }

  private static int bit(int k) {
    return 1 << k;
  }
}
