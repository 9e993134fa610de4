package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Model snapshots and optimiser state: round trips, every refusal, and reading stored version-1 files. */
class SnapshotCodecTest {

  final ModelSpec spec = new ModelSpec(4, 7, 3, Task.MULTICLASS);
  final Model model = Model.of(Init.uniform(spec, 99), 42, 1_764_201_600_123L, 777);

  @Test
  void modelRoundTrips() {
    for (Task task : Task.values()) {
      ModelSpec s = new ModelSpec(3, 13, 2, task);
      Model m = Model.of(Init.uniform(s, 5), Long.MAX_VALUE, -1, 0);
      Model back = ModelSnapshotCodec.decode(ModelSnapshotCodec.encode(m));
      assertThat(back.spec()).isEqualTo(s);
      assertThat(back.version()).isEqualTo(Long.MAX_VALUE);
      assertThat(back.createdAtMillis()).isEqualTo(-1);
      assertThat(back.examplesSeen()).isZero();
      assertThat(back.parametersCopy().data()).isEqualTo(m.parametersCopy().data());
    }
  }

  @Test
  void snapshotLayoutIsAsDocumented() {
    byte[] b = ModelSnapshotCodec.encode(model);
    assertThat(b).hasSize(ModelSnapshotCodec.HEADER_BYTES + 4 * Parameters.count(spec) + 4);
    assertThat(Arrays.copyOf(b, 4)).isEqualTo("CSLM".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(le.getShort(4)).isEqualTo((short) 1);
    assertThat(le.getInt(8)).isEqualTo(4);
    assertThat(le.getInt(12)).isEqualTo(7);
    assertThat(le.getInt(16)).isEqualTo(3);
    assertThat(le.getLong(20)).isEqualTo(42);
    assertThat(le.getFloat(48)).isEqualTo(model.parameter(0));
  }

  @Test
  void truncatedSnapshotsAreRefused() {
    byte[] b = ModelSnapshotCodec.encode(model);
    for (int len : new int[] {0, 3, 5, 6, 20, 47, 52, b.length / 2, b.length - 4, b.length - 1}) {
      byte[] cut = Arrays.copyOf(b, len);
      assertThatThrownBy(() -> ModelSnapshotCodec.decode(cut)).as("length " + len)
          .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("truncated");
    }
  }

  @Test
  void corruptSnapshotIsRefusedByItsCrc() {
    byte[] b = ModelSnapshotCodec.encode(model);
    for (int at : new int[] {7, 30, 60, b.length - 5, b.length - 1}) {
      byte[] bad = b.clone();
      bad[at] ^= 0x10;
      assertThatThrownBy(() -> ModelSnapshotCodec.decode(bad)).as("flip at " + at)
          .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("corrupt");
    }
  }

  @Test
  void wrongMagicIsRefused() {
    byte[] b = OptimizerStateCodec.encode(new Adam(AdamConfig.DEFAULTS, 10));
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(b)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("not a cellstream model snapshot").hasMessageContaining("CSLM");
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(null)).isInstanceOf(SnapshotFormatException.class);
  }

