package io.cellstream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EntityStateCodecTest {

  static EntityState filled(int d, int h, int k, int window, int every, int steps, long seed) {
    EntityState s = new EntityState(d, h, k, window, every);
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < steps; t++) {
      float[] x = new float[d];
      for (int i = 0; i < d; i++) {
        x[i] = (float) r.nextGaussian();
      }
      s.beginStep("evé-" + t, 1_700_000_000_000L + t, x, 0);
      for (int j = 0; j < h; j++) {
        s.h[j] = (float) r.nextGaussian();
        s.c[j] = (float) r.nextGaussian();
      }
      float[] y = new float[k];
      for (int i = 0; i < k; i++) {
        y[i] = (float) r.nextDouble();
      }
      float[] gates = new float[4 * h];
      for (int i = 0; i < gates.length; i++) {
        gates[i] = (float) r.nextDouble();
      }
      s.endStep(y, gates, t / 3, 1_700_000_000_000L + t);
      if (t % 5 == 0 && s.findStep("evé-" + t) != EntityState.NO_STEP) {
        s.markLabelled(t);
      }
    }
    return s;
  }

  /** Holds {@code n} labels for events that have not come, with origins of various lengths. */
  static EntityState withHeld(EntityState s, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      float[] target = new float[s.outputSize()];
      for (int j = 0; j < target.length; j++) {
        target[j] = (float) r.nextDouble();
      }
      byte[] origin = new byte[r.nextInt(40)];
      for (int j = 0; j < origin.length; j++) {
        origin[j] = (byte) r.nextInt();
      }
      s.hold(HeldLabel.of("future-é-" + i, target, 1_700_000_000_000L + r.nextInt(1000), origin));
    }
    return s;
  }

  static void assertSame(EntityState a, EntityState b) {
    assertSame(a, b, true);
  }

  /** Adds the format-3 parts: an input position, {@code emissions} kept predictions (of R), a feature memory. */
  static EntityState withDelivery(EntityState s, int r, int emissions, int memoryBytes, long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    s.keepEmissions(r);
    s.inputPartition = rnd.nextInt(12);
    long offset = 1000 + rnd.nextInt(1000);
    float[] y = new float[s.outputSize()];
    for (int i = 0; i < emissions; i++) {
      for (int j = 0; j < y.length; j++) {
        y[j] = rnd.nextFloat();
      }
      s.recordEmission(offset + i, 1 + rnd.nextInt(9), 1_700_000_000_000L + rnd.nextInt(), 10 + i, y);
    }
    s.inputOffset = offset + emissions - 1;
    byte[] memory = new byte[memoryBytes];
    rnd.nextBytes(memory);
    s.setFeatureMemory(memory);
    return s;
  }

  static void assertSame(EntityState a, EntityState b, boolean withVersion2Parts) {
    if (withVersion2Parts) {
      assertThat(b.inputPartition).isEqualTo(a.inputPartition);
      assertThat(b.inputOffset).isEqualTo(a.inputOffset);
      assertThat(b.labelPartition).isEqualTo(a.labelPartition);
      assertThat(b.labelOffset).isEqualTo(a.labelOffset);
      assertThat(b.emissionCount()).isEqualTo(a.emissionCount());
      for (int i = 0; i < a.emissionCount(); i++) {
        assertThat(b.emissionInputOffset(i)).isEqualTo(a.emissionInputOffset(i));
        assertThat(b.emissionModelVersion(i)).isEqualTo(a.emissionModelVersion(i));
        assertThat(b.emissionPredictionTime(i)).isEqualTo(a.emissionPredictionTime(i));
        assertThat(b.emissionEventsSeen(i)).isEqualTo(a.emissionEventsSeen(i));
        float[] ya = new float[a.outputSize()];
        float[] yb = new float[a.outputSize()];
        a.copyEmissionOutputs(i, ya);
        b.copyEmissionOutputs(i, yb);
        assertThat(yb).containsExactly(ya);
      }
      assertThat(b.featureMemory()).containsExactly(a.featureMemory());
      assertThat(b.departedCount()).isEqualTo(a.departedCount());
      for (int i = 0; i < a.departedCount(); i++) {
        assertThat(b.departedHash(i)).isEqualTo(a.departedHash(i));
      }
      assertThat(b.heldCount()).isEqualTo(a.heldCount());
      for (int i = 0; i < a.heldCount(); i++) {
        assertThat(b.held(i).eventIdString()).isEqualTo(a.held(i).eventIdString());
        assertThat(b.held(i).target()).containsExactly(a.held(i).target());
        assertThat(b.held(i).heldAt()).isEqualTo(a.held(i).heldAt());
        assertThat(b.held(i).origin()).containsExactly(a.held(i).origin());
      }
    }
    assertThat(b.eventsSeen).isEqualTo(a.eventsSeen);
    assertThat(b.modelVersion).isEqualTo(a.modelVersion);
    assertThat(b.lastEventTime).isEqualTo(a.lastEventTime);
    assertThat(b.h).containsExactly(a.h);
    assertThat(b.c).containsExactly(a.c);
    assertThat(b.lastOutputs).containsExactly(a.lastOutputs);
    assertThat(b.hasGates).isEqualTo(a.hasGates);
    assertThat(b.gates).containsExactly(a.gates);
    assertThat(b.firstStep()).isEqualTo(a.firstStep());
    assertThat(b.windowCount()).isEqualTo(a.windowCount());
    for (long s = a.firstStep(); s < a.firstStep() + a.windowCount(); s++) {
      assertThat(b.eventId(s)).isEqualTo(a.eventId(s));
      assertThat(b.eventTime(s)).isEqualTo(a.eventTime(s));
      assertThat(b.isLabelled(s)).isEqualTo(a.isLabelled(s));
      float[] xa = new float[a.inputSize()];
      float[] xb = new float[a.inputSize()];
      a.copyInput(s, xa, 0);
      b.copyInput(s, xb, 0);
      assertThat(xb).containsExactly(xa);
      float[] pa = new float[a.outputSize()];
      float[] pb = new float[a.outputSize()];
      a.copyPrediction(s, pa, 0);
      b.copyPrediction(s, pb, 0);
      assertThat(pb).containsExactly(pa);
      if ((s - a.firstStep()) % a.checkpointEvery() == 0) {
        float[] ha = new float[a.hiddenSize()];
        float[] ca = new float[a.hiddenSize()];
        float[] hb = new float[a.hiddenSize()];
        float[] cb = new float[a.hiddenSize()];
        a.copyCheckpoint(s, ha, ca);
        b.copyCheckpoint(s, hb, cb);
        assertThat(hb).containsExactly(ha);
        assertThat(cb).containsExactly(ca);
      }
    }
  }

  @Property(tries = 150)
  void roundTrip(
      @ForAll @IntRange(min = 1, max = 9) int d,
      @ForAll @IntRange(min = 1, max = 17) int h,
      @ForAll @IntRange(min = 1, max = 5) int k,
      @ForAll @IntRange(min = 0, max = 12) int window,
      @ForAll @IntRange(min = 1, max = 6) int every,
      @ForAll @IntRange(min = 0, max = 40) int steps,
      @ForAll @IntRange(min = 0, max = 5) int held,
      @ForAll @IntRange(min = 0, max = 4) int emissions,
      @ForAll @IntRange(min = 0, max = 20) int memoryBytes) {
    EntityState a = withDelivery(withHeld(filled(d, h, k, window, every, steps, 42), held, 7), 4, emissions, memoryBytes, 9);
    EntityStateCodec codec = new EntityStateCodec();
    EntityState b = new EntityState(d, h, k, window, every);
    b.keepEmissions(4);
    codec.decode(codec.encode(a), b);
    assertSame(a, b);
  }

  @Test
  void decodingResetsWhateverWasThereBefore() {
    EntityStateCodec codec = new EntityStateCodec();
    EntityState small = filled(2, 3, 1, 4, 2, 2, 1);
    EntityState reused = filled(2, 3, 1, 4, 2, 30, 2);
    codec.decode(codec.encode(small), reused);
    assertSame(small, reused);
  }

  @Test
  void everyFlippedByteIsDetected() {
    EntityStateCodec codec = new EntityStateCodec();
    byte[] bytes = codec.encode(filled(3, 4, 2, 5, 2, 11, 3));
    for (int i = 0; i < bytes.length; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x10;
      assertThatThrownBy(() -> codec.decode(bad, new EntityState(3, 4, 2, 5, 2)))
          .isInstanceOf(StateFormatException.class);
    }
  }

  @Test
  void truncatedInputIsRefusedWithAClearMessage() {
    EntityStateCodec codec = new EntityStateCodec();
    byte[] bytes = codec.encode(filled(3, 4, 2, 5, 2, 11, 3));
    for (int n : new int[] {0, 3, 20, bytes.length / 2, bytes.length - 1}) {
      assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, n), new EntityState(3, 4, 2, 5, 2)))
          .isInstanceOf(StateFormatException.class)
          .hasMessageContaining("entity state");
    }
  }

  @Test
  void anotherModelShapeIsRefused() {
    EntityStateCodec codec = new EntityStateCodec();
    byte[] bytes = codec.encode(filled(3, 4, 2, 5, 2, 11, 3));
    assertThatThrownBy(() -> codec.decode(bytes, new EntityState(3, 5, 2, 5, 2)))
        .isInstanceOf(StateFormatException.class)
        .hasMessageContaining("H=4")
        .hasMessageContaining("H=5");
  }

  @Test
  void aSmallerWindowKeepsTheMemoryAndTheNewestAlignedSteps() {
    EntityStateCodec codec = new EntityStateCodec();
    EntityState big = filled(2, 3, 1, 12, 3, 40, 5);
    EntityState small = new EntityState(2, 3, 1, 4, 3);
    codec.decode(codec.encode(big), small);
    assertThat(small.h).containsExactly(big.h);
    assertThat(small.eventsSeen).isEqualTo(40);
    assertThat(small.windowCount()).isBetween(4, 4 + 3 - 1);
    assertThat(small.firstStep() % 3).isZero();
    assertThat(small.firstStep() + small.windowCount()).isEqualTo(40);
    float[] hb = new float[3];
    float[] cb = new float[3];
    float[] hs = new float[3];
    float[] cs = new float[3];
    big.copyCheckpoint(small.firstStep(), hb, cb);
    small.copyCheckpoint(small.firstStep(), hs, cs);
    assertThat(hs).containsExactly(hb);
    assertThat(cs).containsExactly(cb);
  }

  @Test
  void anotherCheckpointIntervalDropsOnlyTheWindow() {
    EntityStateCodec codec = new EntityStateCodec();
    EntityState a = filled(2, 3, 1, 6, 2, 20, 5);
    EntityState b = new EntityState(2, 3, 1, 6, 4);
    codec.decode(codec.encode(a), b);
    assertThat(b.h).containsExactly(a.h);
    assertThat(b.c).containsExactly(a.c);
    assertThat(b.eventsSeen).isEqualTo(20);
    assertThat(b.windowCount()).isZero();
  }

  /** A file written by format version 1 stays readable: format stability. */
  @Test
  void readsTheStoredVersion1File() throws IOException {
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/state/entity-state-v1.bin")) {
      assertThat(in).as("stored v1 file").isNotNull();
      bytes = in.readAllBytes();
    }
    EntityState expected = filled(3, 5, 2, 6, 2, 17, 2024);
    EntityState read = new EntityState(3, 5, 2, 6, 2);
    new EntityStateCodec().decode(bytes, read);
    assertSame(expected, read, false);
    assertThat(read.departedCount()).as("version 1 kept no departed ids").isZero();
    assertThat(read.heldCount()).as("nor held labels").isZero();
  }

  /** The same for version 2 (departed ids, held labels): written once by this build, kept as is. */
  @Test
  void readsTheStoredVersion2File() throws IOException {
    EntityState expected = withHeld(filled(3, 5, 2, 6, 2, 17, 2024), 3, 2026);
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/state/entity-state-v2.bin")) {
      assertThat(in).as("stored v2 file").isNotNull();
      bytes = in.readAllBytes();
    }
    EntityState read = new EntityState(3, 5, 2, 6, 2);
    new EntityStateCodec().decode(bytes, read);
    assertSame(expected, read);
    assertThat(read.departedCount()).isPositive();
    long newestDeparted = read.firstStep() - 1;
    assertThat(read.departedRecently("evé-" + newestDeparted)).isTrue();
    assertThat(read.departedRecently("evé-0")).as("older than the W + k remembered").isFalse();
    assertThat(read.departedRecently("evé-16")).as("in the window").isFalse();
    assertThat(read.inputOffset).as("version 2 recorded no input position").isEqualTo(-1);
    assertThat(read.emissionCount()).isZero();
    assertThat(read.featureMemory()).isEmpty();
  }

  /** Version 3 (input position, kept predictions, feature memory): written once by this build, kept as is. */
  @Test
  void readsTheStoredVersion3File() throws IOException {
    EntityState expected = withDelivery(withHeld(filled(3, 5, 2, 6, 2, 17, 2024), 3, 2026), 4, 4, 11, 2027);
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/state/entity-state-v3.bin")) {
      assertThat(in).as("stored v3 file").isNotNull();
      bytes = in.readAllBytes();
    }
    EntityState read = new EntityState(3, 5, 2, 6, 2);
    read.keepEmissions(4);
    new EntityStateCodec().decode(bytes, read);
    assertSame(expected, read);
    assertThat(read.emissionCount()).isEqualTo(4);
    assertThat(read.featureMemory()).hasSize(11);
    assertThat(read.labelOffset).as("version 3 recorded no label position").isEqualTo(-1);
    assertThat(read.labelPartition).isEqualTo(-1);
  }

  /** Version 4 (the label position): written once by this build ({@code -Dstate.regenerate=true}), kept as is. */
  @Test
  void readsTheStoredVersion4File() throws IOException {
    EntityState expected = withDelivery(withHeld(filled(3, 5, 2, 6, 2, 17, 2024), 3, 2026), 4, 4, 11, 2027);
    expected.labelPartition = 3;
    expected.labelOffset = 4242;
    if (Boolean.getBoolean("state.regenerate")) {
      java.nio.file.Files.write(java.nio.file.Path.of("src/test/resources/state/entity-state-v4.bin"),
          new EntityStateCodec().encode(expected));
    }
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/state/entity-state-v4.bin")) {
      assertThat(in).as("stored v4 file").isNotNull();
      bytes = in.readAllBytes();
    }
    EntityState read = new EntityState(3, 5, 2, 6, 2);
    read.keepEmissions(4);
    new EntityStateCodec().decode(bytes, read);
    assertSame(expected, read);
    assertThat(read.labelPartition).isEqualTo(3);
    assertThat(read.labelOffset).isEqualTo(4242);
  }

  @Test
  void fewerKeptPredictionsKeepTheNewest() {
    EntityState a = withDelivery(filled(2, 3, 2, 0, 1, 5, 1), 6, 6, 0, 3);
    EntityState b = new EntityState(2, 3, 2, 0, 1);
    b.keepEmissions(2);
    new EntityStateCodec().decode(new EntityStateCodec().encode(a), b);
    assertThat(b.emissionCount()).isEqualTo(2);
    assertThat(b.emissionInputOffset(0)).isEqualTo(a.emissionInputOffset(4));
    assertThat(b.emissionInputOffset(1)).isEqualTo(a.emissionInputOffset(5));
    assertThat(b.findEmission(a.emissionInputOffset(0))).isEqualTo(-1);
  }

  @Test
  void aWindowThatShrinksRemembersTheStepsItCutOff() {
    EntityStateCodec codec = new EntityStateCodec();
    EntityState big = filled(2, 3, 1, 12, 3, 14, 5);
    assertThat(big.departedCount()).as("14 steps fit a window of 12 + 3").isZero();
    EntityState small = new EntityState(2, 3, 1, 4, 3);
    codec.decode(codec.encode(big), small);
    assertThat(small.departedRecently("evé-" + (small.firstStep() - 1))).isTrue();
    assertThat(small.findStep("evé-" + (small.firstStep() - 1))).isEqualTo(EntityState.NO_STEP);
  }
}
