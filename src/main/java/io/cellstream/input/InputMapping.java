package io.cellstream.input;

import io.cellstream.lstm.InputStatistics;
import java.util.Objects;

/**
 * How input records become events and labels: their formats and which fields hold what. The configuration
 * ({@code cellstream.input.*}, {@code cellstream.features}, {@code cellstream.labels.*}) builds it; {@link #CELLSTREAM}
 * is today's {@code Event} and {@code Label} with ready-made features.
 *
 * @param format        the events' format
 * @param entity        the entity id's field (user formats); the key may be anything, events are repartitioned by it
 * @param time          the event time's field; null: the record's timestamp
 * @param eventId       the event id's field; null: the header {@code cellstream.event-id}, else topic-partition-offset
 * @param target        an inline label's field; null: events carry none (a null value: this event has none)
 * @param features      the transforms into the model's inputs (user formats; null for cellstream)
 * @param labelsFormat  the labels' format
 * @param labelsEntity  a label's entity id field (user formats)
 * @param labelsEventId a label's field naming the labelled event (user formats)
 * @param labelsTarget  a label's target field (user formats)
 */
public record InputMapping(
    InputFormat format,
    FieldPath entity,
    FieldPath time,
    FieldPath eventId,
    FieldPath target,
    FeatureList features,
    InputFormat labelsFormat,
    FieldPath labelsEntity,
    FieldPath labelsEventId,
    FieldPath labelsTarget) {

  /** cellstream's own records for events and labels. */
  public static final InputMapping CELLSTREAM = new InputMapping(InputFormat.CELLSTREAM, null, null, null, null, null,
      InputFormat.CELLSTREAM, null, null, null);

  public InputMapping {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(labelsFormat, "labelsFormat");
    if (format.isUserRecord() && (entity == null || features == null)) {
      throw new IllegalArgumentException("events in the " + format.id()
          + " format need an entity field (cellstream.input.entity) and a feature list (cellstream.features)");
    }
    if (!format.isUserRecord() && features != null) {
      throw new IllegalArgumentException("cellstream.features applies to the avro and json formats; the cellstream "
          + "format's events carry their features ready-made");
    }
    if (labelsFormat.isUserRecord() && (labelsEntity == null || labelsEventId == null || labelsTarget == null)) {
      throw new IllegalArgumentException("labels in the " + labelsFormat.id() + " format need cellstream.labels.entity, "
          + "cellstream.labels.event-id and cellstream.labels.target");
    }
  }

  /** Events whose key is not their entity are sent through a repartition topic keyed by the entity. */
  public boolean repartitionsEvents() {
    return format.isUserRecord();
  }

  public boolean repartitionsLabels() {
    return labelsFormat.isUserRecord();
  }

  /** The canonical feature list ("" for ready-made features): what model versions must have been trained on. */
  public String canonicalFeatures() {
    return features == null ? "" : features.canonical();
  }

  /** What a fresh model reads: the feature list, its standardised columns, nothing learned of them yet. */
  public InputStatistics layout(int inputSize) {
    if (features == null) {
      return InputStatistics.none(inputSize);
    }
    return InputStatistics.empty(features.canonical(), inputSize, features.standardisedColumns());
  }
}