  @Test
  void futureVersionIsRefusedWithAnUpgradeHint() {
    byte[] b = ModelSnapshotCodec.encode(model);
    int future = ModelSnapshotCodec.FORMAT_VERSION + 1;
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) future);
    resealCrc(b);
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(b)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("format version " + future).hasMessageContaining("upgrade");
  }

  @Test
  void mismatchedSizesAreRefused() {
    byte[] b = ModelSnapshotCodec.encode(model);
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 8); // H=8 but the payload holds H=7
    resealCrc(b);
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(b)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("mismatched sizes");
    byte[] c = ModelSnapshotCodec.encode(model);
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 1); // multiclass with K=1
    resealCrc(c);
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(c)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("invalid sizes");
  }

  @Test
  void trailingBytesAndNonFiniteParametersAreRefused() {
    byte[] b = ModelSnapshotCodec.encode(model);
    byte[] longer = Arrays.copyOf(b, b.length + 3);
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(longer)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("trailing");
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(48 + 4 * 5, Float.NaN);
    resealCrc(b);
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(b)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("parameter[5] is NaN");
  }

  @Test
  void optimiserStateRoundTripsAndIsChecked() {
    int n = Parameters.count(spec);
    Adam adam = new Adam(new AdamConfig(0.01f, 0.8f, 0.99f, 1e-7f), n);
    float[] params = model.parametersCopy().data();
    float[] grads = new float[n];
    for (int i = 0; i < n; i++) {
      grads[i] = (i % 7 - 3) * 0.01f;
    }
    adam.step(params, grads);
    adam.step(params, grads);
    Adam back = OptimizerStateCodec.decode(OptimizerStateCodec.encode(adam), n);
    assertThat(back.config()).isEqualTo(adam.config());
    assertThat(back.steps()).isEqualTo(2);
    assertThat(back.m()).isEqualTo(adam.m());
    assertThat(back.v()).isEqualTo(adam.v());

    byte[] b = OptimizerStateCodec.encode(adam);
    assertThatThrownBy(() -> OptimizerStateCodec.decode(b, n + 1)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("mismatched sizes");
    assertThatThrownBy(() -> OptimizerStateCodec.decode(Arrays.copyOf(b, b.length - 9)))
        .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("truncated");
    byte[] bad = b.clone();
    bad[40] ^= 1;
    assertThatThrownBy(() -> OptimizerStateCodec.decode(bad)).isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("corrupt");
    assertThatThrownBy(() -> OptimizerStateCodec.decode(ModelSnapshotCodec.encode(model)))
        .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("not a cellstream optimiser state");
  }

  // ---- format stability: version-1 files written when the format was made, never regenerated ----

  @Test
  void storedVersion1SnapshotStillReads() throws IOException {
    byte[] stored = resource("model-v1.snapshot");
    Model m = ModelSnapshotCodec.decode(stored);
    assertThat(m.spec()).isEqualTo(new ModelSpec(3, 5, 2, Task.MULTICLASS));
    assertThat(m.version()).isEqualTo(7);
    assertThat(m.createdAtMillis()).isEqualTo(1_764_201_600_000L);
    assertThat(m.examplesSeen()).isEqualTo(12_345);
    for (int i = 0; i < m.parameterCount(); i++) {
      assertThat(m.parameter(i)).isEqualTo((float) StrictMath.sin(i) * 0.1f);
    }
    assertThat(ModelSnapshotCodec.encode(m)).isEqualTo(stored); // and we still write the same bytes
  }

  /** Format 2 (a model with a feature list and the statistics of its standardised inputs), written when it was made. */
  @Test
  void storedVersion2SnapshotStillReads() throws IOException {
    byte[] stored = resource("model-v2.snapshot");
    Model m = ModelSnapshotCodec.decode(stored);
    assertThat(m.spec()).isEqualTo(new ModelSpec(3, 5, 2, Task.MULTICLASS));
    assertThat(m.version()).isEqualTo(8);
    assertThat(m.createdAtMillis()).isEqualTo(1_764_201_600_000L);
    assertThat(m.examplesSeen()).isEqualTo(12_345);
    for (int i = 0; i < m.parameterCount(); i++) {
      assertThat(m.parameter(i)).isEqualTo((float) StrictMath.sin(i) * 0.1f);
    }
    InputStatistics s = m.statistics();
    assertThat(s.features()).isEqualTo("num(a), bool(b), log(c)");
    assertThat(s.columns()).containsExactly(0, 2);
    assertThat(s.count(0)).isEqualTo(10);
    assertThat(s.mean(0)).isEqualTo(1.5);
    assertThat(s.m2(0)).isEqualTo(20.25);
    assertThat(s.count(1)).isEqualTo(10);
    assertThat(s.mean(1)).isEqualTo(-0.25);
    assertThat(s.m2(1)).isEqualTo(3.0);
    assertThat(ModelSnapshotCodec.encode(m)).isEqualTo(stored);
  }

  @Test
  void storedVersion1OptimiserStateStillReads() throws IOException {
    byte[] stored = resource("adam-v1.state");
    Adam a = OptimizerStateCodec.decode(stored, 192);
    assertThat(a.config()).isEqualTo(new AdamConfig(0.005f, 0.9f, 0.999f, 1e-8f));
    assertThat(a.steps()).isEqualTo(17);
    for (int i = 0; i < 192; i++) {
      assertThat(a.m()[i]).isEqualTo(i * 0.001f - 0.05f);
      assertThat(a.v()[i]).isEqualTo(i * 1e-6f);
    }
    assertThat(OptimizerStateCodec.encode(a)).isEqualTo(stored);
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SnapshotCodecTest.class.getResourceAsStream(name)) {
      assertThat(in).as("test resource " + name).isNotNull();
      return in.readAllBytes();
    }
  }

  /** Rewrites the trailing CRC32 after a deliberate edit, so that the check under test is reached. */
  static void resealCrc(byte[] b) {
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 4);
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length - 4, (int) crc.getValue());
  }
}
