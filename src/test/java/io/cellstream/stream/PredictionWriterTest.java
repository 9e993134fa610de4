package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.Prediction;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.InMemorySchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written prediction encoder writes exactly the bytes of the Avro serde, and they decode back. */
class PredictionWriterTest {

  private static final String[] AWKWARD = {"", "a", "card-42", "é ü ß", "日本語のエンティティ", "🙂+/=", "x".repeat(200)};

  @Test
  void sameBytesAsTheAvroSerdeOnAwkwardValues() throws Exception {
    AvroSerde<Prediction> serde = new AvroSerde<>(Prediction.class, new InMemorySchemaRegistry());
    PredictionWriter writer = new PredictionWriter(serde);
    String topic = "pw-predictions";
    SplittableRandom r = new SplittableRandom(7);
    long[] longs = {0, 1, -1, 63, 64, -64, -65, 8191, 8192, Long.MAX_VALUE, Long.MIN_VALUE, 1_714_521_600_000L};
    for (int i = 0; i < 2000; i++) {
      int n = r.nextInt(0, 6);
      float[] y = new float[n + 2];
      for (int j = 0; j < y.length; j++) {
        y[j] = switch (r.nextInt(5)) {
          case 0 -> 0f;
          case 1 -> -0f;
          case 2 -> Float.NaN;
          case 3 -> Float.MIN_VALUE;
          default -> (float) r.nextGaussian();
        };
      }
      List<Float> outputs = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        outputs.add(y[j]);
      }
      String entity = AWKWARD[r.nextInt(AWKWARD.length)] + (r.nextBoolean() ? "" : i);
      String eventId = AWKWARD[r.nextInt(AWKWARD.length)] + "-" + i;
      String model = r.nextBoolean() ? "default" : AWKWARD[r.nextInt(AWKWARD.length)];
      long eventTime = longs[r.nextInt(longs.length)];
      long predictionTime = longs[r.nextInt(longs.length)];
      long version = r.nextBoolean() ? longs[r.nextInt(longs.length)] : r.nextLong();
      long seen = r.nextBoolean() ? longs[r.nextInt(longs.length)] : r.nextLong(0, 1L << 40);
      int cls = r.nextInt(4) == 0 ? -1 : r.nextBoolean() ? r.nextInt(0, 3) : r.nextInt(0, Integer.MAX_VALUE);

      Prediction p = Prediction.newBuilder()
          .setEntityId(entity).setEventId(eventId)
          .setEventTime(Instant.ofEpochMilli(eventTime)).setPredictionTime(Instant.ofEpochMilli(predictionTime))
          .setModelName(model).setModelVersion(version).setOutputs(outputs)
          .setPredictedClass(cls < 0 ? null : cls).setEventsSeen(seen)
          .build();
      byte[] expected = serde.encode(topic, p);
      byte[] actual = writer.write(topic, entity.getBytes(StandardCharsets.UTF_8), eventId, eventTime, predictionTime,
          model, version, y, n, cls, seen);
      assertThat(actual).as("prediction %d: %s", i, p).isEqualTo(expected);
      assertThat(serde.decode(topic, actual)).isEqualTo(p);
    }
  }
}
