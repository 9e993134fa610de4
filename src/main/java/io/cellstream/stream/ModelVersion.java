package io.cellstream.stream;

import io.cellstream.lstm.Model;

/**
 * A model version as published on the models topic: the engine's model plus what the trainer knew about it.
 *
 * @param origin        init | trained | rollback | import
 * @param parentVersion the version it was trained from or rolled back to; null for version 1
 * @param trainingLoss  mean loss per labelled step over the examples since the previous version; null if none
 */
public record ModelVersion(String name, Model model, String origin, Long parentVersion, Double trainingLoss) {

  public long version() {
    return model.version();
  }
}
