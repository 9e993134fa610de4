package io.cellstream.input;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.learn.FeatureMemory;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.GenericAvroReader;
import io.cellstream.serde.SchemaRegistry;
import io.cellstream.serde.SerdeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The input layer: decoding, field mapping, transforms and validation of event and label records in one place. It
 * returns either a checked event or label, or the dead-letter reason ({@link Rejection}), and is what the step, the
 * label join and replay's in-process baselines all read records with, so that each rule exists once.
 *
 * <p>The rules, in order, for an event (a label likewise):
 * <ol>
 *   <li>a null value (a tombstone) is {@code undecodable}; one over {@code cellstream.input.max-record-bytes} is
 *       {@code oversized};</li>
 *   <li>the record is decoded: cellstream's {@code Event}, any Avro record by its writer's schema, or a JSON
 *       object ({@code undecodable}, {@code unknown-schema}, {@code incompatible-schema});</li>
 *   <li>the entity id ({@code missing-entity-id}, {@code malformed-field}, {@code entity-id-too-long}) and the event
 *       id ({@code malformed-field}, {@code event-id-too-long}); the cellstream format also requires the key to be
 *       the entity id ({@code missing-key}, {@code key-mismatch}), while a user format's record with another key is
 *       accepted and marked not {@link CheckedRecord#atHome() at home} (the host repartitions it);</li>
 *   <li>the time ({@code missing-field}, {@code malformed-field});</li>
 *   <li>the inputs: D ready-made finite features ({@code wrong-dimension}, {@code non-finite}), or the transforms
 *       of {@code cellstream.features} ({@code missing-field}, {@code malformed-field}, {@code non-finite}, each
 *       naming the field, unless the transform has a default);</li>
 *   <li>the inline target, if any ({@code invalid-target}).</li>
 * </ol>
 *
 * <p>Kafka-free: the host hands over the record's coordinates and bytes. A registry that does not answer is a
 * {@link io.cellstream.serde.SchemaRegistryException} (not the record's fault: the host waits and retries; reading
 * has no side effects). Not thread-safe: one per stream task or replay, reusing its buffers.
 */
public final class InputReader {

  /** The header that names an event whose record has no event id field (set on repartitioned and replayed copies). */
  public static final String EVENT_ID_HEADER = "cellstream.event-id";

  private final InputMapping mapping;
  private final ModelSpec spec;
  private final InputLimits limits;
  private final AvroSerde<Event> events;
  private final AvroSerde<Label> labels;
  private final GenericAvroReader avro;
  // user formats: the fields read, their slots
  private final RecordFields eventFields;
  private final int entitySlot, timeSlot, eventIdSlot, targetSlot;
  private final FeatureTransform transform;
  private final RecordFields labelFields;
  private final int labelEntitySlot, labelEventIdSlot, labelTargetSlot;

  /**
   * @param events the cellstream format's event serde (shared: it is thread-safe)
   * @param labels the cellstream format's label serde
   * @param registry where a user format's Avro writer schemas are found
   */
  public InputReader(InputMapping mapping, ModelSpec spec, InputLimits limits, SchemaRegistry registry,
      AvroSerde<Event> events, AvroSerde<Label> labels) {
    this.mapping = mapping;
    this.spec = spec;
    this.limits = limits;
    this.events = events;
    this.labels = labels;
    boolean avroNeeded = mapping.format() == InputFormat.AVRO || mapping.labelsFormat() == InputFormat.AVRO;
    this.avro = avroNeeded ? new GenericAvroReader(registry) : null;
    if (mapping.format().isUserRecord()) {
      if (mapping.features().width() != spec.inputSize()) {
        throw new IllegalArgumentException("the features make D=" + mapping.features().width() + " inputs, the model reads D="
            + spec.inputSize());
      }
      if (mapping.features().outputSize() != spec.outputSize()) {
        throw new IllegalArgumentException("the features were made for K=" + mapping.features().outputSize()
            + " outputs, the model has K=" + spec.outputSize());
      }
      List<FieldPath> paths = new ArrayList<>();
      entitySlot = slot(paths, mapping.entity());
      timeSlot = slot(paths, mapping.time());
      eventIdSlot = slot(paths, mapping.eventId());
      targetSlot = slot(paths, mapping.target());
      FeatureList list = mapping.features();
      int[] featureSlots = new int[list.size()];
      for (int i = 0; i < list.size(); i++) {
        featureSlots[i] = slot(paths, list.get(i).field());
      }
      eventFields = new RecordFields(paths);
      transform = new FeatureTransform(list, featureSlots);
    } else {
      eventFields = null;
      transform = null;
      entitySlot = timeSlot = eventIdSlot = targetSlot = -1;
    }
    if (mapping.labelsFormat().isUserRecord()) {
      List<FieldPath> paths = new ArrayList<>();
      labelEntitySlot = slot(paths, mapping.labelsEntity());
      labelEventIdSlot = slot(paths, mapping.labelsEventId());
      labelTargetSlot = slot(paths, mapping.labelsTarget());
      labelFields = new RecordFields(paths);
    } else {
      labelFields = null;
      labelEntitySlot = labelEventIdSlot = labelTargetSlot = -1;
    }
  }

  /** The slot of {@code p} among {@code paths}, added when new; -1 for no path. */
  private static int slot(List<FieldPath> paths, FieldPath p) {
    if (p == null) {
      return -1;
    }
    int i = paths.indexOf(p);
    if (i >= 0) {
      return i;
    }
    paths.add(p);
    return paths.size() - 1;
  }

  public InputMapping mapping() {
    return mapping;
  }

  /** A reusable event for {@link #event}. */
  public CheckedEvent newEvent() {
    return new CheckedEvent(transform, spec.inputSize(), spec.outputSize());
  }

  /** A reusable label for {@link #label}. */
  public CheckedLabel newLabel() {
    return new CheckedLabel(spec.outputSize());
  }

  /** What an entity's feature memory keeps of the targets learned from (prev_target()); nothing without it. */
  public FeatureMemory featureMemory() {
    return transform == null ? FeatureMemory.NONE : transform;
  }

  // ------------------------------------------------------------------ events

  /**
   * Reads the event record at {@code topic}-{@code partition}@{@code offset}: null when it is usable (then
   * {@code into} holds it, its event id always set), else why not.
   *
   * @param key           the record's key (null: none)
   * @param headerEventId the value of the header {@value #EVENT_ID_HEADER}, or null
   * @throws io.cellstream.serde.SchemaRegistryException when the registry cannot be asked (wait and retry)
   */
  public Rejection event(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
      String headerEventId, CheckedEvent into) {
    if (value == null) {
      return new Rejection(DeadLetterReason.UNDECODABLE, "null value (a tombstone) on the events topic");
    }
    if (value.length > limits.maxRecordBytes()) {
      return new Rejection(DeadLetterReason.OVERSIZED, "event of " + value.length
          + " bytes exceeds cellstream.input.max-record-bytes = " + limits.maxRecordBytes());
    }
    into.hasTarget = false;
    if (!mapping.format().isUserRecord()) {
      return cellstreamEvent(topic, partition, offset, key, value, into);
    }
    Rejection decoded = decode(mapping.format(), eventFields, topic, value);
    if (decoded != null) {
      return decoded;
    }
    Rejection ids = userIds("event", eventFields, entitySlot, eventIdSlot, mapping.entity(), mapping.eventId(),
        "cellstream.input", false, key, into);
    if (ids != null) {
      return ids;
    }
    if (into.eventId == null) {
      into.eventId = headerEventId != null ? headerEventId : position(topic, partition, offset);
    }
    if (timeSlot < 0) {
      into.time = timestamp;
    } else {
      FieldValue t = eventFields.value(timeSlot);
      if (t.isMissing()) {
        return new Rejection(DeadLetterReason.MISSING_FIELD, mapping.time().toString(), "field '" + mapping.time()
            + "' (cellstream.input.time) is missing (or null)");
      }
      if (!t.readTime()) {
        return new Rejection(DeadLetterReason.MALFORMED_FIELD, mapping.time().toString(), "field '" + mapping.time()
            + "' (cellstream.input.time) is " + t.describe() + ", not a time (an Avro timestamp, epoch seconds or "
            + "milliseconds, or ISO-8601)");
      }
      into.time = t.asMillis;
    }
    Rejection features = transform.transform(eventFields, into);
    if (features != null) {
      return features;
    }
    if (targetSlot >= 0) {
      FieldValue t = eventFields.value(targetSlot);
      if (!t.isMissing()) {
        Rejection r = target(t, mapping.target(), "cellstream.input.target", into.target);
        if (r != null) {
          return r;
        }
        into.hasTarget = true;
      }
    }
    return null;
  }

  private Rejection cellstreamEvent(String topic, int partition, long offset, byte[] key, byte[] value,
      CheckedEvent into) {
    Event event;
    try {
      event = events.decode(topic, value);
    } catch (SerdeException e) {
      return serdeRejection(e);
    }
    Rejection ids = ids("event", event.getEntityId(), event.getEventId(), key, true,
        "key events by entityId so that one entity's events stay in order on one partition", into);
    if (ids != null) {
      return ids;
    }
    List<Float> features = event.getFeatures();
    if (features.size() != spec.inputSize()) {
      return new Rejection(DeadLetterReason.WRONG_DIMENSION, "event has " + features.size()
          + " features, the model reads D=" + spec.inputSize());
    }
    float[] x = into.inputs;
    for (int i = 0; i < x.length; i++) {
      Float f = features.get(i);
      if (f == null || !Float.isFinite(f)) {
        return new Rejection(DeadLetterReason.NON_FINITE, "feature " + i + " is " + f);
      }
      x[i] = f;
    }
    if (event.getTarget() != null || event.getTargetVector() != null) {
      try {
        Targets.toVector(spec, event.getTarget(), event.getTargetVector(), into.target);
      } catch (Targets.InvalidTargetException e) {
        return new Rejection(DeadLetterReason.INVALID_TARGET, "inline " + e.getMessage());
      }
      into.hasTarget = true;
    }
    if (into.eventId == null) {
      into.eventId = position(topic, partition, offset);
    }
    into.time = event.getEventTime().toEpochMilli();
    return null;
  }

  /** How a host names an event without an id: where it was read. */
  public static String position(String topic, int partition, long offset) {
    return topic + "-" + partition + "-" + offset;
  }

  // ------------------------------------------------------------------ labels

  /** Reads a label record: null when it is usable (then {@code into} holds it), else why not. */
  public Rejection label(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
      CheckedLabel into) {
    if (value == null) {
      return new Rejection(DeadLetterReason.UNDECODABLE, "null value (a tombstone) on the labels topic");
    }
    if (value.length > limits.maxRecordBytes()) {
      return new Rejection(DeadLetterReason.OVERSIZED, "label of " + value.length
          + " bytes exceeds cellstream.input.max-record-bytes = " + limits.maxRecordBytes());
    }
    if (!mapping.labelsFormat().isUserRecord()) {
      Label label;
      try {
        label = labels.decode(topic, value);
      } catch (SerdeException e) {
        return serdeRejection(e);
      }
      Rejection ids = ids("label", label.getEntityId(), label.getEventId(), key, true,
          "key labels by entityId, like the events, so that they meet on one partition", into);
      if (ids != null) {
        return ids;
      }
      try {
        Targets.toVector(spec, label.getTarget(), label.getTargetVector(), into.target);
      } catch (Targets.InvalidTargetException e) {
        return new Rejection(DeadLetterReason.INVALID_TARGET, e.getMessage());
      }
      into.time = label.getLabelTime() != null ? label.getLabelTime().toEpochMilli() : timestamp;
      return null;
    }
    Rejection decoded = decode(mapping.labelsFormat(), labelFields, topic, value);
    if (decoded != null) {
      return decoded;
    }
    Rejection ids = userIds("label", labelFields, labelEntitySlot, labelEventIdSlot, mapping.labelsEntity(),
        mapping.labelsEventId(), "cellstream.labels", true, key, into);
    if (ids != null) {
      return ids;
    }
    FieldValue t = labelFields.value(labelTargetSlot);
    if (t.isMissing()) {
      return new Rejection(DeadLetterReason.MISSING_FIELD, mapping.labelsTarget().toString(), "field '"
          + mapping.labelsTarget() + "' (cellstream.labels.target) is missing (or null): a label needs a target");
    }
    Rejection r = target(t, mapping.labelsTarget(), "cellstream.labels.target", into.target);
    if (r != null) {
      return r;
    }
    into.time = timestamp;
    return null;
  }

  // ------------------------------------------------------------------ the rules

  private Rejection decode(InputFormat format, RecordFields fields, String topic, byte[] value) {
    if (format == InputFormat.AVRO) {
      try {
        fields.read(avro.read(topic, value));
      } catch (SerdeException e) {
        return serdeRejection(e);
      }
    } else {
      try {
        fields.readJson(value);
      } catch (IOException | RuntimeException e) {
        return new Rejection(DeadLetterReason.UNDECODABLE, null, "not a UTF-8 JSON object: " + e.getMessage()
            .replaceAll("\\s+", " "), e.getClass().getName());
      }
    }
    return null;
  }

  private static Rejection serdeRejection(SerdeException e) {
    DeadLetterReason reason = switch (e.reason()) {
      case UNDECODABLE -> DeadLetterReason.UNDECODABLE;
      case UNKNOWN_SCHEMA -> DeadLetterReason.UNKNOWN_SCHEMA;
      case INCOMPATIBLE_SCHEMA -> DeadLetterReason.INCOMPATIBLE_SCHEMA;
    };
    return new Rejection(reason, null, e.getMessage(), e.getClass().getName());
  }

  /** A user format's ids from their fields, then the common checks ({@link #ids}, which fills them in). */
  private Rejection userIds(String what, RecordFields fields, int entitySlot, int eventIdSlot, FieldPath entity,
      FieldPath eventId, String prefix, boolean eventIdRequired, byte[] key, CheckedRecord into) {
    FieldValue e = fields.value(entitySlot);
    if (e.isMissing()) {
      return new Rejection(DeadLetterReason.MISSING_ENTITY_ID, entity.toString(), what + " field '" + entity + "' ("
          + prefix + ".entity) is missing (or null)");
    }
    if (!e.readId()) {
      return new Rejection(DeadLetterReason.MALFORMED_FIELD, entity.toString(), what + " field '" + entity + "' ("
          + prefix + ".entity) is " + e.describe() + ", not an id (a text or an integer)");
    }
    String event = null;
    if (eventIdSlot >= 0) {
      FieldValue v = fields.value(eventIdSlot);
      if (v.isMissing()) {
        if (eventIdRequired) {
          return new Rejection(DeadLetterReason.MISSING_FIELD, eventId.toString(), what + " field '" + eventId + "' ("
              + prefix + ".event-id) is missing (or null): a label must name its event");
        }
      } else if (!v.readId()) {
        return new Rejection(DeadLetterReason.MALFORMED_FIELD, eventId.toString(), what + " field '" + eventId + "' ("
            + prefix + ".event-id) is " + v.describe() + ", not an id (a text or an integer)");
      } else {
        event = v.asText;
      }
    }
    return ids(what, e.asText, event, key, false, null, into);
  }

  /**
   * The checks of the ids and the key, lengths first: an id or a key past its bound is never compared, copied or
   * quoted whole (a 600 KB key quoted in the message made a dead letter larger than the producer accepts). With
   * {@code keyMustMatch} (the cellstream format) the key must be the entity id; else it decides whether the record
   * is at home. When they pass, {@code into} gets the entity id (text and UTF-8), the event id (null if none) and
   * whether it is at home.
   */
  private Rejection ids(String what, String entityId, String eventId, byte[] key, boolean keyMustMatch,
      String keyAdvice, CheckedRecord into) {
    if (entityId == null || entityId.isBlank()) {
      return new Rejection(DeadLetterReason.MISSING_ENTITY_ID, what + " has an empty entityId");
    }
    byte[] entity = entityId.getBytes(StandardCharsets.UTF_8);
    if (entity.length > limits.maxEntityIdBytes()) {
      return new Rejection(DeadLetterReason.ENTITY_ID_TOO_LONG, what + " entityId " + Ids.quote(entityId) + " is "
          + entity.length + " bytes; cellstream.input.max-entity-id-bytes = " + limits.maxEntityIdBytes());
    }
    if (eventId != null) {
      int eventBytes = Ids.utf8Length(eventId);
      if (eventBytes > limits.maxEventIdBytes()) {
        return new Rejection(DeadLetterReason.EVENT_ID_TOO_LONG, what + " eventId " + Ids.quote(eventId) + " is "
            + eventBytes + " bytes; cellstream.input.max-event-id-bytes = " + limits.maxEventIdBytes());
      }
    }
    into.entityId = entityId;
    into.eventId = eventId;
    if (!keyMustMatch) {
      into.entityIdUtf8 = entity;
      into.atHome = key != null && Arrays.equals(key, entity);
      return null;
    }
    if (key == null) {
      return new Rejection(DeadLetterReason.MISSING_KEY, what + " for entity " + Ids.quote(entityId) + " has no key: "
          + keyAdvice);
    }
    // Compared as bytes: the partitioner hashed these bytes, and the prediction's entityId is written from them.
    if (!Arrays.equals(key, entity)) {
      // At most 4 bytes per quoted character are decoded, however long the key.
      int shown = Math.min(key.length, 4 * Ids.QUOTED_CHARS);
      String shownKey = Ids.quote(new String(key, 0, shown, StandardCharsets.UTF_8))
          + (key.length > 4 * Ids.QUOTED_CHARS ? " (" + key.length + " bytes)" : "");
      return new Rejection(DeadLetterReason.KEY_MISMATCH, what + " key " + shownKey + " differs from its entityId "
          + Ids.quote(entityId));
    }
    into.entityIdUtf8 = key; // the entity id's bytes: compared above
    into.atHome = true;
    return null;
  }

  /** A user format's target: a number (0/1, a class index, a value) or a boolean, as the head needs it. */
  private Rejection target(FieldValue t, FieldPath field, String key, float[] out) {
    float scalar;
    if (t.kind() == FieldValue.Kind.BOOLEAN) {
      scalar = t.bool ? 1f : 0f;
    } else if (t.readNumber()) {
      scalar = (float) t.asNumber;
    } else {
      return new Rejection(DeadLetterReason.INVALID_TARGET, field.toString(), "field '" + field + "' (" + key + ") is "
          + t.describe() + ", not a number or a boolean");
    }
    try {
      Targets.toVector(spec, scalar, null, out);
    } catch (Targets.InvalidTargetException e) {
      return new Rejection(DeadLetterReason.INVALID_TARGET, field.toString(), "field '" + field + "' (" + key + "): "
          + e.getMessage());
    }
    return null;
  }
}
