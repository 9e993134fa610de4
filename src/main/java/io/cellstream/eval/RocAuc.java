package io.cellstream.eval;

import java.util.Arrays;

/**
 * Exact ROC AUC (the Mann–Whitney statistic: the probability that a random positive scores above a
 * random negative, ties counting one half), cumulative over every pair and over a sliding window.
 *
 * <p>Cumulative: each new pair is ranked against the pairs of the other class already seen, in an
 * order-statistics tree (a treap keyed by score with per-node class counts and subtree sums), so
 * {@code 2U} = Σ over (positive, negative) pairs of 2·[p &gt; n] + [p = n] grows exactly as pairs arrive.
 * Cost O(log d) per pair (d distinct scores seen; expected depth ≈ 1.4·log2 d), O(1) to read, memory
 * 32 bytes per distinct score (1e6 pairs ≈ 32 MB at worst). Each node is one 32-byte block, so a pair
 * costs about one cache line per tree level: about 1 µs per pair at 1e6 distinct scores on an idle core.
 *
 * <p>Window: the last {@code window} pairs in a ring; the AUC is computed on demand by sorting them,
 * O(N log N) per read and O(1) per pair, which suits reading it every few hundred pairs.
 */
public final class RocAuc {

  // --- cumulative: treap over sortable score keys, one 32-byte block of 8 ints per node (one cache
  // line per visited node); node 0 is the empty sentinel ------------------------------------------------
  private static final int KEY = 0;
  private static final int LEFT = 1;
  private static final int RIGHT = 2;
  private static final int POS = 3;     // positives with exactly this score
  private static final int NEG = 4;     // negatives with exactly this score
  private static final int POS_SUB = 5; // positives in the subtree
  private static final int NEG_SUB = 6; // negatives in the subtree
  private static final int PRIO = 7;    // heap priority (a hash of the key)
  private int[] node = new int[8 * 64];
  private int nodes = 1;
  private int root;
  private long positives;
  private long negatives;
  private long twiceU;
  // rank of the pair being inserted against the other class, gathered on the way down
  private long below;
  private long equal;

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
    below = 0;
    equal = 0;
    int newRoot = insert(root, k, positive); // also ranks k against the other class
    root = newRoot;
    if (positive) {
      twiceU += 2 * below + equal; // negatives strictly below count 1, tied ones 1/2
      positives++;
    } else {
      long above = positives - below - equal;
      twiceU += 2 * above + equal; // positives strictly above count 1, tied ones 1/2
      negatives++;
    }

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

  /**
   * Inserts one pair of key {@code k} into the subtree at {@code t}, returning the new subtree root, and
   * adds to {@link #below}/{@link #equal} the other class's counts below/equal to {@code k} in it.
   */
  private int insert(int t, int k, boolean positive) {
    if (t == 0) {
      t = newNode(k);
      bump(t, positive);
      return t;
    }
    int bt = t << 3;
    int cnt = positive ? NEG : POS;
    int sub = positive ? NEG_SUB : POS_SUB;
    int key = node[bt + KEY];
    if (k == key) {
      below += node[(node[bt + LEFT] << 3) + sub];
      equal += node[bt + cnt];
      bump(t, positive);
      return t;
    }
    if (k < key) {
      int l = insert(node[bt + LEFT], k, positive); // insert may reallocate node[]: index it afterwards
      node[bt + LEFT] = l;
      if (node[(l << 3) + PRIO] > node[bt + PRIO]) {
        t = rotateRight(t);
      }
    } else {
      below += node[(node[bt + LEFT] << 3) + sub] + node[bt + cnt];
      int r = insert(node[bt + RIGHT], k, positive);
      node[bt + RIGHT] = r;
      if (node[(r << 3) + PRIO] > node[bt + PRIO]) {
        t = rotateLeft(t);
      }
    }
    pull(t);
    return t;
  }

  private void bump(int t, boolean positive) {
    node[(t << 3) + (positive ? POS : NEG)]++;
    pull(t);
  }

  private int rotateRight(int t) {
    int l = node[(t << 3) + LEFT];
    node[(t << 3) + LEFT] = node[(l << 3) + RIGHT];
    node[(l << 3) + RIGHT] = t;
    pull(t);
    pull(l);
    return l;
  }

  private int rotateLeft(int t) {
    int r = node[(t << 3) + RIGHT];
    node[(t << 3) + RIGHT] = node[(r << 3) + LEFT];
    node[(r << 3) + LEFT] = t;
    pull(t);
    pull(r);
    return r;
  }

  private void pull(int t) {
    int bt = t << 3;
    int bl = node[bt + LEFT] << 3;
    int br = node[bt + RIGHT] << 3;
    node[bt + POS_SUB] = node[bl + POS_SUB] + node[br + POS_SUB] + node[bt + POS];
    node[bt + NEG_SUB] = node[bl + NEG_SUB] + node[br + NEG_SUB] + node[bt + NEG];
  }

  private int newNode(int k) {
    if ((nodes << 3) == node.length) {
      node = Arrays.copyOf(node, node.length * 2);
    }
    int t = nodes++;
    node[(t << 3) + KEY] = k;
    node[(t << 3) + PRIO] = (int) TaskGenerator.mix(k * 0x9e3779b97f4a7c15L);
    return t;
  }
}
