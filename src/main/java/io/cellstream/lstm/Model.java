package io.cellstream.lstm;

/**
 * A published model: its shape, a private copy of its parameters (with the packed copy the vector kernel
 * reads, built here, once), how it reads its inputs ({@link InputStatistics}: the feature list and the
 * normalisation statistics learned with these parameters), a version, when it was made and how many training
 * examples it has seen. Immutable once made, so one instance can be shared by every stream thread and swapped
 * atomically.
 */
public final class Model {

  private final PreparedWeights weights;
  private final InputStatistics statistics;
  private final long version;
  private final long createdAtMillis;
  private final long examplesSeen;

  private Model(PreparedWeights weights, InputStatistics statistics, long version, long createdAtMillis,
      long examplesSeen) {
    if (examplesSeen < 0) {
      throw new IllegalArgumentException("examples seen must be >= 0, got " + examplesSeen);
    }
    if (statistics.inputSize() != weights.spec().inputSize()) {
      throw new IllegalArgumentException("input statistics are for D=" + statistics.inputSize() + ", the model reads D="
          + weights.spec().inputSize());
    }
    this.weights = weights;
    this.statistics = statistics;
    this.version = version;
    this.createdAtMillis = createdAtMillis;
    this.examplesSeen = examplesSeen;
    int width = LstmKernels.packWidth();
    if (width > 0) {
      weights.packed(width); // prepare for the kernel in use now, not on the first event
    }
  }

  /**
   * A model over a copy of {@code parameters} (later changes to them do not reach the model).
   * Refuses parameters that are not all finite.
   */
  public static Model of(Parameters parameters, long version, long createdAtMillis, long examplesSeen) {
    return of(parameters, InputStatistics.none(parameters.spec().inputSize()), version, createdAtMillis, examplesSeen);
  }

  /** As {@link #of(Parameters, long, long, long)}, reading its inputs as {@code statistics} say. */
  public static Model of(Parameters parameters, InputStatistics statistics, long version, long createdAtMillis,
      long examplesSeen) {
    if (!parameters.allFinite()) {
      throw new IllegalArgumentException("model parameters must all be finite");
    }
    return new Model(PreparedWeights.copyOf(parameters), statistics, version, createdAtMillis, examplesSeen);
  }

  public ModelSpec spec() {
    return weights.spec();
  }

  public long version() {
    return version;
  }

  /** The feature list and the normalisation statistics these parameters were trained with. */
  public InputStatistics statistics() {
    return statistics;
  }

  public long createdAtMillis() {
    return createdAtMillis;
  }

  public long examplesSeen() {
    return examplesSeen;
  }

  /** The weights the kernels read. */
  public PreparedWeights weights() {
    return weights;
  }

  /** A copy of the parameters (e.g. to start training from). */
  public Parameters parametersCopy() {
    return weights.parametersCopy();
  }

  /** Number of parameters. */
  public int parameterCount() {
    return weights.params.length;
  }

  /** One parameter, by its index in the {@link Parameters} layout. */
  public float parameter(int index) {
    return weights.params[index];
  }

  /** The raw buffer, for the codec only (never handed out). */
  float[] rawParameters() {
    return weights.params;
  }

  @Override
  public String toString() {
    return "Model[" + spec() + ", version " + version + ", examples " + examplesSeen + "]";
  }
}
