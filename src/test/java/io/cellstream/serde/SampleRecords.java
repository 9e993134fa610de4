package io.cellstream.serde;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.ModelSnapshot;
import io.cellstream.avro.Prediction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in record of every generated type, and hand-written variants of the Event schema. */
final class SampleRecords {

  private SampleRecords() {}

  static final Instant T = Instant.ofEpochMilli(1_767_225_600_123L);

  static Event event() {
    return Event.newBuilder().setEntityId("card-42").setEventId("e-1").setEventTime(T)
        .setFeatures(List.of(0.5f, -1.25f, 3.0f, Float.MIN_VALUE)).setTarget(1.0f)
        .setTargetVector(List.of(0f, 1f)).build();
  }

  static Label label() {
    return Label.newBuilder().setEntityId("card-42").setEventId("e-1").setTarget(0.0f)
        .setLabelTime(T.plusSeconds(60)).build();
  }

  static Prediction prediction() {
    return Prediction.newBuilder().setEntityId("card-42").setEventId("e-1").setEventTime(T)
        .setPredictionTime(T.plusMillis(3)).setModelName("fraud").setModelVersion(7)
        .setOutputs(List.of(0.125f)).setPredictedClass(0).setEventsSeen(12).build();
  }

  static ModelSnapshot snapshot() {
    return ModelSnapshot.newBuilder().setModelName("fraud").setVersion(7).setCreatedAt(T).setTask("binary")
        .setInputSize(4).setHiddenSize(8).setOutputSize(1).setExamplesSeen(1000).setParentVersion(6L)
        .setOrigin("trained").setTrainingLoss(0.3).setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}))
        .build();
  }

  static DeadLetter deadLetter() {
    return DeadLetter.newBuilder().setSourceTopic("events").setPartition(3).setOffset(99).setTimestamp(T)
        .setReason("undecodable").setErrorClass(SerdeException.class.getName()).setMessage("bad magic")
        .setKey(ByteBuffer.wrap("card-42".getBytes())).setValue(ByteBuffer.wrap(new byte[] {9, 9}))
        .setFailedAt(T.plusSeconds(1)).build();
  }

  static List<SpecificRecord> all() {
    return List.of(event(), label(), prediction(), snapshot(), deadLetter());
  }

  /** Event as it was before {@code targetVector}: what an older producer writes. */
  static final String EVENT_V0 = """
      {"type": "record", "name": "Event", "namespace": "io.cellstream.avro", "fields": [
        {"name": "entityId", "type": "string"},
        {"name": "eventId", "type": ["null", "string"], "default": null},
        {"name": "eventTime", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "features", "type": {"type": "array", "items": "float"}},
        {"name": "target", "type": ["null", "float"], "default": null}
      ]}""";

  /** Event of a newer producer: an added optional field, in the middle. */
  static final String EVENT_V2 = """
      {"type": "record", "name": "Event", "namespace": "io.cellstream.avro", "fields": [
        {"name": "entityId", "type": "string"},
        {"name": "eventId", "type": ["null", "string"], "default": null},
        {"name": "source", "type": ["null", "string"], "default": null},
        {"name": "eventTime", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "features", "type": {"type": "array", "items": "float"}},
        {"name": "target", "type": ["null", "float"], "default": null},
        {"name": "targetVector", "type": ["null", {"type": "array", "items": "float"}], "default": null},
        {"name": "weight", "type": "double", "default": 1.0}
      ]}""";

  /** An Event no reader can use: features are strings. */
  static final String EVENT_INCOMPATIBLE = """
      {"type": "record", "name": "Event", "namespace": "io.cellstream.avro", "fields": [
        {"name": "entityId", "type": "string"},
        {"name": "eventTime", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "features", "type": "string"}
      ]}""";

  static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }
}
