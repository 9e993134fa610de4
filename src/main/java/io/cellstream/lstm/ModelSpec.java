package io.cellstream.lstm;

/**
 * The shape of a model: one LSTM layer of {@code hiddenSize} cells reading {@code inputSize} features,
 * and a dense head with {@code outputSize} outputs for {@code task}.
 */
public record ModelSpec(int inputSize, int hiddenSize, int outputSize, Task task) {

  /** Sizes beyond this are refused: they would not fit the per-entity state or a snapshot sensibly. */
  public static final int MAX_SIZE = 1 << 14;

  public ModelSpec {
    if (task == null) {
      throw new IllegalArgumentException("task must be binary, multiclass or regression");
    }
    check("input size D", inputSize);
    check("hidden size H", hiddenSize);
    check("output size K", outputSize);
    if (task == Task.MULTICLASS && outputSize < 2) {
      throw new IllegalArgumentException(
          "multiclass needs output size K >= 2 (one output per class), got " + outputSize);
    }
  }

  private static void check(String what, int v) {
    if (v < 1 || v > MAX_SIZE) {
      throw new IllegalArgumentException(what + " must be in 1.." + MAX_SIZE + ", got " + v);
    }
  }

  /** Rows of the gate matrix: i, f, g, o blocks of H rows each. */
  public int gateRows() {
    return 4 * hiddenSize;
  }

  /** Columns of the gate matrix: the input x then the previous hidden state h. */
  public int gateCols() {
    return inputSize + hiddenSize;
  }

  @Override
  public String toString() {
    return task.id() + " D=" + inputSize + " H=" + hiddenSize + " K=" + outputSize;
  }
}
