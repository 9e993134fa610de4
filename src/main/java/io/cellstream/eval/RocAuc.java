package io.cellstream.eval;

import java.util.Arrays;

/**
 * Exact ROC AUC (the Mann–Whitney statistic: the probability that a random positive scores above a
 * random negative, ties counting one half), cumulative over every pair and over a sliding window.
 *
 * <p>Cumulative: each new pair is ranked against the pairs of the other class already seen, in an
 * order-statistics tree (a treap keyed by score with per-node class counts and subtree sums), so
 * {@code 2U} = Σ over (positive, negative) pairs of 2·[p &gt; n] + [p = n] grows exactly as pairs arrive.
 * Cost O(log d) per pair (d distinct scores seen), O(1) to read, memory O(d) ints (≈ 28 bytes per
 * distinct score: 1e6 pairs ≈ 28 MB at worst).
 *
 * <p>Window: the last {@code window} pairs in a ring; the AUC is computed on demand by sorting them,
 * O(N log N) per read and O(1) per pair, which suits reading it every few hundred pairs.
 */
public final class RocAuc {

  // --- cumulative: treap over sortable score keys; node 0 is the empty sentinel -----------------------
  private int[] key = new int[64];
  private int[] posCnt = new int[64];
  private int[] negCnt = new int[64];
  private int[] posSub = new int[64];
  private int[] negSub = new int[64];
  private int[] left = new int[64];
  private int[] right = new int[64];
  private int nodes = 1;
  private int root;
  private long positives;
  private long negatives;
  private long twiceU;

  // --- window ----------------------------------------------------------------------------------------
  private final float[] wScore;
  private final boolean[] wLabel;
  private int wHead;
  private int wSize;

  public RocAuc(int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    wScore = new float[window];
    wLabel = new boolean[window];
  }

  /** Adds one scored pair: {@code score} (any finite float, higher = more positive) and its class. */
  public void add(float score, boolean positive) {
    if (Float.isNaN(score)) {
      throw new IllegalArgumentException("AUC score must not be NaN");
    }
    int k = sortableKey(score);
    // rank against the other class: below, equal
    long below = 0;
    long equal = 0;
    int t = root;
    while (t != 0) {
      if (k < key[t]) {
        t = left[t];
      } else if (k > key[t]) {
        below += positive ? negSub[left[t]] + negCnt[t] : posSub[left[t]] + posCnt[t];
        t = right[t];
      } else {
        below += positive ? negSub[left[t]] : posSub[left[t]];
        equal = positive ? negCnt[t] : posCnt[t];
        break;
      }
    }
    if (positive) {
      twiceU += 2 * below + equal; // negatives strictly below count 1, tied ones 1/2
      positives++;
    } else {
      long above = positives - below - equal;
      twiceU += 2 * above + equal; // positives strictly above count 1, tied ones 1/2
      negatives++;
    }
    root = insert(root, k, positive);

    wScore[wHead] = score;
    wLabel[wHead] = positive;
    wHead = (wHead + 1) % wScore.length;
    if (wSize < wScore.length) {
      wSize++;
    }
  }

  /** AUC over every pair so far; NaN until both classes have been seen. */
  public double cumulative() {
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return twiceU / (2.0 * positives * negatives);
  }

  /** AUC over the last min(count, window) pairs; NaN when they hold a single class. */
  public double window() {
    return exact(wScore, wLabel, wSize);
  }

  public long count() {
    return positives + negatives;
  }

  public int windowCount() {
    return wSize;
  }

  /**
   * Exact AUC of the first {@code n} pairs, ties averaged: sort by score, then every tie group of p
   * positives and m negatives adds p·(negatives below) + p·m/2. O(n log n).
   */
  public static double exact(float[] scores, boolean[] labels, int n) {
    long[] packed = new long[n];
    long pos = 0;
    for (int i = 0; i < n; i++) {
      if (Float.isNaN(scores[i])) {
        throw new IllegalArgumentException("AUC score must not be NaN");
      }
      packed[i] = ((long) sortableKey(scores[i]) << 1) | (labels[i] ? 1 : 0);
      pos += labels[i] ? 1 : 0;
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      return Double.NaN;
    }
    Arrays.sort(packed);
    long twice = 0;
    long negBelow = 0;
    int i = 0;
    while (i < n) {
      long k = packed[i] >> 1;
      long p = 0;
      long m = 0;
      while (i < n && (packed[i] >> 1) == k) {
        if ((packed[i] & 1) != 0) {
          p++;
        } else {
          m++;
        }
        i++;
      }
      twice += 2 * p * negBelow + p * m;
      negBelow += m;
    }
    return twice / (2.0 * pos * neg);
  }

  /** An int whose signed order is the float order (−0 and +0 equal). */
  static int sortableKey(float f) {
    int bits = Float.floatToIntBits(f + 0.0f);
    return bits >= 0 ? bits : bits ^ 0x7fffffff;
  }

  // --- treap -------------------------------------------------------------------------------------------

  private static int priority(int k) {
    return (int) TaskGenerator.mix(k * 0x9e3779b97f4a7c15L);
  }

  private int insert(int t, int k, boolean positive) {
    if (t == 0) {
      t = newNode(k);
      bump(t, positive);
      return t;
    }
    if (k == key[t]) {
      bump(t, positive);
    } else if (k < key[t]) {
      left[t] = insert(left[t], k, positive);
      if (priority(key[left[t]]) > priority(key[t])) {
        t = rotateRight(t);
      }
    } else {
      right[t] = insert(right[t], k, positive);
      if (priority(key[right[t]]) > priority(key[t])) {
        t = rotateLeft(t);
      }
    }
    pull(t);
    return t;
  }

  private void bump(int t, boolean positive) {
    if (positive) {
      posCnt[t]++;
    } else {
      negCnt[t]++;
    }
    pull(t);
  }

  private int rotateRight(int t) {
    int l = left[t];
    left[t] = right[l];
    right[l] = t;
    pull(t);
    pull(l);
    return l;
  }

  private int rotateLeft(int t) {
    int r = right[t];
    right[t] = left[r];
    left[r] = t;
    pull(t);
    pull(r);
    return r;
  }

  private void pull(int t) {
    posSub[t] = posSub[left[t]] + posSub[right[t]] + posCnt[t];
    negSub[t] = negSub[left[t]] + negSub[right[t]] + negCnt[t];
  }

  private int newNode(int k) {
    if (nodes == key.length) {
      int n = key.length * 2;
      key = Arrays.copyOf(key, n);
      posCnt = Arrays.copyOf(posCnt, n);
      negCnt = Arrays.copyOf(negCnt, n);
      posSub = Arrays.copyOf(posSub, n);
      negSub = Arrays.copyOf(negSub, n);
      left = Arrays.copyOf(left, n);
      right = Arrays.copyOf(right, n);
    }
    int t = nodes++;
    key[t] = k;
    return t;
  }
}
