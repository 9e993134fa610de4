package io.cellstream.stream;

import io.cellstream.lstm.InputStatistics;
import io.cellstream.lstm.ModelSpec;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model this instance predicts with. The global models store feeds it; every stream thread reads it once
 * per record, so a new version takes effect between two records, never within one.
 */
public final class ModelHolder {

  private static final Logger log = LoggerFactory.getLogger(ModelHolder.class);

  private final String name;
  private final ModelSpec spec;
  private final InputStatistics layout; // the feature list and standardised columns versions must have
  private final AtomicReference<ModelVersion> current = new AtomicReference<>();
  private final StreamMetrics metrics;

  public ModelHolder(String name, ModelSpec spec, StreamMetrics metrics) {
    this(name, spec, InputStatistics.none(spec.inputSize()), metrics);
  }

  /** A holder of versions of {@code spec} that read their inputs laid out as {@code layout} (feature list, columns). */
  public ModelHolder(String name, ModelSpec spec, InputStatistics layout, StreamMetrics metrics) {
    this.name = name;
    this.spec = spec;
    this.layout = layout;
    this.metrics = metrics;
  }

  public String name() {
    return name;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** The newest version seen, or null before any. */
  public ModelVersion current() {
    return current.get();
  }

  /**
   * Takes {@code candidate} into use if it is newer than the current one and has the configured shape.
   * Returns whether it did.
   */
  public boolean offer(ModelVersion candidate) {
    if (!candidate.model().spec().equals(spec)) {
      log.error("ignoring model '{}' version {}: it is {} but this service is configured for {}; "
              + "use another cellstream.model.name or models topic for a model of another shape",
          name, candidate.version(), candidate.model().spec(), spec);
      return false;
    }
    if (!candidate.model().statistics().sameLayout(layout)) {
      log.error("ignoring model '{}' version {}: it reads the features '{}' but this service is configured for '{}' "
              + "(cellstream.features); use another cellstream.model.name or models topic for a model of other inputs",
          name, candidate.version(), candidate.model().statistics().features(), layout.features());
      return false;
    }
    while (true) {
      ModelVersion now = current.get();
      if (now != null && now.version() >= candidate.version()) {
        return false;
      }
      if (current.compareAndSet(now, candidate)) {
        log.info("model '{}' version {} in use ({}{})", name, candidate.version(), candidate.origin(),
            now == null ? "" : ", was " + now.version());
        metrics.modelInUse(candidate.version());
        return true;
      }
    }
  }
}
